import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { DrydockError, errorMessage } from '../../core/errors';
import { INSIDE_CONTROL_DIR, INSIDE_TOKEN_PATH, insideCommandScript, insideUnavailableScript } from '../../core/insideCommand';
import { clockTime, formatAnswer, nextTimeAtOffset, parseInsideRequest, type ParsedRequest } from '../../core/insideProtocol';
import { homeDir } from '../../core/names';
import type { Policy } from '../../core/policy';
import type { AutoOffManager } from '../autooff/autoOffManager';
import type { InsideAccess, InsideBuild } from '../lifecycle/types';
import type { BackendEvent } from '../workspaces/backendEvents';
import type { EventBus } from '../workspaces/eventBus';
import type { WorkspaceService } from '../workspaces/workspaceService';
import { removeCommandFile, writeCommandFile } from './commandFile';
import { ControlFolder } from './controlFolder';
import { insideStatusLines } from './insideStatus';
import { KeepalivePipes, LEASE_TTL_MS } from './keepalivePipes';

/** fs.watch can miss events (and is not everywhere): a scan this often catches what it missed. */
const FALLBACK_SCAN_MS = 2_000;
/** Requests handled per scan per workspace: a flood is worked through a batch at a time. */
const REQUESTS_PER_SCAN = 32;
/** Answers not collected and pipes not used are removed after this long. */
const SWEEP_AGE_MS = 2 * 60_000;

export interface InsideDeps {
  /** `<state dir>/inside`: one control folder per workspace below it. */
  root: string;
  service: WorkspaceService;
  autoOff: AutoOffManager;
  events: EventBus<BackendEvent>;
  policy: () => Policy;
  log: (message: string) => void;
  now?: () => number;
}

interface Watched {
  folder: ControlFolder;
  watcher: FSWatcher | undefined;
  timer: NodeJS.Timeout;
  scanning: Promise<void> | undefined;
  again: boolean;
  keepalives: KeepalivePipes;
}

/**
 * Drydock inside the workspace: each workspace's control folder (bind-mounted
 * at /run/drydock) is watched for requests from its `drydock` command, which
 * are checked against the build's token and carried out by auto-off. A folder
 * serves exactly one workspace, so the scope is by construction; a request
 * naming another workspace, or carrying another build's token, is refused.
 */
