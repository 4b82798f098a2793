import { readdir, readFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { DrydockError, errorMessage } from '../core/errors';
import { loginTarget, parseImageReference, registryApiHost } from '../core/imageReference';
import { parseChallenge } from '../core/wwwAuthenticate';
import { registryCredentials, type RegistryCredentials } from './registryAuth';

/** Every manifest type a tag may name, so the digest is the one the engine records on a pull (an index for a multi-platform tag). */
const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');
const REQUEST_TIMEOUT_MS = 15_000;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * The digest a registry has for a tag now, by one `HEAD` of its manifest (no
 * download, and Docker Hub does not count it against pull limits), with the
 * user's credentials as the docker CLI finds them and the registry's CA as
 * the engine trusts it (`/etc/docker/certs.d/HOST/*.crt`, `~/.docker/certs.d`).
 */
export async function remoteDigest(reference: string): Promise<string> {
  const ref = parseImageReference(reference);
  if (ref.digest) return ref.digest;
  const host = registryApiHost(ref.registry);
  const url = `/v2/${ref.repository}/manifests/${ref.tag ?? 'latest'}`;
  const ca = await trustedCertificates(host);
  const send = (path: string, method: string, headers: Record<string, string>, body?: string, onHost = host): Promise<Answer> =>
    sendRequest({ host: onHost, path, method, headers, ca, ...(body !== undefined ? { body } : {}) }).catch((error: unknown) => {
      throw new DrydockError(
        'image_missing',
        `registry ${ref.registry} cannot be reached (${errorMessage(error)}); check the address and that it runs.`,
        'image',
      );
    });

  const accept = { Accept: MANIFEST_TYPES };
  let answer = await send(url, 'HEAD', accept);
  if (answer.status === 401) {
    const credentials = await registryCredentials(ref.registry);
    const authorization = await authorize(answer.headers['www-authenticate'], credentials, ref.repository, send);
    answer = await send(url, 'HEAD', { ...accept, Authorization: authorization });
    if (answer.status === 401 || answer.status === 403) {
      throw new DrydockError(
        'image_missing',
        `registry ${ref.registry} refused ${credentials ? 'the credentials' : 'an anonymous request'} for ${ref.repository} (${answer.status}); run \`docker login${loginTarget(ref.registry)}\`.`,
        'image',
      );
    }
  }
  if (answer.status === 404) throw new DrydockError('image_missing', `registry ${ref.registry} has no ${ref.repository}:${ref.tag ?? 'latest'}.`, 'image');
  const digest = answer.headers['docker-content-digest'];
  if (answer.status !== 200 || typeof digest !== 'string') {
    throw new DrydockError('image_missing', `registry ${ref.registry} answered ${answer.status} for the manifest of ${reference}.`, 'image');
  }
  return digest;
}

/** The Authorization header a registry's challenge asks for: Basic, or a Bearer token from its token service. */
async function authorize(
  challengeHeader: string | undefined,
  credentials: RegistryCredentials | undefined,
  repository: string,
  send: (path: string, method: string, headers: Record<string, string>, body?: string, host?: string) => Promise<Answer>,
): Promise<string> {
  const challenge = parseChallenge(challengeHeader ?? '');
  const basic = credentials?.username && credentials.password ? Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64') : undefined;
  if (challenge.scheme === 'basic') return basic ? `Basic ${basic}` : '';
  const realm = challenge.params.realm ? new URL(challenge.params.realm) : undefined;
  if (challenge.scheme !== 'bearer' || !realm) return '';
  const scope = challenge.params.scope ?? `repository:${repository}:pull`;
  const service = challenge.params.service ?? '';
  let answer: Answer;
  if (credentials?.identitytoken) {
    // An identity token is an OAuth refresh token: exchanged by POST, as the docker CLI does.
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.identitytoken, service, scope, client_id: 'drydock' });
    answer = await send(realm.pathname, 'POST', { 'Content-Type': 'application/x-www-form-urlencoded' }, form.toString(), realm.host);
  } else {
    realm.searchParams.set('service', service);
    realm.searchParams.set('scope', scope);
    answer = await send(`${realm.pathname}${realm.search}`, 'GET', basic ? { Authorization: `Basic ${basic}` } : {}, undefined, realm.host);
  }
  if (answer.status !== 200) return '';
  try {
    const parsed = JSON.parse(answer.body) as { token?: string; access_token?: string };
    const token = parsed.token ?? parsed.access_token;
    return token ? `Bearer ${token}` : '';
  } catch {
    return '';
  }
}

/** The CAs the engine trusts for this registry, with the system's: Docker's certs.d convention. */
async function trustedCertificates(host: string): Promise<string[] | undefined> {
  const found: string[] = [];
  for (const dir of [join('/etc/docker/certs.d', host), join(homedir(), '.docker', 'certs.d', host)]) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((file) => file.endsWith('.crt'))) found.push(await readFile(join(dir, name), 'utf8'));
  }
  return found.length > 0 ? [...rootCertificates, ...found] : undefined;
}

interface RequestSpec {
  host: string;
  path: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  ca: string[] | undefined;
}

/** HTTPS, as the engine uses; a loopback registry may also speak plain HTTP (the engine allows it there). */
async function sendRequest(spec: RequestSpec): Promise<Answer> {
  try {
    return await once(spec, true);
  } catch (error) {
    const loopback = /^(127\.|localhost(:|$)|\[::1\])/.test(spec.host);
    if (loopback && /EPROTO|wrong version number|ECONNRESET/i.test(errorMessage(error))) return once(spec, false);
    throw error;
  }
}

function once(spec: RequestSpec, tls: boolean): Promise<Answer> {
  const [hostname, port] = splitHost(spec.host);
  const options = {
    hostname,
    ...(port ? { port: Number(port) } : {}),
    path: spec.path,
    method: spec.method,
    headers: { ...spec.headers, ...(spec.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(spec.body)) } : {}) },
    timeout: REQUEST_TIMEOUT_MS,
    ...(tls && spec.ca ? { ca: spec.ca } : {}),
  };
  return new Promise((resolve, reject) => {
    const request = (tls ? httpsRequest : httpRequest)(options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    request.on('error', reject);
    request.end(spec.body);
  });
}

function splitHost(host: string): [string, string | undefined] {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  if (bracket) return [bracket[1] ?? '', bracket[2]];
  const colon = host.lastIndexOf(':');
  return colon > 0 ? [host.slice(0, colon), host.slice(colon + 1)] : [host, undefined];
}
