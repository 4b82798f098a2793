/**
 * The `drydock` command that every build puts inside the workspace: POSIX sh
 * and the standard utilities only (busybox is enough), no network. It talks to
 * the backend through the workspace's control folder (backend/inside): it
 * writes a request file (temp file, then mv), waits for the answer file, and
 * prints it. The token is read from a file only the workspace user can read
 * and goes into the request by `cat`, never through a command line.
 */

export interface InsideCommandSettings {
  workspace: string;
  /** Where the control folder is mounted in the container. */
  controlDir: string;
  tokenFile: string;
  /** 077 when the backend can read the user's private files (it is root, or the same uid); else 022. */
  umask: '077' | '022';
}

/** Where the control folder is mounted inside every workspace. */
export const INSIDE_CONTROL_DIR = '/run/drydock';
/** Under home: the token file, 0600, owned by the workspace user. */
export const INSIDE_TOKEN_PATH = '.config/drydock/token';

/**
 * Where the build puts `drydock`: /usr/local/bin when that is on the
 * container's PATH (or there is no PATH), else the first folder of its PATH.
 */
export function insideCommandPath(pathEnv: string | undefined): string {
  const preferred = '/usr/local/bin';
  const dirs = (pathEnv ?? '').split(':').filter((dir) => dir.startsWith('/'));
  const dir = dirs.length === 0 || dirs.includes(preferred) ? preferred : (dirs[0] ?? preferred);
  return `${dir.replace(/\/+$/, '')}/drydock`;
}

const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

const USAGE = `usage: drydock COMMAND

Talks to Drydock about this workspace, from inside it.

  drydock status               state, time left, and what the policy allows
  drydock heartbeat            counts as activity: the inactivity clock restarts
  drydock extend 2h            keep running at least 2h more (within the policy)
  drydock extend --until 18:30 keep running until 18:30 on this clock
  drydock keepalive -- CMD...  keep the workspace running while CMD runs
                               (a busy lease, renewed; released when CMD ends
                               or this command dies). The exit code is CMD's.`;

/** The script with this build's settings baked in (no secret: the token stays in its file). */
export function insideCommandScript(settings: InsideCommandSettings): string {
  return `#!/bin/sh
# drydock: Drydock from inside workspace ${settings.workspace}. Put here by the
# build (it is replaced on every rebuild); it needs no network and no tool
# beyond POSIX sh. Requests go through ${settings.controlDir}.
DRYDOCK_WORKSPACE=${quote(settings.workspace)}
DRYDOCK_CONTROL=${quote(settings.controlDir)}
DRYDOCK_TOKEN_FILE=${quote(settings.tokenFile)}
DRYDOCK_UMASK=${settings.umask}
${SCRIPT_BODY}`;
}

/** The script for an engine that cannot share a folder with the backend: it says so and does nothing. */
export function insideUnavailableScript(reason: string): string {
  return `#!/bin/sh
cat >&2 <<'DRYDOCK_EOF'
drydock: ${reason.replace(/\n/g, ' ')}
DRYDOCK_EOF
exit 1
`;
}

