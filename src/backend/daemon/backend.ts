import { appendFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendLocations } from '../../api/locations';
import type { Health } from '../../api/views';
import { errorMessage } from '../../core/errors';
import { LABEL } from '../../core/names';
import { VERSION } from '../../core/version';
import { ApiServer } from '../api/server';
import { EventFeed } from '../api/eventFeed';
import { WireViews } from '../api/wireViews';
import { AutoOffManager } from '../autooff/autoOffManager';
import { DEFAULT_POLICY_PATH, PolicySource } from '../autooff/policySource';
import { BuildLogStore } from '../builds/logStore';
import { DotfilesCache } from '../hooks/dotfilesCache';
import { InsideChannel } from '../inside/insideChannel';
import { Scheduler } from '../schedule/scheduler';
import { CoalescedWriter } from '../state/coalescedWriter';
import { StateFile } from '../state/stateStore';
import type { BackendEvent } from '../workspaces/backendEvents';
import { Engines } from '../workspaces/engines';
import { EventBus } from '../workspaces/eventBus';
import { ExecSessions } from '../workspaces/execSessions';
import { FileWatches } from '../files/fileWatches';
import { WorkspaceFiles } from '../files/workspaceFiles';
import { STATE_SCHEMA_VERSION, validateDaemonState, type DaemonState } from '../workspaces/records';
import { PullAhead } from '../workspaces/pullAhead';
import { UpdateChecks } from '../workspaces/updateChecks';
import { WorkspaceService } from '../workspaces/workspaceService';
import { inspectSshHostKey, trustSshHostKey } from '../../docker/ssh/hostKeyTrust';
import { hostKeyView } from '../api/wireViews';
import { IdleCollector } from './idleCollector';
import { ownerIdOf } from './ownerId';

/** How long a stop waits for running builds before leaving them to be marked interrupted. */
const BUILD_DRAIN_MS = 20_000;
/** How long the first look at Docker may hold up listening (clients wait 15 s for a new backend). */
const FIRST_DOCKER_LOOK_MS = 5_000;
/** Bursts of Docker events (die, stop, destroy) settle into one reconcile per workspace. */
const CONTAINER_EVENT_SETTLE_MS = 200;

/**
 * The backend's composition root: every part is made here, wired here, and
 * disposed of here in one `dispose`, in the reverse order of need.
 */
export class Backend {
  readonly events = new EventBus<BackendEvent>();
  private readonly stateFile: StateFile<DaemonState>;
  private readonly writer: CoalescedWriter;
  private readonly logs: BuildLogStore;
  readonly service: WorkspaceService;
  private readonly policy: PolicySource;
  private readonly autoOff: AutoOffManager;
  private readonly scheduler: Scheduler;
  private readonly inside: InsideChannel;
  private readonly updateChecks: UpdateChecks;
  readonly engines: Engines;
  private readonly pullAhead: PullAhead;
  private readonly feed: EventFeed;
  private readonly server: ApiServer;
  private readonly pendingContainerEvents = new Map<string, NodeJS.Timeout>();
  private readonly idle = new IdleCollector();
  private readonly startedAt = new Date().toISOString();
  /** The owner label of everything this backend makes on the engine. */
  readonly owner: string;
  private needsAdoption = false;
  /** Engines adopted from since a lost state file (each once, when it first answers). */
  private readonly adoptedFrom = new Set<string>();
  private schedulerStarted = false;
  private disposed: Promise<void> | undefined;

