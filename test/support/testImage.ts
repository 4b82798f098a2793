import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Test images made on this machine, since no registry is reachable: a rootfs
 * of Debian's busybox-static with a passwd file, loaded with `docker import`.
 */
export interface TestImageOptions {
  /** Image USER; '' leaves it unset (root). */
  user?: string;
  /** Extra files: path -> content, or { content, mode }. */
  files?: Record<string, string | { content: string; mode: number }>;
  /** Add this machine's inotify-tools `inotifywait` (with the libraries it links) as /bin/inotifywait. */
  inotifywait?: boolean;
}

export const TEST_USERS = { dev: { uid: 1000, gid: 1000 }, alice: { uid: 1001, gid: 1001 } } as const;

const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'];

export function buildTestImage(tag: string, options: TestImageOptions = {}): string {
  const busybox = BUSYBOX_CANDIDATES.find((path) => {
    try {
      execFileSync(path, ['true']);
      return true;
    } catch {
      return false;
    }
  });
  if (!busybox) throw new Error('busybox-static is not installed (apt-get install busybox-static); .ci/run installs it.');
  const root = mkdtempSync(join(tmpdir(), 'drydock-rootfs-'));
  try {
    mkdirSync(join(root, 'bin'), { recursive: true });
    execFileSync('cp', [busybox, join(root, 'bin/busybox')]);
    const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' })
      .split('\n')
      .filter((name) => name && name !== 'busybox');
    for (const applet of applets) symlinkSync('busybox', join(root, 'bin', applet));
    mkdirSync(join(root, 'etc'));
    mkdirSync(join(root, 'tmp'));
    chmodSync(join(root, 'tmp'), 0o1777);
    mkdirSync(join(root, 'root'));
    writeFileSync(
      join(root, 'etc/passwd'),
      [
        'root:x:0:0:root:/root:/bin/sh',
        ...Object.entries(TEST_USERS).map(([name, ids]) => `${name}:x:${ids.uid}:${ids.gid}:${name}:/home/${name}:/bin/sh`),
        'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(root, 'etc/group'),
      ['root:x:0:', ...Object.entries(TEST_USERS).map(([name, ids]) => `${name}:x:${ids.gid}:`), 'nogroup:x:65534:', ''].join('\n'),
    );
    if (options.inotifywait) copyProgram('inotifywait', root);
    for (const [path, file] of Object.entries(options.files ?? {})) {
      const target = join(root, path);
      mkdirSync(dirname(target), { recursive: true });
      const { content, mode } = typeof file === 'string' ? { content: file, mode: 0o644 } : file;
      writeFileSync(target, content);
      chmodSync(target, mode);
    }
    const changes = ['-c', 'CMD ["/bin/sh"]', '-c', 'ENV PATH=/bin'];
    if (options.user ?? 'dev') changes.push('-c', `USER ${options.user ?? 'dev'}`);
    const tar = execFileSync('tar', ['-C', root, '--numeric-owner', '--owner=0', '--group=0', '-c', '.'], { maxBuffer: 64 * 1024 * 1024 });
    return execFileSync('docker', ['import', ...changes, '-', tag], { input: tar, encoding: 'utf8' }).trim();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** A dynamically linked program of this machine, its libraries and loader at their own paths, into a rootfs's /bin. */
function copyProgram(name: string, root: string): void {
  let program: string;
  try {
    program = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} is not installed (apt-get install inotify-tools); .ci/run installs it.`);
  }
  execFileSync('cp', ['-L', program, join(root, 'bin', name)]);
  const libraries = execFileSync('ldd', [program], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /(\/\S+) \(0x/.exec(line)?.[1])
    .filter((path): path is string => path !== undefined);
  for (const library of libraries) {
    mkdirSync(join(root, dirname(library)), { recursive: true });
    execFileSync('cp', ['-L', library, join(root, library)]);
  }
}

export function removeImage(tag: string): void {
  try {
    execFileSync('docker', ['rmi', '-f', tag], { stdio: 'ignore' });
  } catch {
    // Already gone.
  }
}
