import { DrydockError, invalid } from '../../core/errors';
import { AUTO_ENGINE, ENGINE_NAME, LOCAL_ENGINE } from '../../core/names';
import { DockerAdapter, type ContainerEvent, type EngineInfo } from '../../docker/adapter';
import type { PresentedHostKey } from '../../docker/ssh/hostKeyError';
import { DockerLink } from './dockerLink';
import type { EngineDefinition } from './records';

export interface EngineHandlers {
  onUp(engine: string, adapter: DockerAdapter): Promise<void>;
  onDown(engine: string, reason: string): void;
  onContainerEvent(engine: string, event: ContainerEvent): void;
}

/** One engine as `drydock engine ls` shows it. */
export interface EngineStatus {
  name: string;
  /** How it is reached: found as the docker CLI would (`local`), or added by address or context. */
  source: 'discovery' | 'host' | 'context';
  /** The address or context it was added with. */
  address?: string;
  isDefault: boolean;
  reachable: boolean;
  error?: string;
  /** Where it answered (the socket, host or context). */
  endpoint?: string;
  info?: EngineInfo;
  /** The SSH host key it is refused for, while it is (a client may offer to trust it). */
  hostKey?: PresentedHostKey;
}

/** How long `engine add` waits for a new engine's first answer before saying it is not reachable (yet). */
const FIRST_ANSWER_MS = 5_000;

/**
 * The engines this backend speaks to, each through its own DockerLink (its
 * own event stream, its own backoff): the local engine the backend finds by
 * itself, and those added by name. One going away never touches another.
 */
export class Engines {
  private readonly definitions = new Map<string, EngineDefinition>();
  private readonly links = new Map<string, DockerLink>();
  private readonly infos = new Map<string, EngineInfo>();
  /** Added in this run and not yet seen answering: what this backend has there is adopted then. */
  private readonly fresh = new Set<string>();
  private defaultEngine = LOCAL_ENGINE;

  constructor(
    private readonly handlers: EngineHandlers,
    /** Saves the state file, then announces the change. */
    private readonly save: () => Promise<void>,
    private readonly connectLocal: () => Promise<DockerAdapter> = () => DockerAdapter.connect(),
  ) {}

  load(definitions: Record<string, EngineDefinition> | undefined, defaultEngine: string | undefined): void {
    for (const [name, definition] of Object.entries(definitions ?? {})) this.definitions.set(name, definition);
    if (defaultEngine && this.has(defaultEngine)) this.defaultEngine = defaultEngine;
  }

  /** What the state file keeps. */
  stored(): { engines?: Record<string, EngineDefinition>; defaultEngine?: string } {
    return {
      ...(this.definitions.size > 0 ? { engines: Object.fromEntries(this.definitions) } : {}),
      ...(this.defaultEngine !== LOCAL_ENGINE ? { defaultEngine: this.defaultEngine } : {}),
    };
  }

  /** The local engine first, then the added ones by name. */
  names(): string[] {
    return [LOCAL_ENGINE, ...[...this.definitions.keys()].sort((a, b) => a.localeCompare(b))];
  }

  has(name: string): boolean {
    return name === LOCAL_ENGINE || this.definitions.has(name);
  }

  defaultName(): string {
    return this.defaultEngine;
  }

  /** Connects to every engine; resolves once each has answered or failed its first try (each then retries on its own). */
  async start(): Promise<void> {
    await Promise.all(this.names().map((name) => this.open(name)));
  }

  close(): void {
    for (const link of this.links.values()) link.close();
  }

  /** Every engine not answering tries again now: the user just fixed what was wrong (trusted a host key). */
  retryUnreachable(): void {
    for (const link of this.links.values()) link.retryNow();
  }

  /** The local engine's link (health reports where it answered). */
  link(name: string): DockerLink | undefined {
    return this.links.get(name);
  }

  status(name: string): EngineStatus {
    const definition = this.definitions.get(name);
    const link = this.links.get(name);
    const info = this.infos.get(name);
    const error = link?.error;
    return {
      name,
      source: !definition ? 'discovery' : 'host' in definition ? 'host' : 'context',
      ...(definition ? { address: 'host' in definition ? definition.host : definition.context } : {}),
      isDefault: name === this.defaultEngine,
      reachable: link?.isReachable ?? false,
      ...(error !== undefined ? { error } : {}),
      ...(link?.endpoint ? { endpoint: link.endpoint } : {}),
      ...(info ? { info } : {}),
      ...(link?.hostKey ? { hostKey: link.hostKey } : {}),
    };
  }

  /**
   * Adds an engine by address or Docker context and connects to it. A bad
   * name, a malformed address or a missing context is refused; an engine
   * that does not answer yet is kept (it may be started later) and its
   * status says why.
   */
  async add(name: string, target: { host: string } | { context: string }): Promise<void> {
    if (!ENGINE_NAME.test(name)) {
      throw invalid('name', `"${name}" is not an engine name: use 1-32 lowercase letters, digits and dashes, starting and ending with a letter or digit.`);
    }
    if (name === LOCAL_ENGINE || name === AUTO_ENGINE) throw invalid('name', `"${name}" is reserved; choose another engine name.`);
    if (this.definitions.has(name))
      throw new DrydockError('conflict', `an engine named "${name}" exists already; remove it first (drydock engine rm ${name}).`, 'name');
    // Parsed here, so a malformed address or an unknown context is refused before anything is kept.
    const adapter = DockerAdapter.at(target);
    this.definitions.set(name, { ...target, addedAt: new Date().toISOString() });
    this.fresh.add(name);
    await this.save();
    await Promise.race([this.open(name, adapter), new Promise((resolve) => setTimeout(resolve, FIRST_ANSWER_MS).unref())]);
  }

  /** Forgets an engine (the caller has checked that no workspace lives there). */
  async remove(name: string): Promise<void> {
    if (name === LOCAL_ENGINE)
      throw invalid('name', 'the local engine is the one Drydock finds by itself (DOCKER_HOST, the current context); it cannot be removed.');
    if (!this.definitions.has(name)) throw new DrydockError('not_found', `no engine named "${name}"; see them with \`drydock engine ls\`.`, 'name');
    this.links.get(name)?.close();
    this.links.delete(name);
    this.infos.delete(name);
    this.fresh.delete(name);
    this.definitions.delete(name);
    if (this.defaultEngine === name) this.defaultEngine = LOCAL_ENGINE;
    await this.save();
  }

  /** Whether the engine was just added (asked once, when it first answers). */
  takeFresh(name: string): boolean {
    return this.fresh.delete(name);
  }

  async setDefault(name: string): Promise<void> {
    if (!this.has(name)) throw new DrydockError('not_found', `no engine named "${name}"; see them with \`drydock engine ls\`.`, 'name');
    this.defaultEngine = name;
    await this.save();
  }

  private open(name: string, adapter?: DockerAdapter): Promise<void> {
    const definition = this.definitions.get(name);
    const connect = adapter ? () => Promise.resolve(adapter) : definition ? () => Promise.resolve(DockerAdapter.at(definition)) : this.connectLocal;
    const link = new DockerLink(
      {
        onUp: async (up) => {
          this.infos.set(name, await up.engineInfo());
          await this.handlers.onUp(name, up);
        },
        onDown: (reason) => this.handlers.onDown(name, reason),
        onContainerEvent: (event) => this.handlers.onContainerEvent(name, event),
      },
      connect,
    );
    this.links.set(name, link);
    return link.start();
  }
}
