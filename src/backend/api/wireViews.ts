import type {
  BuildLogEntryView,
  DaemonEvent,
  EngineView,
  FileChangeView,
  HostKeyView,
  LocalImageView,
  PolicyDocument,
  PolicyView,
  WorkspaceView,
} from '../../api/views';
import { formatDuration } from '../../core/duration';
import { digestFor } from '../../core/imageReference';
import { formatMemory } from '../../core/memory';
import { homeVolumeName } from '../../core/names';
import type { Policy } from '../../core/policy';
import type { SafetyEntry } from '../../core/changeBaseline';
import type { LocalImage } from '../../docker/adapter';
import type { PresentedHostKey } from '../../docker/ssh/hostKeyError';
import type { AutoOffManager } from '../autooff/autoOffManager';
import type { PolicySource } from '../autooff/policySource';
import type { BuildLogEntry } from '../builds/buildLog';
import type { Scheduler } from '../schedule/scheduler';
import type { BackendEvent } from '../workspaces/backendEvents';
import type { Engines } from '../workspaces/engines';
import type { EventBus } from '../workspaces/eventBus';
import type { PullAhead } from '../workspaces/pullAhead';
import type { WorkspaceSnapshot } from '../workspaces/workspaceRecords';
import type { WorkspaceService } from '../workspaces/workspaceService';

/**
 * The edge between the backend's domain and the wire: domain types in, the
 * contract's views out (as src/docker/types.ts does for dockerode). Nothing
 * inside the backend sees a wire type.
 */
export class WireViews {
  /**
   * Each workspace's view, built once and kept until its workspace is
   * announced changed or removed, the policy or Docker's reachability
   * changes, or a time in it comes (the deadline, a lease's end, the next
   * scheduled run): listing 1,000 workspaces builds only what changed.
   * Views are shared: nothing may change one.
   */
  private readonly cached = new Map<string, { view: WorkspaceView; until: number; policy: Policy; dockerReachable: boolean }>();

  constructor(
    private readonly service: WorkspaceService,
    private readonly autoOff: AutoOffManager,
    private readonly scheduler: Scheduler,
    private readonly policySource: PolicySource,
    private readonly engineSet: Engines,
    events?: EventBus<BackendEvent>,
    /** Progress of the pulls ahead under way (kept in memory only). */
    private readonly pullAhead?: PullAhead,
  ) {
    // Subscribed before the event feed, so an announced change is never sent from the old view.
    events?.subscribe((event) => {
      if (event.type === 'workspace-changed' || event.type === 'workspace-removed') this.cached.delete(event.name);
      // A view names its engine's reachability: an engine coming or going, or being removed, changes views of it.
      else if (event.type === 'docker' || event.type === 'engines-changed') this.cached.clear();
    });
  }

  workspace(name: string): WorkspaceView {
    const now = Date.now();
    const policy = this.policySource.policy;
    const dockerReachable = this.service.isDockerReachable;
    const hit = this.cached.get(name);
    if (hit && hit.until > now && hit.policy === policy && hit.dockerReachable === dockerReachable && this.service.has(name)) return hit.view;
    const view = this.fromSnapshot(this.service.snapshot(name));
    this.cached.set(name, { view, until: viewValidUntil(view, this.autoOff.leases(name), now), policy, dockerReachable });
    return view;
  }

  workspaces(): WorkspaceView[] {
    return this.service.names().map((name) => this.workspace(name));
  }

  /** Every engine, the local one first, with this backend's workspaces there. */
  engines(): EngineView[] {
    return this.engineSet.names().map((name) => this.engine(name));
  }