  constructor(
    private readonly locations: BackendLocations,
    private readonly onShutdownRequested: (why: string) => void,
  ) {
    this.stateFile = new StateFile<DaemonState>({
      file: locations.stateFile,
      schemaVersion: STATE_SCHEMA_VERSION,
      empty: () => ({ workspaces: {}, pulledImages: [] }),
      validate: validateDaemonState,
      log: this.log,
    });
    this.writer = new CoalescedWriter(
      () => this.stateFile.save({ workspaces: this.service.stored(), pulledImages: this.service.images.stored(), ...this.engines.stored() }),
      (error) => {
        this.log(`could not save the state file: ${errorMessage(error)}`);
        this.events.emit({ type: 'warning', message: `Drydock could not save its state: ${errorMessage(error)}` });
      },
    );
    this.logs = new BuildLogStore(locations.logsDir);
    this.owner = ownerIdOf(locations);
    this.service = new WorkspaceService({
      owner: this.owner,
      logs: this.logs,
      dotfiles: new DotfilesCache(locations.dotfilesDir),
      events: this.events,
      writer: this.writer,
      log: this.log,
      // Drydock inside the workspace needs auto-off, which needs this service: reached through a closure.
      inside: { prepare: (request) => this.inside.prepare(request) },
      directory: { defaultName: () => this.engines.defaultName(), has: (name) => this.engines.has(name) },
      afterUpdateCheck: (name) => this.pullAhead.consider(name),
    });

    // Auto-off and auto-start live here, not in the editor, so they work with no window open.
    this.policy = new PolicySource(process.env.DRYDOCK_POLICY ?? DEFAULT_POLICY_PATH, (_policy, problem) => this.policyChanged(problem));
    this.autoOff = new AutoOffManager({ service: this.service, events: this.events, policy: () => this.policy.policy, log: this.log });
    this.scheduler = new Scheduler({ service: this.service, events: this.events, autoOff: this.autoOff, policy: () => this.policy.policy, log: this.log });
    this.inside = new InsideChannel({
      root: join(locations.stateDir, 'inside'),
      service: this.service,
      autoOff: this.autoOff,
      events: this.events,
      policy: () => this.policy.policy,
      log: this.log,
    });
    this.updateChecks = new UpdateChecks(this.service, this.log);
    this.pullAhead = new PullAhead({ service: this.service, events: this.events, policy: () => this.policy.policy, log: this.log });

    this.engines = new Engines(
      {
        onUp: async (engine, adapter) => {
          this.log(`Docker engine ${engine} answers at ${adapter.endpointDescription}`);
          await this.service.dockerUp(adapter, engine);
          // After a lost state file, and on an engine just added: what this backend owns there is its own (owner labels).
          const fresh = this.engines.takeFresh(engine);
          if ((this.needsAdoption && !this.adoptedFrom.has(engine)) || fresh) {
            this.adoptedFrom.add(engine);
            const adopted = await this.service.adoptFromDocker(engine);
            if (adopted.length > 0) this.log(`recovered workspaces from Docker: ${adopted.join(', ')} (engine ${engine})`);
          }
          for (const name of this.service.names()) this.autoOff.sync(name);
          // Catch-up needs Docker, so the scheduler starts once an engine answers.
          if (!this.schedulerStarted) {
            this.schedulerStarted = true;
            this.scheduler.start();
            this.updateChecks.start();
          }
        },
        onDown: (engine, reason) => {
          this.log(`Docker engine ${engine} is unreachable (${reason}); its workspaces show unknown until it answers again`);
          this.service.dockerDown(reason, engine);
        },
        onContainerEvent: (engine, event) => {
          const workspace = event.labels[LABEL.workspace];
          if (!workspace) return;
          this.idle.activity();
          const key = `${engine}/${workspace}`;
          clearTimeout(this.pendingContainerEvents.get(key));
          this.pendingContainerEvents.set(
            key,
            setTimeout(() => {
              this.pendingContainerEvents.delete(key);
              void this.service.onContainerEvent(workspace, engine).catch((error: unknown) => this.log(`reconcile ${workspace}: ${errorMessage(error)}`));
            }, CONTAINER_EVENT_SETTLE_MS),
          );
        },
      },
      async () => {
        await this.writer.now();
        this.events.emit({ type: 'engines-changed' });
      },
    );

    const views = new WireViews(this.service, this.autoOff, this.scheduler, this.policy, this.engines, this.events, this.pullAhead);
    const files = new WorkspaceFiles(this.service);
    this.feed = new EventFeed(this.events, views);
    this.server = new ApiServer(
      {
        service: this.service,
        engines: this.engines,
        sessions: new ExecSessions(this.service),
        files,
        watches: new FileWatches(files),
        logs: this.logs,
        feed: this.feed,
        views,
        autoOff: this.autoOff,
        scheduler: this.scheduler,
        health: () => this.health(),
        sshHostKeys: {
          inspect: async (host) => hostKeyView(await inspectSshHostKey(host)),
          trust: async (host, fingerprint) => {
            const trusted = hostKeyView(await trustSshHostKey(host, fingerprint));
            // An engine may be the one refused for this key: connect now rather than at the next backoff step.
            this.engines.retryUnreachable();
            return trusted;
          },
        },
        shutdown: () => this.onShutdownRequested('shutdown requested over the API'),
      },
      () => this.idle.activity(),
    );
  }