// String.raw keeps the shell's backslashes; \${ is how the shell's own ${...} is written in it.
const SCRIPT_BODY = String.raw`
usage() { cat <<'DRYDOCK_EOF'
${USAGE}
DRYDOCK_EOF
}
die() { printf 'drydock: %s\n' "$*" >&2; exit "\${DRYDOCK_EXIT:-1}"; }

# Fractional sleeps make answers quick; a POSIX-only sleep gets whole seconds.
if sleep 0.01 2>/dev/null; then tick=0.05; ticks=600; else tick=1; ticks=30; fi
seq=0

# request key=value... : writes a request, waits for its answer and prints the
# text (stdout when done, stderr when refused). Returns the answer's code;
# sets $answer_lease and $answer_renew when the answer has them.
request() {
  [ -d "$DRYDOCK_CONTROL" ] || { printf 'drydock: %s is missing: this workspace was built without Drydock inside; rebuild it.\n' "$DRYDOCK_CONTROL" >&2; return 1; }
  [ -r "$DRYDOCK_TOKEN_FILE" ] || { printf 'drydock: cannot read %s (run this as the workspace user, or rebuild the workspace for a new token).\n' "$DRYDOCK_TOKEN_FILE" >&2; return 1; }
  seq=$((seq + 1))
  id="$$-$seq-$(date +%s)"
  tmp="$DRYDOCK_CONTROL/.tmp-$id"
  answer="$DRYDOCK_CONTROL/ans-$id"
  if ! (
    umask "$DRYDOCK_UMASK"
    {
      printf 'v=1\nworkspace=%s\nzone=%s\n' "$DRYDOCK_WORKSPACE" "$(date +%z)"
      for field; do printf '%s\n' "$field"; done
      printf 'token='; cat "$DRYDOCK_TOKEN_FILE"
    } > "$tmp"
  ) || ! mv -f "$tmp" "$DRYDOCK_CONTROL/req-$id"; then
    rm -f "$tmp"
    printf 'drydock: cannot write a request in %s.\n' "$DRYDOCK_CONTROL" >&2
    return 1
  fi
  waited=0
  while [ ! -f "$answer" ]; do
    waited=$((waited + 1))
    if [ "$waited" -gt "$ticks" ]; then
      rm -f "$DRYDOCK_CONTROL/req-$id"
      printf 'drydock: Drydock did not answer within 30 s. Is its backend running on the host? (drydock daemon status there)\n' >&2
      return 1
    fi
    sleep "$tick"
  done
  code=1 answer_lease= answer_renew=
  while IFS= read -r line; do
    case $line in
      'code='*) code=\${line#code=} ;;
      'lease='*) answer_lease=\${line#lease=} ;;
      'renew='*) answer_renew=\${line#renew=} ;;
      '| '*) if [ "$code" = 0 ]; then printf '%s\n' "\${line#| }"; else printf 'drydock: %s\n' "\${line#| }" >&2; fi ;;
    esac
  done < "$answer"
  rm -f "$answer"
  [ "$code" = 0 ]
}

keepalive() {
  [ "$1" = -- ] && shift
  [ $# -gt 0 ] || { usage >&2; DRYDOCK_EXIT=2 die 'give the command to run after --'; }
  pipe="lease-$$-$(date +%s)"
  holder=$(printf '%s' "$*" | tr '\n\t' '  ')
  (umask "$DRYDOCK_UMASK"; mkfifo "$DRYDOCK_CONTROL/$pipe") || die "cannot make a pipe in $DRYDOCK_CONTROL"
  # Held open for as long as this shell lives: when it dies, however it dies,
  # the backend sees the pipe close and releases the lease at once.
  exec 3<>"$DRYDOCK_CONTROL/$pipe"
  if ! request op=hold "pipe=$pipe" "holder=$holder" > /dev/null; then
    exec 3>&-; rm -f "$DRYDOCK_CONTROL/$pipe"; exit 1
  fi
  lease=$answer_lease
  renew=\${answer_renew:-30}
  # Renews while this shell lives; a lease lost meanwhile (a backend down past
  # its time-to-live) is taken again on the same pipe.
  (
    while sleep "$renew"; do
      kill -0 $$ 2>/dev/null || exit 0
      request op=renew "lease=$lease" > /dev/null 2>&1 && continue
      kill -0 $$ 2>/dev/null || exit 0
      request op=hold "pipe=$pipe" "holder=$holder" > /dev/null 2>&1 && lease=$answer_lease
    done
  ) 3>&- &
  renewer=$!
  # Ctrl-C reaches the command; this shell outlives it to release the lease.
  trap : INT
  "$@" 3>&-
  status=$?
  kill "$renewer" 2>/dev/null
  request op=release "lease=$lease" > /dev/null 2>&1
  exec 3>&-
  rm -f "$DRYDOCK_CONTROL/$pipe"
  exit "$status"
}

case $1 in
  status|heartbeat) [ $# -eq 1 ] || { usage >&2; exit 2; }; request "op=$1"; exit $? ;;
  extend)
    if [ "$2" = --until ] && [ $# -eq 3 ]; then request op=extend "until=$3"
    elif [ $# -eq 2 ] && [ "\${2#-}" = "$2" ]; then request op=extend "by=$2"
    else usage >&2; exit 2; fi
    exit $? ;;
  keepalive) shift; keepalive "$@" ;;
  -h|--help|help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac
`.replace(/\\\$\{/g, '$' + '{');
