import { randomBytes } from 'node:crypto';
import {
  extend,
  effectiveDeadline,
  due,
  detectClockJump,
  holdLease,
  nextWakeUp,
  recordActivity,
  releaseLease,
  type ActivityState,
  type Lease,
} from '../../core/autoOff';
import { formatDuration } from '../../core/duration';
import { DrydockError, errorMessage } from '../../core/errors';
import {
  checkAutoOffChange,
  checkExtension,
  parseAutoOffSetting,
  resolveAutoOff,
  type AutoOffSetting,
  type EffectiveAutoOff,
  type Policy,
} from '../../core/policy';
import type { BackendEvent } from '../workspaces/backendEvents';
import type { EventBus } from '../workspaces/eventBus';
import type { WorkspaceRecord } from '../workspaces/records';
import type { WorkspaceService } from '../workspaces/workspaceService';
import { ActivityAnnouncer } from './activityAnnouncer';
import { restoredClock, savedClock } from './savedClock';

/** Timers are never set further out than this, so a host that slept is noticed within it of waking. */
const WATCHDOG_MS = 10_000;

export interface AutoOffDeps {
  service: WorkspaceService;
  events: EventBus<BackendEvent>;
  policy: () => Policy;
  log: (message: string) => void;
  now?: () => number;
}

/**
 * Auto-off in the backend, so it works with no VS Code window open: one
 * activity clock per running workspace (core/autoOff), one timer for all of
 * them, warnings before the deadline and a stop at it.
 */
export class AutoOffManager {
  private readonly clocks = new Map<string, { state: ActivityState; buildId: string }>();
  private timer: NodeJS.Timeout | undefined;
  private expectedAt = 0;
  /** Heartbeats saved and announced at most once a second per workspace after the first. */
  private readonly announcer = new ActivityAnnouncer((name) => void this.persist(name, 'soon'));
  private readonly now: () => number;

  constructor(private readonly deps: AutoOffDeps) {
    this.now = deps.now ?? Date.now;
    deps.events.subscribe((event) => {
      if (event.type === 'workspace-changed') this.sync(event.name);
      if (event.type === 'workspace-removed') this.forget(event.name);
    });
  }

  /** Starts, restores or drops the clock to match the workspace's state. */
  sync(name: string): void {
    let record: Readonly<WorkspaceRecord>;
    try {
      record = this.deps.service.record(name);
    } catch {
      return this.forget(name);
    }
    if (record.state !== 'running') return this.forget(name);
    const buildId = record.lastBuild?.buildId ?? '';
    if (this.clocks.get(name)?.buildId === buildId) return;
    const restored = restoredClock(record, this.now(), this.threshold(record));
    this.clocks.set(name, { state: restored, buildId });
    void this.persist(name, 'durable');
    this.reschedule();
  }

  /**
   * The clock moves at once; saves and events are throttled (ActivityAnnouncer).
   * Activity only moves wake-ups later, so a pending timer is early enough,
   * and its tick reschedules.
   */
  activity(name: string): string | undefined {
    const clock = this.requireClock(name);
    clock.state = recordActivity(clock.state, this.now(), this.threshold(this.deps.service.record(name)));
    this.announcer.activity(name);
    if (this.timer === undefined) this.reschedule();
    return this.deadlineOf(name);
  }

  extendBy(name: string, options: { durationMs?: number; until?: number }): string | undefined {
    const clock = this.requireClock(name);
    const now = this.now();
    const until = options.until ?? now + (options.durationMs ?? 0);
    if (until <= now) throw new DrydockError('invalid_input', 'until: that time has passed; give a time in the future.', 'until');
    checkExtension(this.deps.policy(), until - now);
    clock.state = extend(clock.state, now, until, this.threshold(this.deps.service.record(name)));
    return this.commit(name);
  }

