/**
 * Where is the Docker engine? We follow the docker CLI's own precedence so
 * Drydock talks to the same engine `docker ps` does: DOCKER_HOST, then the
 * current context, then the well-known sockets. Everything reads through a
 * DiscoveryEnvironment so the rules are testable without a real machine.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { invalid } from '../core/errors';

export type DockerConnectionOptions =
  | { socketPath: string }
  | { protocol: 'http' | 'https'; host: string; port: number; ca?: Buffer; cert?: Buffer; key?: Buffer }
  | { protocol: 'ssh'; host: string; port?: number; username?: string };

export interface EngineEndpoint {
  /** Human description naming where it came from, e.g. `DOCKER_HOST=tcp://10.0.0.2:2376 (TLS)`. */
  description: string;
  options: DockerConnectionOptions;
  /** true when the user chose it explicitly (DOCKER_HOST, or a non-default context): then no other candidate is tried. */
  explicit: boolean;
}

export interface DiscoveryEnvironment {
  env: Record<string, string | undefined>;
  homeDir: string;
  /** undefined when missing/unreadable */
  readFile(path: string): Buffer | undefined;
  exists(path: string): boolean;
}

type Tls = { ca?: Buffer; cert?: Buffer; key?: Buffer };
/** How a tcp:// host gets its TLS material; undefined means plain http. */
type TlsSource = () => Tls | undefined;

const ACCEPTED = 'use unix:///path/to/docker.sock, tcp://host[:port] or ssh://[user@]host[:port]';
const TLS_FILES = ['ca', 'cert', 'key'] as const;

/** Ordered candidates, following the docker CLI's own precedence. */
export function engineCandidates(environment: DiscoveryEnvironment): EngineEndpoint[] {
  const { env } = environment;
  const configDir = dockerConfigDir(environment);

  const dockerHost = env.DOCKER_HOST;
  if (dockerHost) {
    const options = parseHost(dockerHost, 'DOCKER_HOST', () => envTls(environment, configDir));
    const tls = 'protocol' in options && options.protocol === 'https' ? ' (TLS)' : '';
    return [{ description: `DOCKER_HOST=${dockerHost}${tls}`, options, explicit: true }];
  }

  const context = currentContext(environment, configDir);
  if (context && context.name !== 'default') {
    return [{ ...contextEndpoint(environment, configDir, context.name, context.source), explicit: true }];
  }

  return defaultSocketPaths(environment)
    .filter((socket) => environment.exists(socket.path))
    .map((socket) => ({ description: socket.description, options: { socketPath: socket.path }, explicit: false }));
}

/** Every socket the default context would try, so an error can say what was looked for. */
export function defaultSocketPaths(environment: DiscoveryEnvironment): { description: string; path: string }[] {
  const sockets = [{ description: '/var/run/docker.sock', path: '/var/run/docker.sock' }];
  // Rootless dockerd puts its socket in the per-user runtime dir; without XDG_RUNTIME_DIR there is nowhere to look.
  const runtimeDir = environment.env.XDG_RUNTIME_DIR;
  if (runtimeDir) {
    const path = join(runtimeDir, 'docker.sock');
    sockets.push({ description: `rootless ${path}`, path });
  }
  // Docker Desktop (macOS, Linux) always uses the home directory, whatever DOCKER_CONFIG says.
  sockets.push({ description: 'Docker Desktop ~/.docker/run/docker.sock', path: join(environment.homeDir, '.docker', 'run', 'docker.sock') });
  return sockets;
}

/** The real environment: process.env, the home directory and the file system. */
export function nodeDiscoveryEnvironment(): DiscoveryEnvironment {
  return {
    env: process.env,
    homeDir: os.homedir(),
    readFile(path) {
      try {
        return fs.readFileSync(path);
      } catch {
        return undefined;
      }
    },
    exists: (path) => fs.existsSync(path),
  };
}

function dockerConfigDir(environment: DiscoveryEnvironment): string {
  return environment.env.DOCKER_CONFIG || join(environment.homeDir, '.docker');
}

/**
 * An engine the user named by address (`drydock engine add --host URL`): the
 * same rules as DOCKER_HOST, TLS material from DOCKER_TLS_VERIFY and
 * DOCKER_CERT_PATH as the docker CLI's `-H` takes it.
 */
export function hostEndpoint(environment: DiscoveryEnvironment, host: string, field = '--host'): Omit<EngineEndpoint, 'explicit'> {
  const options = parseHost(host, field, () => envTls(environment, dockerConfigDir(environment)));
  return { description: `${host}${'protocol' in options && options.protocol === 'https' ? ' (TLS)' : ''}`, options };
}

/** An engine the user named by Docker context (`drydock engine add --context NAME`). */
export function namedContextEndpoint(environment: DiscoveryEnvironment, name: string, field = '--context'): Omit<EngineEndpoint, 'explicit'> {
  return contextEndpoint(environment, dockerConfigDir(environment), name, field);
}

