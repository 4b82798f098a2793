import { formatDuration } from '../../core/duration';
import { DrydockError, errorMessage } from '../../core/errors';
import type { Policy } from '../../core/policy';
import { checkTimeZone, describeSchedule, hostTimeZone, nextRun, parseCron, weekdaysAt, type CronSchedule } from '../../core/schedule';
import type { AutoOffManager } from '../autooff/autoOffManager';
import type { BackendEvent } from '../workspaces/backendEvents';
import type { EventBus } from '../workspaces/eventBus';
import type { WorkspaceRecord } from '../workspaces/records';
import type { WorkspaceService } from '../workspaces/workspaceService';

/** Never sleep longer than this: wall-clock schedules must notice a host that slept. */
const WATCHDOG_MS = 30_000;

export interface SchedulerDeps {
  service: WorkspaceService;
  events: EventBus<BackendEvent>;
  autoOff: AutoOffManager;
  policy: () => Policy;
  log: (message: string) => void;
  now?: () => number;
  catchUpMs?: number;
  retryDelaysMs?: number[];
}

/**
 * Auto-start and forced rebuilds: one timer for every workspace's next
 * scheduled start and the policy's required-rebuild time, no loop per
 * workspace. A start missed while the backend was down is caught up within
 * the catch-up window; a failed one is retried with backoff, then reported.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly catchUpMs: number;
  private readonly retryDelaysMs: number[];
  private readonly inFlight = new Set<string>();
  private readonly forcedWarned = new Set<string>();
  private readonly nextRuns = new Map<string, { key: string; next: Date | undefined; description: string }>();
  private lastTick: number;

  constructor(private readonly deps: SchedulerDeps) {
    this.now = deps.now ?? Date.now;
    this.catchUpMs = deps.catchUpMs ?? 60 * 60_000;
    this.retryDelaysMs = deps.retryDelaysMs ?? [60_000, 5 * 60_000, 15 * 60_000];
    this.lastTick = this.now();
  }

  /** Catch-up: a start whose time passed while the backend was down, within the window, happens now. */
  start(): void {
    const now = this.now();
    this.lastTick = now;
    for (const name of this.deps.service.names()) {
      const record = this.deps.service.record(name);
      if (!record.schedule) continue;
      const missed = this.lastRunBetween(record.schedule, now - this.catchUpMs, now);
      const handled = record.lastAutoStart ? Date.parse(record.lastAutoStart.scheduledFor) : 0;
      if (missed !== undefined && missed > handled) {
        this.deps.log(`${name}: the auto-start of ${new Date(missed).toISOString()} was missed while the backend was down; starting it now`);
        void this.fire(name, missed);
      }
    }
    this.reschedule();
  }

  async set(
    name: string,
    request: { cron?: string | undefined; weekdays?: string | undefined; timeZone?: string | undefined; off?: boolean | undefined },
  ): Promise<void> {
    let schedule: CronSchedule | undefined;
    if (!request.off) {
      if ((request.cron === undefined) === (request.weekdays === undefined))
        throw new DrydockError('invalid_input', 'schedule: give either cron (e.g. "0 9 * * 1-5") or weekdays (e.g. "09:00"), or off.', 'schedule');
      const expression = request.cron ?? weekdaysAt(request.weekdays ?? '', 'weekdays');
      parseCron(expression, 'cron');
      schedule = { expression, timeZone: checkTimeZone(request.timeZone ?? hostTimeZone(), 'timeZone') };
      if (nextRun(schedule, new Date(this.now())) === undefined)
        throw new DrydockError('invalid_input', `cron: "${expression}" never runs; check the day and month fields.`, 'cron');
    }
    await this.deps.service.patch(name, (record) => {
      if (schedule) record.schedule = schedule;
      else delete record.schedule;
    });
    this.reschedule();
  }

  policyChanged(): void {
    this.forcedWarned.clear();
    this.reschedule();
  }

  close(): void {
    clearTimeout(this.timer);
  }

  private tick(): void {
    this.timer = undefined;
    const now = this.now();
    const since = this.lastTick;
    this.lastTick = now;
    for (const name of this.deps.service.names()) {
      const record = this.deps.service.record(name);
      if (record.schedule) {
        // Runs due since the last tick; if several passed (a long sleep) only the latest counts.
        const run = this.lastRunBetween(record.schedule, Math.max(since, now - this.catchUpMs), now);
        if (run !== undefined) void this.fire(name, run);
      }
      this.forcedRebuild(record, now);
    }
    this.reschedule();
  }

  private async fire(name: string, scheduledFor: number, attempt = 0): Promise<void> {
    if (this.inFlight.has(name) && attempt === 0) return;
    this.inFlight.add(name);
    const record = (): Readonly<WorkspaceRecord> => this.deps.service.record(name);
    const done = async (status: 'started' | 'already-running' | 'failed', message?: string): Promise<void> => {
      this.inFlight.delete(name);
      await this.deps.service
        .patch(name, (stored) => {
          stored.lastAutoStart = {
            scheduledFor: new Date(scheduledFor).toISOString(),
            at: new Date(this.now()).toISOString(),
            status,
            ...(message ? { message } : {}),
          };
        })
        .catch(() => undefined);
    };
    try {
      if (record().state === 'running') {
        // Already running: the working day starts now, so its inactivity clock does too.
        this.deps.autoOff.activity(name);
        return await done('already-running');
      }
      const build = await this.deps.service.rebuild(name, {}).finished;
      if (build.status !== 'running') throw new Error(build.message ?? `build ${build.status}`);
      this.deps.events.emit({ type: 'auto-start', workspace: name, status: 'started', message: `${name} was started by its schedule.` });
      await done('started');
    } catch (error) {
      const delay = this.retryDelaysMs[attempt];
      if (delay === undefined || (error instanceof DrydockError && error.code === 'not_found')) {
        const message = `the scheduled start of ${name} failed after ${attempt + 1} attempt(s): ${errorMessage(error)}`;
        this.deps.log(message);
        this.deps.events.emit({ type: 'auto-start', workspace: name, status: 'failed', message });
        return done('failed', errorMessage(error));
      }
      this.deps.log(`the scheduled start of ${name} failed (${errorMessage(error)}); retrying in ${formatDuration(delay)}`);
      this.deps.events.emit({
        type: 'auto-start',
        workspace: name,
        status: 'retrying',
        message: `${name} did not start (${errorMessage(error)}); retrying in ${formatDuration(delay)}.`,
      });
      setTimeout(() => void this.fire(name, scheduledFor, attempt + 1), delay).unref();
    }
  }

  /** Policy: workspaces built before its time are warned like an auto-off, then rebuilt at that time. */
  private forcedRebuild(record: Readonly<WorkspaceRecord>, now: number): void {
    const forced = this.deps.policy().forcedRebuild;
    if (!forced || record.state !== 'running' || !record.builtAt || this.inFlight.has(record.name)) return;
    const at = Date.parse(forced.notBefore);
    if (Date.parse(record.builtAt) >= at) return;
    if (now >= at) {
      this.deps.log(`${record.name} was built before ${forced.notBefore}, which the policy requires (${forced.reason}); rebuilding it`);
      void this.rebuildForced(record.name);
      return;
    }
    for (const offset of this.deps.policy().autoOff.warnBeforeMs) {
      const key = `${record.name}|${forced.notBefore}|${offset}`;
      if (now >= at - offset && !this.forcedWarned.has(key)) {
        this.forcedWarned.add(key);
        this.deps.events.emit({
          type: 'deadline-warning',
          workspace: record.name,
          deadline: at,
          inMs: at - now,
          reason: 'forced-rebuild',
          message: `${record.name} will be rebuilt in ${formatDuration(Math.max(at - now, 1000))}: ${forced.reason}. Rebuild it yourself before then to choose the moment.`,
        });
        break;
      }
    }
  }

  private async rebuildForced(name: string): Promise<void> {
    this.inFlight.add(name);
    try {
      await this.deps.service.rebuild(name, {}).finished;
    } catch (error) {
      this.deps.log(`forced rebuild of ${name}: ${errorMessage(error)}`);
    } finally {
      this.inFlight.delete(name);
    }
  }

  private reschedule(): void {
    clearTimeout(this.timer);
    const now = this.now();
    let next = Infinity;
    const policy = this.deps.policy();
    for (const name of this.deps.service.names()) {
      const record = this.deps.service.record(name);
      if (record.schedule) next = Math.min(next, this.nextRunOf(name, record.schedule).next?.getTime() ?? Infinity);
      if (
        policy.forcedRebuild &&
        record.state === 'running' &&
        !this.inFlight.has(name) &&
        record.builtAt &&
        Date.parse(record.builtAt) < Date.parse(policy.forcedRebuild.notBefore)
      ) {
        const at = Date.parse(policy.forcedRebuild.notBefore);
        for (const offset of [...policy.autoOff.warnBeforeMs, 0]) if (at - offset > now) next = Math.min(next, at - offset);
        if (at <= now) next = now;
      }
    }
    if (next === Infinity) return;
    this.timer = setTimeout(() => this.tick(), Math.max(0, Math.min(next - now, WATCHDOG_MS)));
  }

  private lastRunBetween(schedule: CronSchedule, from: number, to: number): number | undefined {
    let last: number | undefined;
    for (let run = nextRun(schedule, new Date(from)); run && run.getTime() <= to; run = nextRun(schedule, run)) last = run.getTime();
    return last;
  }

  /** The next run per workspace, recomputed only when it has passed or the schedule changed. */
  private nextRunOf(name: string, schedule: CronSchedule): { next: Date | undefined; description: string } {
    const key = `${schedule.expression}|${schedule.timeZone}`;
    const cached = this.nextRuns.get(name);
    const now = this.now();
    if (cached && cached.key === key && (cached.next === undefined || cached.next.getTime() > now)) return cached;
    const fresh = { key, next: nextRun(schedule, new Date(now)), description: describeSchedule(schedule) };
    this.nextRuns.set(name, fresh);
    return fresh;
  }

  /** The schedule of a workspace with its next run, and a rebuild the policy requires of it. */
  status(record: Readonly<WorkspaceRecord>): ScheduleStatus {
    const status: ScheduleStatus = {};
    if (record.schedule) {
      const { next, description } = this.nextRunOf(record.name, record.schedule);
      status.schedule = {
        ...record.schedule,
        description,
        ...(next ? { nextRun: next } : {}),
        ...(record.lastAutoStart ? { lastAutoStart: record.lastAutoStart } : {}),
      };
    }
    const forced = this.deps.policy().forcedRebuild;
    if (forced && record.builtAt && Date.parse(record.builtAt) < Date.parse(forced.notBefore) && record.state === 'running') {
      status.forcedRebuild = { at: forced.notBefore, reason: forced.reason };
    }
    return status;
  }
}

export interface ScheduleStatus {
  schedule?: CronSchedule & { description: string; nextRun?: Date; lastAutoStart?: WorkspaceRecord['lastAutoStart'] };
  forcedRebuild?: { at: string; reason: string };
}