  async setAutoOff(name: string, text: string): Promise<void> {
    const setting = parseAutoOffSetting(text);
    checkAutoOffChange(this.deps.policy(), setting);
    // The new threshold counts from now: changing it is activity too.
    const clock = this.clocks.get(name);
    await this.deps.service.patch(name, (record) => {
      record.autoOff = typeof setting === 'number' ? formatDuration(setting) : setting;
      if (clock) {
        clock.state = recordActivity(clock.state, this.now(), this.threshold(record));
        record.activity = savedClock(clock.state, this.now());
      }
    });
    this.reschedule();
  }

  /** A busy lease; `pipe` marks one held from inside the workspace (kept across a backend restart). */
  hold(name: string, holder: string, ttlMs: number, pipe?: string): { leaseId: string; expiresAt: string; ttlMs: number } {
    const clock = this.requireClock(name);
    const cap = this.deps.policy().autoOff.maxLeaseMs;
    const ttl = cap !== undefined ? Math.min(ttlMs, cap) : ttlMs;
    const leaseId = randomBytes(8).toString('hex');
    clock.state = holdLease(clock.state, this.now(), { id: leaseId, holder, ttlMs: ttl, ...(pipe ? { pipe } : {}) });
    this.commit(name);
    return { leaseId, expiresAt: new Date(this.now() + ttl).toISOString(), ttlMs: ttl };
  }

  /** The live leases of a running workspace (none when it has no clock). */
  leases(name: string): readonly Lease[] {
    const clock = this.clocks.get(name);
    const now = this.now();
    return clock ? clock.state.leases.filter((lease) => lease.expiresAt > now) : [];
  }

  renew(name: string, leaseId: string, ttlMs: number): { expiresAt: string } {
    const clock = this.requireClock(name);
    const lease = clock.state.leases.find((candidate) => candidate.id === leaseId && candidate.expiresAt > this.now());
    if (!lease) throw new DrydockError('not_found', `lease ${leaseId} expired or was never held; take a new one.`, 'leaseId');
    const cap = this.deps.policy().autoOff.maxLeaseMs;
    const ttl = cap !== undefined ? Math.min(ttlMs, cap) : ttlMs;
    clock.state = holdLease(clock.state, this.now(), { id: leaseId, holder: lease.holder, ttlMs: ttl });
    this.commit(name);
    return { expiresAt: new Date(this.now() + ttl).toISOString() };
  }

  release(name: string, leaseId: string): void {
    const clock = this.clocks.get(name);
    if (!clock) return;
    clock.state = releaseLease(clock.state, this.now(), leaseId, this.threshold(this.deps.service.record(name)));
    this.commit(name);
  }

  /** A new policy may change thresholds: clocks keep their last activity and get the new threshold. */
  policyChanged(): void {
    for (const [name, clock] of this.clocks) {
      clock.state = recordActivity({ ...clock.state }, clock.state.lastActivityAt, this.threshold(this.deps.service.record(name)));
      void this.persist(name, 'soon');
    }
    this.reschedule();
  }

  close(): void {
    clearTimeout(this.timer);
    // Activity not yet carried into the records goes in now, before the last write.
    this.announcer.flush();
  }

  private tick(): void {
    this.timer = undefined;
    const now = this.now();
    if (this.expectedAt > 0 && detectClockJump(this.expectedAt, now) === 'forward') {
      this.deps.log(`the clock jumped ${formatDuration(now - this.expectedAt)} (the host slept?); stopping workspaces that are overdue`);
    }
    const warnBefore = this.deps.policy().autoOff.warnBeforeMs;
    for (const [name, clock] of this.clocks) {
      const result = due(clock.state, now, warnBefore);
      clock.state = result.state;
      for (const effect of result.effects) {
        if (effect.kind === 'warn') {
          this.deps.events.emit({
            type: 'deadline-warning',
            workspace: name,
            deadline: effect.deadline,
            inMs: effect.deadline - now,
            reason: 'auto-off',
            message: `${name} stops in ${formatDuration(Math.max(effect.deadline - now, 1000))} for inactivity; keep working or extend it.`,
          });
        } else {
          void this.autoStop(name, effect.overdueMs);
        }
      }
    }
    this.reschedule();
  }