  engine(name: string): EngineView {
    const status = this.engineSet.status(name);
    const load = this.service.engineLoad(name);
    const info = status.info;
    return {
      name,
      source: status.source,
      ...(status.address ? { address: status.address } : {}),
      default: status.isDefault,
      reachable: status.reachable,
      ...(status.error !== undefined ? { error: status.error } : {}),
      ...(status.endpoint ? { endpoint: status.endpoint } : {}),
      ...(info
        ? { version: info.version, os: info.os, operatingSystem: info.operatingSystem, arch: info.arch, cpus: info.cpus, memoryBytes: info.memoryBytes }
        : {}),
      workspaces: load.workspaces,
      memoryCommittedBytes: load.committedBytes,
      ...(status.hostKey ? { hostKey: hostKeyView(status.hostKey) } : {}),
    };
  }

  policy(): PolicyView {
    const error = this.policySource.error;
    return { path: this.policySource.path, source: this.policySource.source, policy: policyDocument(this.policySource.policy), ...(error ? { error } : {}) };
  }

  /** The wire event for a backend event; undefined for one about a workspace that is gone by now. */
  event(event: BackendEvent): DaemonEvent | undefined {
    switch (event.type) {
      case 'workspace-changed':
        return this.service.has(event.name) ? { type: 'workspace', workspace: this.workspace(event.name) } : undefined;
      case 'build-log':
        return { ...event, entry: buildLogEntryView(event.entry) };
      case 'deadline-warning':
        return { ...event, deadline: new Date(event.deadline).toISOString() };
      default:
        return event;
    }
  }

  private fromSnapshot({ record, spec, state, engine, engineError }: WorkspaceSnapshot): WorkspaceView {
    const view: WorkspaceView = {
      name: record.name,
      state,
      engine,
      ...(engineError !== undefined && state === 'unknown' ? { engineError } : {}),
      image: spec?.image ?? (typeof record.spec.image === 'string' ? record.spec.image : ''),
      env: Object.keys(spec?.env ?? {}),
      homeVolume: homeVolumeName(record.name),
      createdAt: record.createdAt,
    };
    if (spec?.user) view.user = spec.user;
    if (spec?.cpus !== undefined) view.cpus = spec.cpus;
    if (spec?.memoryBytes !== undefined) view.memory = formatMemory(spec.memoryBytes);
    if (spec?.dotfiles) view.dotfiles = spec.dotfiles;
    if (record.lastBuild) view.lastBuild = { ...record.lastBuild };
    if (record.builtAt) view.builtAt = record.builtAt;
    if (record.containerId) view.containerId = record.containerId;
    if (record.image) {
      view.imageId = record.image.id;
      if (record.image.digest) view.imageDigest = record.image.digest;
    }
    // A check of another reference (the image was changed since) says nothing about this one.
    const check = record.updateCheck;
    if (check && check.reference === view.image && record.image?.digest) {
      const available = check.latestDigest !== undefined && check.latestDigest !== record.image.digest;
      view.update = {
        available,
        checkedAt: check.checkedAt,
        ...(check.latestDigest ? { latestDigest: check.latestDigest } : {}),
        ...(check.error ? { error: check.error } : {}),
      };
      // The pull ahead of this very update: under way (with its progress), ready, or why not.
      const ahead = record.pullAhead;
      if (available && ahead && ahead.reference === view.image && ahead.digest === check.latestDigest) {
        const message = ahead.status === 'pulling' ? (this.pullAhead?.progressOf(record.name) ?? ahead.message) : ahead.message;
        view.update.ready = ahead.status === 'ready';
        view.update.pullAhead = { status: ahead.status, ...(message ? { message } : {}) };
      }
    }
    if (record.notice) view.notice = record.notice;

    const autoOff = this.autoOff.status(record);
    const { effective } = autoOff;
    view.autoOff = {
      setting: autoOff.setting,
      threshold: effective.thresholdMs === 'off' ? 'off' : formatDuration(effective.thresholdMs),
      source: effective.source,
      locked: effective.locked,
      ...(effective.lockedReason ? { lockedReason: effective.lockedReason } : {}),
    };
    if (autoOff.deadline !== undefined) view.deadline = new Date(autoOff.deadline).toISOString();
    if (autoOff.leases > 0) {
      view.leases = autoOff.leases;
      view.busy = [...autoOff.busy]
        .sort((a, b) => a.since - b.since)
        .map((lease) => ({ holder: lease.holder, since: new Date(lease.since).toISOString(), inside: lease.pipe !== undefined }));
    }

    const { schedule, forcedRebuild } = this.scheduler.status(record);
    if (schedule) {
      const { nextRun, lastAutoStart, ...rest } = schedule;
      view.schedule = { ...rest, ...(nextRun ? { nextRun: nextRun.toISOString() } : {}), ...(lastAutoStart ? { lastAutoStart } : {}) };
    }
    if (forcedRebuild) view.forcedRebuild = forcedRebuild;
    return view;
  }
}

