import { buildTestImage } from './testImage';

/**
 * A test image whose /coder/configure reports who it runs as, counts its runs
 * in home (to prove hooks run on every build) and can be told by the
 * workspace env to fail or hang.
 */
export const CONFIGURE_SCRIPT = `#!/bin/sh
echo "configure uid=$(id -u) user=$USER home=$HOME pwd=$(pwd)"
echo run >> "$HOME/.configure-runs"
case "$CONFIGURE_MODE" in
  fail) echo "configure is failing on purpose" >&2; exit 3 ;;
  slow) echo "sleeping"; sleep 300; echo "never printed" ;;
  pause) sleep 2; echo "paused" ;;
esac
exit 0
`;

/** A line only root can read, and root's folders that a hostile home links to (see the hostile-home tests). */
export const ROOT_ONLY_KNOWN_HOST = 'root-only.example ssh-ed25519 AAAAROOTONLY';

export function buildHookImage(tag: string): void {
  buildTestImage(tag, {
    files: {
      '/coder/configure': { content: CONFIGURE_SCRIPT, mode: 0o755 },
      '/root/.ssh/known_hosts': { content: `${ROOT_ONLY_KNOWN_HOST}\n`, mode: 0o600 },
      '/etc/profile.d/README': 'sourced by login shells\n',
      '/etc/sudoers.d/README': 'read by sudo\n',
    },
  });
}

export function buildImageWithUnexecutableConfigure(tag: string): void {
  buildTestImage(tag, { files: { '/coder/configure': { content: CONFIGURE_SCRIPT, mode: 0o644 } } });
}