  private async autoStop(name: string, overdueMs: number): Promise<void> {
    this.clocks.delete(name);
    const threshold = this.threshold(this.deps.service.record(name));
    const message = `${name} was stopped after ${threshold === 'off' ? '?' : formatDuration(threshold)} without activity${overdueMs > WATCHDOG_MS ? ` (${formatDuration(overdueMs)} late: the host was asleep)` : ''}; its home is kept. Rebuild it to continue.`;
    this.deps.log(message);
    try {
      await this.deps.service.stop(name);
      this.deps.events.emit({ type: 'auto-stopped', workspace: name, message });
    } catch (error) {
      this.deps.log(`auto-off could not stop ${name}: ${errorMessage(error)}; trying again shortly`);
      this.sync(name);
    }
  }

  private reschedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.now();
    const warnBefore = this.deps.policy().autoOff.warnBeforeMs;
    let next = Infinity;
    for (const { state } of this.clocks.values()) next = Math.min(next, nextWakeUp(state, now, warnBefore) ?? Infinity);
    if (next === Infinity) return;
    const delay = Math.max(0, Math.min(next - now, WATCHDOG_MS));
    this.expectedAt = now + delay;
    this.timer = setTimeout(() => this.tick(), delay);
  }

  /** A clock changed: one workspace event, and a write merged with others (heartbeats come in bursts). */
  private commit(name: string): string | undefined {
    void this.persist(name, 'soon');
    this.reschedule();
    return this.deadlineOf(name);
  }

  private async persist(name: string, persistence: 'soon' | 'durable'): Promise<void> {
    const clock = this.clocks.get(name);
    if (!clock) return;
    await this.deps.service.patch(name, (record) => (record.activity = savedClock(clock.state, this.now())), persistence).catch(() => undefined);
  }

  private forget(name: string): void {
    if (this.clocks.delete(name)) this.reschedule();
  }

  private requireClock(name: string): { state: ActivityState; buildId: string } {
    const clock = this.clocks.get(name);
    if (clock) return clock;
    // An unknown name is not_found (naming it), not "not running".
    this.deps.service.record(name);
    throw new DrydockError('conflict', `workspace ${name} is not running, so it has no inactivity deadline; rebuild it first.`);
  }

  private threshold(record: Readonly<WorkspaceRecord>): number | 'off' {
    return resolveAutoOff(this.deps.policy(), this.setting(record)).thresholdMs;
  }

  private setting(record: Readonly<WorkspaceRecord>): AutoOffSetting {
    try {
      return parseAutoOffSetting(record.autoOff ?? 'inherit');
    } catch {
      return 'inherit';
    }
  }

  private deadlineOf(name: string): string | undefined {
    const deadline = this.deadlineMs(name);
    return deadline !== undefined ? new Date(deadline).toISOString() : undefined;
  }

  private deadlineMs(name: string): number | undefined {
    const clock = this.clocks.get(name);
    return clock ? effectiveDeadline(clock.state, this.now()) : undefined;
  }

  /** What auto-off means for this workspace now: its setting, what is in force and why, the deadline and the leases held. */
  status(record: Readonly<WorkspaceRecord>): AutoOffStatus {
    const effective = resolveAutoOff(this.deps.policy(), this.setting(record));
    const deadline = this.deadlineMs(record.name);
    const leases = this.leases(record.name);
    return { setting: record.autoOff ?? 'inherit', effective, ...(deadline !== undefined ? { deadline } : {}), leases: leases.length, busy: leases };
  }
}

export interface AutoOffStatus {
  /** The workspace's own setting, as stored: 'inherit', 'off' or a duration. */
  setting: string;
  effective: EffectiveAutoOff;
  /** When auto-off stops it (epoch ms), while running with auto-off on. */
  deadline?: number;
  leases: number;
  /** The live leases: who holds the workspace busy, and since when. */
  busy: readonly Lease[];
}