/** Even with nothing announced, a view is built afresh this often. */
const VIEW_MAX_AGE_MS = 10_000;

/** Until when a view holds: the first time in it that comes (after it, what it shows is no longer so). */
export function viewValidUntil(view: WorkspaceView, leases: readonly { expiresAt: number }[], now: number): number {
  const times = [now + VIEW_MAX_AGE_MS, ...leases.map((lease) => lease.expiresAt)];
  if (view.deadline) times.push(Date.parse(view.deadline));
  if (view.schedule?.nextRun) times.push(Date.parse(view.schedule.nextRun));
  if (view.forcedRebuild) times.push(Date.parse(view.forcedRebuild.at));
  return Math.min(...times);
}

export function buildLogEntryView(entry: BuildLogEntry): BuildLogEntryView {
  const { seq, time, kind, stream, step, text, exitCode, durationMs, status, note } = entry;
  return {
    seq,
    time,
    kind,
    text,
    ...(stream ? { stream } : {}),
    ...(step !== undefined ? { step } : {}),
    ...(exitCode !== undefined ? { exitCode } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(note !== undefined ? { note } : {}),
  };
}

export function localImageView(image: LocalImage): LocalImageView {
  return {
    reference: image.reference,
    id: image.id,
    createdAt: image.createdAt,
    sizeBytes: image.sizeBytes,
    fromRegistry: digestFor(image.reference, image.repoDigests) !== undefined,
  };
}

export function fileChangeView(change: SafetyEntry): FileChangeView {
  return { path: change.path, kind: change.kind, ...(change.sizeBytes !== undefined ? { sizeBytes: change.sizeBytes } : {}) };
}

/** The policy in the policy file's own words, as an administrator wrote it. */
export function policyDocument(policy: Policy): PolicyDocument {
  const { autoOff, forcedRebuild, pullAhead } = policy;
  const text = (ms: number | 'off'): string => (ms === 'off' ? 'off' : formatDuration(ms));
  return {
    autoOff: {
      default: text(autoOff.defaultMs),
      allowUserChange: autoOff.userMayChange,
      allowDisable: autoOff.userMayDisable,
      ...(autoOff.minMs !== undefined ? { min: text(autoOff.minMs) } : {}),
      ...(autoOff.maxMs !== undefined ? { max: text(autoOff.maxMs) } : {}),
      ...(autoOff.maxExtensionMs !== undefined ? { maxExtension: text(autoOff.maxExtensionMs) } : {}),
      ...(autoOff.maxLeaseMs !== undefined ? { maxLease: text(autoOff.maxLeaseMs) } : {}),
      warnBefore: autoOff.warnBeforeMs.map(text),
    },
    ...(forcedRebuild ? { forcedRebuild: { builtAfter: forcedRebuild.notBefore, reason: forcedRebuild.reason } } : {}),
    pullAhead: { enabled: pullAhead.enabled, minFreeDisk: formatMemory(pullAhead.minFreeDiskBytes) },
  };
}

/** An SSH host key as the API shows it: the fingerprint, never more than known_hosts would hold. */
export function hostKeyView(key: PresentedHostKey): HostKeyView {
  return {
    url: key.url,
    host: key.host,
    port: key.port,
    keyType: key.keyType,
    fingerprint: key.fingerprint,
    status: key.status,
    knownHostsFile: key.knownHostsFile,
  };
}