  /**
   * Loads the state, looks at Docker (reconcile, adopt) and then listens, so a
   * client that started us never sees a state not yet reconciled. The look is
   * bounded: if the engine is slow, clients get `unknown` until it answers.
   */
  async start(): Promise<void> {
    const loaded = await this.stateFile.load();
    if (loaded.recovered)
      this.log(`state file: ${loaded.recovered.reason}; moved to ${loaded.recovered.movedTo ?? '(nowhere)'}; rebuilding it from Docker's labelled objects`);
    this.needsAdoption = loaded.recovered !== undefined;
    this.service.load(Object.values(loaded.state.workspaces), loaded.state.pulledImages);
    this.engines.load(loaded.state.engines, loaded.state.defaultEngine);
    await this.policy.start();
    await Promise.race([this.engines.start(), new Promise((resolve) => setTimeout(resolve, FIRST_DOCKER_LOOK_MS).unref())]);
    if (this.disposed) return;
    await this.server.listen(this.locations.socketPath);
    this.log(`Drydock backend ${VERSION} (pid ${process.pid}, owner id ${this.owner}) listening on ${this.locations.socketPath}`);
  }

  /** Stops taking requests, lets running builds finish (bounded), writes the state and removes the socket. */
  dispose(): Promise<void> {
    this.disposed ??= (async () => {
      await this.server.close();
      await this.service.drain(BUILD_DRAIN_MS);
      this.engines.close();
      this.autoOff.close();
      this.inside.close();
      this.scheduler.close();
      this.updateChecks.close();
      this.pullAhead.close();
      this.policy.close();
      this.feed.close();
      for (const timer of this.pendingContainerEvents.values()) clearTimeout(timer);
      this.idle.dispose();
      await this.writer.flush().catch((error: unknown) => this.log(`could not save the state file: ${errorMessage(error)}`));
      this.writer.close();
      await rm(this.locations.socketPath, { force: true });
    })();
    return this.disposed;
  }

  health(): Health {
    const reachable = this.service.isDockerReachable;
    const engine = this.engines.status(this.engines.defaultName());
    return {
      status: 'ok',
      version: VERSION,
      pid: process.pid,
      startedAt: this.startedAt,
      // The default engine's: where `create` goes. Every engine's is in GET /v1/engines.
      docker: {
        engine: engine.name,
        reachable,
        ...(engine.endpoint ? { endpoint: engine.endpoint } : {}),
        ...(!reachable && engine.error ? { error: engine.error } : {}),
        ...(!reachable && engine.hostKey ? { hostKey: hostKeyView(engine.hostKey) } : {}),
      },
    };
  }

  readonly log = (message: string): void => {
    const line = `${new Date().toISOString()} ${message}\n`;
    // A detached backend's stderr is its log file already (see the launcher); in a terminal, show it too.
    if (process.stderr.isTTY) process.stderr.write(line);
    try {
      appendFileSync(this.locations.daemonLog, line, { mode: 0o600 });
    } catch {
      process.stderr.write(line);
    }
  };

  private policyChanged(problem: string | undefined): void {
    if (problem) {
      this.log(`policy: ${problem}`);
      this.events.emit({ type: 'warning', message: `Organization policy: ${problem}` });
    } else this.log(`policy: in force from ${this.policy.source === 'file' ? this.policy.path : 'built-in defaults'}`);
    this.autoOff.policyChanged();
    this.scheduler.policyChanged();
  }
}
