import type Dockerode from 'dockerode';
import type { IncomingMessage } from 'node:http';
import { pack as packDirectory } from 'tar-fs';
import { pack, extract } from 'tar-stream';
import { dockerFailure, isNotFound } from './errors';
import type { ArchiveEntry } from './types';

/**
 * Files in and out of containers through Docker's archive API. Ownership and
 * modes travel in the tar headers, which Docker applies on extraction; this is
 * how secrets reach a container without an exec command line or env.
 */
export async function putEntries(docker: Dockerode, containerId: string, directory: string, entries: ArchiveEntry[]): Promise<void> {
  const tar = await packEntries(entries);
  try {
    await docker.getContainer(containerId).putArchive(tar, { path: directory });
  } catch (error) {
    throw dockerFailure(error, `copying files into ${directory}`);
  }
}

export function packEntries(entries: ArchiveEntry[]): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk) => chunks.push(chunk as Buffer));
  const done = new Promise<Buffer>((resolve, reject) => {
    archive.on('end', () => resolve(Buffer.concat(chunks)));
    archive.on('error', reject);
  });
  for (const entry of entries) {
    const header = { name: entry.path, mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime: new Date() };
    if (entry.type === 'directory') archive.entry({ ...header, type: 'directory' });
    else if (entry.type === 'symlink') archive.entry({ ...header, type: 'symlink', linkname: entry.linkTarget ?? '' });
    else archive.entry({ ...header, type: 'file' }, entry.content ?? Buffer.alloc(0));
  }
  archive.finalize();
  return done;
}

/** One regular file's bytes from a container (running or not), or undefined when it does not exist. */
export async function readFile(docker: Dockerode, containerId: string, path: string, maxBytes = 16 * 1024 * 1024): Promise<Buffer | undefined> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.getContainer(containerId).getArchive({ path });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw dockerFailure(error, `reading ${path}`);
  }
  return new Promise<Buffer | undefined>((resolve, reject) => {
    const unpack = extract();
    let found: Buffer | undefined;
    unpack.on('entry', (header, body, next) => {
      const chunks: Buffer[] = [];
      let size = 0;
      body.on('data', (chunk) => {
        const bytes = chunk as Buffer;
        size += bytes.length;
        if (found === undefined && header.type === 'file' && size <= maxBytes) chunks.push(bytes);
      });
      body.on('end', () => {
        if (found === undefined && header.type === 'file') {
          if (size > maxBytes) return reject(new Error(`${path} is larger than ${maxBytes} bytes`));
          found = Buffer.concat(chunks);
        }
        next();
      });
    });
    unpack.on('finish', () => resolve(found));
    unpack.on('error', reject);
    stream.pipe(unpack);
  });
}

export interface PathStat {
  mode: number;
  uid: number;
  gid: number;
  isDirectory: boolean;
}

/**
 * Whether `path` exists in the container, links not followed: a HEAD of the
 * archive API, which makes no tar (stat reads one), so about 2 ms where an
 * exec takes some 60.
 */
export async function pathExists(docker: Dockerode, containerId: string, path: string): Promise<boolean> {
  try {
    // dockerode hands a HEAD's answer back as an unread stream: read its (empty) body, or its socket stays open.
    const answer = (await docker.getContainer(containerId).infoArchive({ path })) as NodeJS.ReadableStream;
    answer.resume();
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw dockerFailure(error, `checking ${path}`);
  }
}

/** What Docker's stat of a path says, links not followed; no owner (see statPath for that). */
export interface PathKind {
  isDirectory: boolean;
  /** The target when the path itself is a symbolic link. */
  linkTarget?: string;
}

// Go's os.FileMode bits, as Docker's stat header carries them.
const GO_MODE_DIR = 2 ** 31;
const GO_MODE_SYMLINK = 2 ** 27;

/**
 * What `path` is, links not followed, or undefined when it does not exist:
 * Docker's stat header of a HEAD of the archive API (about 2 ms, no tar made,
 * no process in the container). A link in a folder above `path` is resolved
 * inside the container, never on the host.
 */
export async function pathKind(docker: Dockerode, containerId: string, path: string): Promise<PathKind | undefined> {
  let answer: IncomingMessage;
  try {
    answer = (await docker.getContainer(containerId).infoArchive({ path })) as IncomingMessage;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw dockerFailure(error, `checking ${path}`);
  }
  // Read the (empty) body, or the socket stays open.
  answer.resume();
  const header = answer.headers['x-docker-container-path-stat'];
  if (typeof header !== 'string') throw new Error(`checking ${path}: Docker's answer has no stat header`);
  const stat = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as { mode?: number; linkTarget?: string };
  const mode = stat.mode ?? 0;
  // The mode is a 32-bit Go FileMode: its high bits are out of reach of JavaScript's bitwise operators.
  const has = (bit: number): boolean => Math.floor(mode / bit) % 2 === 1;
  return { isDirectory: has(GO_MODE_DIR), ...(has(GO_MODE_SYMLINK) ? { linkTarget: stat.linkTarget ?? '' } : {}) };
}

/**
 * Stats a path in a container, or undefined when it does not exist. Docker's
 * stat header has no owner, so this reads the first tar header of the
 * path's archive (the path itself) and hangs up.
 */
export async function statPath(docker: Dockerode, containerId: string, path: string): Promise<PathStat | undefined> {
  const request = new AbortController();
  try {
    const stream = await docker.getContainer(containerId).getArchive({ path, abortSignal: request.signal });
    return await new Promise<PathStat>((resolve, reject) => {
      const unpack = extract();
      unpack.once('entry', (header) => {
        resolve({ mode: (header.mode ?? 0) & 0o7777, uid: header.uid ?? 0, gid: header.gid ?? 0, isDirectory: header.type === 'directory' });
        request.abort();
      });
      unpack.on('error', reject);
      unpack.on('finish', () => reject(new Error(`${path}: empty archive`)));
      stream.on('error', () => undefined);
      stream.pipe(unpack);
    });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw dockerFailure(error, `checking ${path}`);
  } finally {
    request.abort();
  }
}

/**
 * Copies a host directory into a container as `<parent>/<name>`, streamed
 * (never held in memory), every entry owned by uid:gid, modes and symlinks kept.
 */
export async function putDirectory(
  docker: Dockerode,
  containerId: string,
  hostDirectory: string,
  parent: string,
  name: string,
  owner: { uid: number; gid: number },
): Promise<void> {
  const stream = packDirectory(hostDirectory, {
    map: (header) => ({ ...header, name: header.name === '.' ? `${name}/` : `${name}/${header.name}`, uid: owner.uid, gid: owner.gid, uname: '', gname: '' }),
  });
  try {
    await docker.getContainer(containerId).putArchive(stream as unknown as NodeJS.ReadableStream, { path: parent });
  } catch (error) {
    throw dockerFailure(error, `copying ${hostDirectory} into ${parent}/${name}`);
  }
}