/** `field` names what the user must fix (DOCKER_HOST or a context's meta.json). */
function parseHost(host: string, field: string, tls: TlsSource): DockerConnectionOptions {
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw invalid(field, `"${host}" needs an absolute socket path, e.g. unix:///var/run/docker.sock.`);
    return { socketPath };
  }
  if (host.startsWith('npipe://')) {
    throw invalid(field, `"${host}" is a Windows named pipe, which Drydock cannot use here (Windows-only); ${ACCEPTED}.`);
  }
  const url = parseUrl(host);
  if (!url || !url.hostname || (url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) {
    throw invalid(field, `"${host}" is not a Docker host address; ${ACCEPTED}.`);
  }
  // WHATWG URLs keep the brackets around IPv6 literals; sockets want them bare.
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : undefined;
  if (url.protocol === 'tcp:') {
    if (url.username || url.password) throw invalid(field, `"${host}": tcp:// takes no user name; ${ACCEPTED}.`);
    const material = tls();
    if (!material) return { protocol: 'http', host: hostname, port: port ?? 2375 };
    return { protocol: 'https', host: hostname, port: port ?? 2376, ...material };
  }
  if (url.protocol === 'ssh:') {
    if (url.password) throw invalid(field, `"${host}": put no password in an ssh:// address; use an SSH key or agent.`);
    return {
      protocol: 'ssh',
      host: hostname,
      ...(port !== undefined && { port }),
      ...(url.username && { username: decodeURIComponent(url.username) }),
    };
  }
  throw invalid(field, `"${host}" has an unsupported scheme "${url.protocol}"; ${ACCEPTED}.`);
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * DOCKER_TLS_VERIFY (any non-empty value, as in the CLI) demands all three
 * files; DOCKER_CERT_PATH alone means TLS with whatever material is there.
 * The CLI's default cert directory is its config directory.
 */
function envTls(environment: DiscoveryEnvironment, configDir: string): Tls | undefined {
  const { env } = environment;
  const verify = Boolean(env.DOCKER_TLS_VERIFY);
  if (!verify && env.DOCKER_CERT_PATH === undefined) return undefined;
  const certDir = env.DOCKER_CERT_PATH || configDir;
  const material: Tls = {};
  for (const name of TLS_FILES) {
    const path = join(certDir, `${name}.pem`);
    const data = environment.readFile(path);
    if (data) material[name] = data;
    else if (verify) {
      throw invalid(
        'DOCKER_CERT_PATH',
        `${path} is missing or unreadable, and DOCKER_TLS_VERIFY is set; put ca.pem, cert.pem and key.pem in ${certDir} (or point DOCKER_CERT_PATH at them), or unset DOCKER_TLS_VERIFY.`,
      );
    }
  }
  return material;
}

/** DOCKER_CONTEXT wins over config.json's currentContext, as in the CLI. */
function currentContext(environment: DiscoveryEnvironment, configDir: string): { name: string; source: string } | undefined {
  const fromEnv = environment.env.DOCKER_CONTEXT;
  if (fromEnv) return { name: fromEnv, source: 'DOCKER_CONTEXT' };
  const configPath = join(configDir, 'config.json');
  const text = environment.readFile(configPath);
  if (!text) return undefined;
  const config = parseJson(text, configPath);
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw invalid(configPath, 'is not a JSON object; fix the file or remove it.');
  }
  const name = (config as Record<string, unknown>).currentContext;
  if (name === undefined || name === '') return undefined;
  if (typeof name !== 'string') throw invalid(configPath, '"currentContext" must be a string; run `docker context use default` to reset it.');
  return { name, source: displayPath(environment, configPath) };
}

function contextEndpoint(environment: DiscoveryEnvironment, configDir: string, name: string, source: string): Omit<EngineEndpoint, 'explicit'> {
  // The CLI stores each context under the sha256 of its name, so any name is a safe directory.
  const id = createHash('sha256').update(name).digest('hex');
  const metaPath = join(configDir, 'contexts', 'meta', id, 'meta.json');
  const text = environment.readFile(metaPath);
  if (!text) {
    throw invalid(
      source,
      `Docker context "${name}" does not exist (no ${metaPath}); run \`docker context ls\` to see the contexts, or \`docker context use default\`.`,
    );
  }
  const meta = parseJson(text, metaPath) as { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } } | null;
  const docker = meta?.Endpoints?.docker;
  if (typeof docker?.Host !== 'string' || !docker.Host) {
    throw invalid(metaPath, `Docker context "${name}" has no Endpoints.docker.Host; recreate it with \`docker context create\`.`);
  }
  const skipVerify = docker.SkipTLSVerify === true;
  const tlsDir = join(configDir, 'contexts', 'tls', id, 'docker');
  // The CLI uses TLS for a context that stores TLS material or asks to skip verification.
  const tls: TlsSource = () => {
    const material: Tls = {};
    for (const file of TLS_FILES) {
      const data = environment.readFile(join(tlsDir, `${file}.pem`));
      if (data) material[file] = data;
    }
    return Object.keys(material).length > 0 || skipVerify ? material : undefined;
  };
  const options = parseHost(docker.Host, metaPath, tls);
  const secure = 'protocol' in options && options.protocol === 'https' ? ', TLS' : '';
  return { description: `context "${name}" (${source}${secure})`, options };
}

function parseJson(text: Buffer, path: string): unknown {
  try {
    return JSON.parse(text.toString('utf8')) as unknown;
  } catch (error) {
    throw invalid(path, `is not valid JSON (${error instanceof Error ? error.message : String(error)}); fix the file or remove it.`);
  }
}

function displayPath(environment: DiscoveryEnvironment, path: string): string {
  const home = environment.homeDir;
  return path === home || path.startsWith(home + '/') ? '~' + path.slice(home.length) : path;
}
