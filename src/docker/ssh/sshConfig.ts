/**
 * Where an `ssh://` engine really is, after `~/.ssh/config`: the Host
 * alias's HostName, Port, User, IdentityFile and UserKnownHostsFile, as
 * OpenSSH resolves them (first value wins, `Host *` last). Parsed with the
 * `ssh-config` package; `Match exec` is never run, and `Include` is not
 * followed. What the address itself says (user, port) wins over the file, as
 * with `ssh`.
 */
import * as os from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { invalid } from '../../core/errors';
import type { DiscoveryEnvironment } from '../discovery';

export interface SshTarget {
  /** What the user wrote (the alias), for messages. */
  alias: string;
  /** The host to dial and to look up in known_hosts. */
  hostname: string;
  port: number;
  username: string;
  /** Key files to offer, in order (IdentityFile entries, then OpenSSH's defaults). */
  identityFiles: string[];
  knownHostsFile: string;
}

export interface SshConfigInput {
  host: string;
  port?: number;
  username?: string;
  homeDir: string;
  /** The local user's name, the default login as in `ssh`. */
  localUser: string;
  /** Text of ~/.ssh/config, if any. */
  configText?: string;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];
const UNSUPPORTED = ['proxyjump', 'proxycommand'];

export function resolveSshTarget(input: SshConfigInput): SshTarget {
  const computed = input.configText ? SSHConfig.parse(input.configText).compute(input.host, { ignoreCase: true, matchExec: false }) : {};
  const first = (name: string): string | undefined => {
    const value = computed[name];
    return Array.isArray(value) ? value[0] : value;
  };
  for (const directive of UNSUPPORTED) {
    const value = first(directive);
    if (value && value.toLowerCase() !== 'none') {
      throw invalid(
        `~/.ssh/config (Host ${input.host})`,
        `${directive === 'proxyjump' ? 'ProxyJump' : 'ProxyCommand'} is not supported for a Docker engine; reach the engine's host directly, or forward its port with \`ssh -L\` and use that.`,
      );
    }
  }
  const hostname = first('hostname') ?? input.host;
  const portText = first('port');
  const port = input.port ?? (portText ? Number(portText) : 22);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`~/.ssh/config (Host ${input.host})`, `Port "${portText}" is not a port number.`);
  const username = input.username ?? first('user') ?? input.localUser;
  const context = { home: input.homeDir, hostname, username, port, alias: input.host, localUser: input.localUser };
  const configured = asList(computed.identityfile).map((file) => expandPath(file, context));
  const defaults = DEFAULT_KEYS.map((name) => join(input.homeDir, '.ssh', name));
  const knownHostsFile = first('userknownhostsfile');
  return {
    alias: input.host,
    hostname,
    port,
    username,
    identityFiles: [...new Set([...configured, ...defaults])],
    knownHostsFile: knownHostsFile ? expandPath(knownHostsFile.split(/\s+/)[0] ?? knownHostsFile, context) : join(input.homeDir, '.ssh', 'known_hosts'),
  };
}

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** `~` and the tokens OpenSSH expands in IdentityFile (%d %h %p %r %u %n %%). */
function expandPath(file: string, context: { home: string; hostname: string; username: string; port: number; alias: string; localUser: string }): string {
  const tokens: Record<string, string> = {
    '%': '%',
    d: context.home,
    h: context.hostname,
    p: String(context.port),
    r: context.username,
    u: context.localUser,
    n: context.alias,
  };
  const expanded = file.replace(/%(.)/g, (whole, token: string) => tokens[token] ?? whole);
  if (expanded === '~') return context.home;
  if (expanded.startsWith('~/')) return join(context.home, expanded.slice(2));
  return expanded;
}

/** The target of an `ssh://` address as discovery parsed it, after the user's ~/.ssh/config. */
export function sshTargetFor(options: { host: string; port?: number; username?: string }, environment: DiscoveryEnvironment): SshTarget {
  return resolveSshTarget({
    host: options.host,
    port: options.port,
    username: options.username,
    homeDir: environment.homeDir,
    localUser: environment.env.USER || environment.env.LOGNAME || localUserName(),
    configText: environment.readFile(join(environment.homeDir, '.ssh', 'config'))?.toString('utf8'),
  });
}

function localUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'root';
  }
}
