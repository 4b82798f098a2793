import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './cliSandbox';

/**
 * A Docker engine of a test's own, for tests that stop, kill or restart an
 * engine: never the system's (on a developer's machine that is their Docker,
 * and other suites use it at the same time). Its own data root, exec root,
 * pid file and socket, in a folder removed by `stop()`. It runs in its own
 * network namespace (`unshare -n`): a `--bridge none` engine outside one
 * deletes the host's docker0, and the system engine then cannot start
 * containers. Its containers have loopback networking only.
 */
export class PrivateEngine {
  /** The engine's folder: data/, exec/, pid, docker.sock, dockerd.log. */
  readonly dir: string;
  /** `unix://<dir>/docker.sock`, for DOCKER_HOST. */
  readonly host: string;
  readonly log: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    dir: string,
    /** More dockerd arguments (a TLS listener); with them its loopback interface is brought up first. */
    private readonly dockerdArgs: string[] = [],
  ) {
    this.dir = dir;
    this.host = `unix://${join(dir, 'docker.sock')}`;
    this.log = join(dir, 'dockerd.log');
  }

  /** Why no private engine can run here (undefined: it can). */
  static cannotStart(): string | undefined {
    if (process.getuid?.() !== 0) return 'not running as root';
    for (const tool of ['dockerd', 'unshare', 'findmnt', 'docker']) {
      if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) return `${tool} is not on PATH`;
    }
    if (spawnSync('unshare', ['-n', 'true'], { stdio: 'ignore' }).status !== 0) return '`unshare -n` fails here (no network namespaces)';
    return undefined;
  }

  /**
   * Starts an engine and copies `images` (tags on the system engine) into it.
   * `dockerdArgs` (a function of the engine's folder) adds listeners: those
   * on 127.0.0.1 are inside the engine's network namespace.
   */
  static async start(images: string[] = [], dockerdArgs: (dir: string) => string[] = () => []): Promise<PrivateEngine> {
    // Short: the engine's sockets (docker.sock, exec/containerd/containerd.sock) must fit in 107 bytes.
    const base = tmpdir().length <= 40 ? tmpdir() : '/tmp';
    const dir = mkdtempSync(join(base, 'dk-'));
    const engine = new PrivateEngine(dir, dockerdArgs(dir));
    try {
      await engine.startDockerd();
      for (const image of images) await engine.copyImage(image);
      return engine;
    } catch (error) {
      await engine.stop().catch((stopError: unknown) => console.warn(`could not remove the private engine in ${engine.dir}: ${String(stopError)}`));
      throw error;
    }
  }

  /** The environment that points the docker CLI and Drydock at this engine. */
  get env(): { DOCKER_HOST: string } {
    return { DOCKER_HOST: this.host };
  }

  /** The engine's pid while it runs (the dockerd process: `unshare` execs it). */
  get pid(): number | undefined {
    return this.child && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** `docker -H <this engine> ARGS...`; throws with its stderr when it fails. */
  docker(args: string[]): string {
    return execFileSync('docker', ['-H', this.host, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  }

  /** Runs a command in a container of this engine as the given user (default: the container's). */
  exec(container: string, command: string, user?: string): string {
    return this.docker(['exec', ...(user ? ['-u', user] : []), container, '/bin/sh', '-c', command]);
  }

  /** Whether the engine answers `docker info` (a bounded wait). */
  answers(): Promise<boolean> {
    return new Promise((resolve) => {
      execFile('docker', ['-H', this.host, 'info'], { timeout: 20_000 }, (error) => resolve(!error));
    });
  }

  /** Kills this engine (SIGTERM, by its pid), waits for it to exit, starts it again on the same data root. */
  async restart(): Promise<void> {
    await this.kill();
    await this.startDockerd();
  }

  /** SIGTERM to this engine's dockerd, by pid; returns once it has exited (SIGKILL after 60 s). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || this.pid === undefined) return;
    child.kill('SIGTERM');
    const exited = await Promise.race([this.exited.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 60_000).unref())]);
    if (!exited) {
      console.warn(`the private engine ${child.pid} did not exit within 60 s of SIGTERM: SIGKILL`);
      child.kill('SIGKILL');
      await this.exited;
    }
  }

  /**
   * Kills the engine and whatever it left running (its containerd and shims,
   * found by this engine's folder in their command line, killed by pid),
   * unmounts what is still mounted under its folder, and removes the folder.
   */
  async stop(): Promise<void> {
    await this.kill();
    for (const pid of this.leftoverProcesses()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    await waitFor(`what the private engine in ${this.dir} left running to exit`, 30_000, () => this.leftoverProcesses().length === 0, 200);
    for (const target of this.mountsUnder()) spawnSync('umount', ['-R', target], { stdio: 'ignore' });
    const still = this.mountsUnder();
    if (still.length > 0) throw new Error(`still mounted under ${this.dir}, not removed: ${still.join(', ')}`);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async startDockerd(): Promise<void> {
    if (this.pid !== undefined) throw new Error(`the private engine already runs (pid ${this.pid})`);
    const log = openSync(this.log, 'a');
    let child: ChildProcess;
    try {
      // A new network namespace's loopback is down; a TCP listener on 127.0.0.1 needs it up. `exec` keeps dockerd's pid.
      const launcher = this.dockerdArgs.length > 0 ? ['sh', '-c', 'ip link set lo up && exec "$@"', 'sh'] : [];
      child = spawn(
        'unshare',
        [
          '-n',
          ...launcher,
          'dockerd',
          '--data-root',
          join(this.dir, 'data'),
          '--exec-root',
          join(this.dir, 'exec'),
          '--pidfile',
          join(this.dir, 'pid'),
          '-H',
          this.host,
          '--bridge',
          'none',
          '--iptables=false',
          '--ip-masq=false',
          ...this.dockerdArgs,
        ],
        { stdio: ['ignore', log, log] },
      );
    } finally {
      closeSync(log);
    }
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const ready = await waitFor(
      `the private engine at ${this.host} to answer (see ${this.log})`,
      60_000,
      async () => {
        if (this.pid === undefined) return 'exited';
        return (await this.answers()) ? 'answers' : undefined;
      },
      250,
    );
    if (ready === 'exited') throw new Error(`the private engine exited at start (${String(child.exitCode ?? child.signalCode)}):\n${this.logTail()}`);
    // `unshare` execs dockerd: the process this class kills is the engine itself.
    const pidfile = this.readPidfile();
    if (pidfile !== child.pid) throw new Error(`the private engine's pid file says ${String(pidfile)}, not ${String(child.pid)}`);
  }

  /** `docker save IMAGE | docker -H <this engine> load`. */
  private async copyImage(image: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const save = spawn('docker', ['save', image], { stdio: ['ignore', 'pipe', 'pipe'] });
      const load = spawn('docker', ['-H', this.host, 'load'], { stdio: ['pipe', 'ignore', 'pipe'] });
      let errors = '';
      save.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
      load.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
      save.stdout.pipe(load.stdin);
      let pending = 2;
      const codes: (number | null)[] = [];
      const done = (code: number | null): void => {
        codes.push(code);
        if (--pending > 0) return;
        if (codes.every((each) => each === 0)) resolve();
        else reject(new Error(`could not copy ${image} into the private engine: ${errors.trim()}`));
      };
      save.once('close', done);
      load.once('close', done);
    });
  }

  private readPidfile(): number | undefined {
    try {
      return Number(readFileSync(join(this.dir, 'pid'), 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  }

  /** Processes whose command line names this engine's folder (its containerd, shims), by pid. */
  private leftoverProcesses(): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      try {
        if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(`${this.dir}/`)) pids.push(Number(entry));
      } catch {
        // Exited meanwhile.
      }
    }
    return pids;
  }

  /** Mount points at or under this engine's folder, deepest first. */
  private mountsUnder(): string[] {
    if (!existsSync(this.dir)) return [];
    const targets = execFileSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' })
      .split('\n')
      .filter((target) => target === this.dir || target.startsWith(`${this.dir}/`));
    return targets.sort((a, b) => b.length - a.length);
  }

  private logTail(): string {
    try {
      return readFileSync(this.log, 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '(no log)';
    }
  }
}