export class InsideChannel implements InsideAccess {
  private readonly watched = new Map<string, Watched>();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly deps: InsideDeps) {
    this.now = deps.now ?? Date.now;
    deps.events.subscribe((event) => {
      if (event.type === 'workspace-changed') this.sync(event.name);
      if (event.type === 'workspace-removed') void this.removed(event.name);
    });
  }

  async prepare({ workspace, user, docker }: Parameters<InsideAccess['prepare']>[0]): Promise<InsideBuild> {
    if (!docker.isLocal) {
      const reason = `Drydock inside the workspace needs a Docker engine on the backend's own machine, and this one is remote (${docker.endpointDescription}); use drydock on the machine that runs the backend.`;
      return { kind: 'unavailable', reason, command: insideUnavailableScript(reason) };
    }
    try {
      const folder = this.folderOf(workspace);
      this.unwatch(workspace);
      const sharing = await folder.reset(user);
      const token = randomBytes(32).toString('hex');
      // The new hash is saved before the container exists: from now on the previous build's token is refused.
      await this.deps.service.patch(workspace, (record) => (record.insideTokenHash = hashOf(token)));
      const command = insideCommandScript({
        workspace,
        controlDir: INSIDE_CONTROL_DIR,
        tokenFile: `${homeDir(user.name)}/${INSIDE_TOKEN_PATH}`,
        umask: sharing === 'private' ? '077' : '022',
      });
      const commandFile = await writeCommandFile(this.deps.root, workspace, command);
      this.sync(workspace);
      return { kind: 'ready', mount: { bind: folder.path, target: INSIDE_CONTROL_DIR }, token, command, commandFile };
    } catch (error) {
      const reason = `its control folder could not be prepared (${errorMessage(error)}); rebuild to try again.`;
      this.deps.log(`inside ${workspace}: ${reason}`);
      return { kind: 'unavailable', reason, command: insideUnavailableScript(`Drydock inside the workspace is not available: ${reason}`) };
    }
  }

  /** Watches the folder of a workspace that runs or builds, and checks the holders of its leases from inside; forgets the others. */
  sync(name: string): void {
    if (this.closed) return;
    const record = this.deps.service.has(name) ? this.deps.service.record(name) : undefined;
    if (!record?.insideTokenHash || (record.state !== 'running' && record.state !== 'building')) return this.unwatch(name);
    let watched = this.watched.get(name);
    if (!watched) {
      const folder = this.folderOf(name);
      watched = {
        folder,
        watcher: undefined,
        timer: setInterval(() => this.scan(name), FALLBACK_SCAN_MS),
        scanning: undefined,
        again: false,
        keepalives: new KeepalivePipes(name, folder, this.deps.autoOff, this.deps.log),
      };
      this.watched.set(name, watched);
      try {
        watched.watcher = watch(folder.path, () => this.scan(name));
        watched.watcher.on('error', () => watched?.watcher?.close());
      } catch {
        // No folder yet, or no inotify: the fallback scan serves.
      }
      this.scan(name);
    }
    watched.keepalives.adopt();
  }

  close(): void {
    this.closed = true;
    for (const name of [...this.watched.keys()]) this.unwatch(name);
  }

  private unwatch(name: string): void {
    const watched = this.watched.get(name);
    if (!watched) return;
    this.watched.delete(name);
    clearInterval(watched.timer);
    watched.watcher?.close();
    watched.keepalives.close();
  }

  private async removed(name: string): Promise<void> {
    this.unwatch(name);
    // The container is gone with the workspace, so nothing can race this removal.
    await this.folderOf(name)
      .remove()
      .catch((error: unknown) => this.deps.log(`inside ${name}: could not remove its control folder: ${errorMessage(error)}`));
    await removeCommandFile(this.deps.root, name).catch((error: unknown) =>
      this.deps.log(`inside ${name}: could not remove its drydock command: ${errorMessage(error)}`),
    );
  }

  /** One scan at a time per workspace; events during a scan ask for one more. */
  private scan(name: string): void {
    const watched = this.watched.get(name);
    if (!watched) return;
    if (watched.scanning) {
      watched.again = true;
      return;
    }
    watched.scanning = (async () => {
      do {
        watched.again = false;
        for (const request of await watched.folder.requestNames(REQUESTS_PER_SCAN)) await this.serve(name, watched, request);
      } while (watched.again && this.watched.get(name) === watched);
      await watched.folder.sweep(SWEEP_AGE_MS, watched.keepalives.inUse());
    })()
      .catch((error: unknown) => this.deps.log(`inside ${name}: ${errorMessage(error)}`))
      .finally(() => (watched.scanning = undefined));
  }

  private async serve(name: string, watched: Watched, requestName: string): Promise<void> {
    const text = await watched.folder.takeRequest(requestName);
    if (text === undefined) return;
    let answer: string;
    try {
      const parsed = parseInsideRequest(text);
      this.authorize(name, parsed);
      answer = this.perform(name, watched, parsed);
    } catch (error) {
      answer = formatAnswer(1, [errorMessage(error)]);
    }
    await watched.folder.answer(requestName, answer).catch(() => undefined);
  }

  /** The folder is the workspace's own; the request must name it and carry this build's token. */
  private authorize(name: string, request: ParsedRequest): void {
    if (request.workspace !== name) {
      this.deps.log(`inside ${name}: refused a request naming workspace ${request.workspace}`);
      throw new DrydockError('policy_refused', `this workspace is ${name}; from inside it, drydock acts on ${name} only, never on ${request.workspace}.`);
    }
    const expected = Buffer.from(this.deps.service.record(name).insideTokenHash ?? '', 'hex');
    const given = Buffer.from(hashOf(request.token), 'hex');
    if (expected.length !== given.length || !timingSafeEqual(given, expected)) {
      this.deps.log(`inside ${name}: refused a request with a token that is not the current build's`);
      throw new DrydockError(
        'policy_refused',
        `the token is not this build's (every rebuild replaces it); use the drydock command and token of the current build.`,
      );
    }
  }

  private perform(name: string, watched: Watched, { request, zoneOffsetMinutes }: ParsedRequest): string {
    const { autoOff } = this.deps;
    const at = (ms: number): string => clockTime(ms, zoneOffsetMinutes, this.now());
    const deadlineLine = (deadline: string | undefined): string =>
      deadline ? `${name} stops at ${at(Date.parse(deadline))} at the earliest, without activity.` : `${name} has auto-off turned off.`;
    switch (request.op) {
      case 'status':
        return formatAnswer(0, insideStatusLines(this.deps, name, this.now(), at));
      case 'heartbeat':
        return formatAnswer(0, [deadlineLine(autoOff.activity(name))]);
      case 'extend': {
        const by = 'untilText' in request ? { until: nextTimeAtOffset(request.untilText, zoneOffsetMinutes, this.now()) } : { durationMs: request.durationMs };
        return formatAnswer(0, [deadlineLine(autoOff.extendBy(name, by))]);
      }
      case 'hold': {
        const { leaseId, ttlMs } = watched.keepalives.hold(request.holder, request.pipe);
        return formatAnswer(0, [`busy: ${request.holder}`], { lease: leaseId, renew: String(Math.max(1, Math.floor(ttlMs / 3000))) });
      }
      case 'renew':
        this.requireInsideLease(name, request.lease);
        autoOff.renew(name, request.lease, LEASE_TTL_MS);
        return formatAnswer(0, []);
      case 'release':
        this.requireInsideLease(name, request.lease);
        watched.keepalives.release(request.lease);
        return formatAnswer(0, []);
    }
  }

  /** From inside, only leases taken from inside: the editor's and the CLI's are theirs to renew and end. */
  private requireInsideLease(name: string, leaseId: string): void {
    if (!this.deps.autoOff.leases(name).some((lease) => lease.id === leaseId && lease.pipe !== undefined)) {
      throw new DrydockError('not_found', `lease ${leaseId} expired or was never held from inside ${name}; take a new one.`, 'lease');
    }
  }

  private folderOf(name: string): ControlFolder {
    // The name is a validated workspace name (a DNS label): no slash, no dot-dot.
    return new ControlFolder(join(this.deps.root, name));
  }
}

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
