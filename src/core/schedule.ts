import { invalid } from './errors';

/**
 * Auto-start schedules: a 5-field cron expression evaluated in an IANA time zone.
 * We compute run times ourselves because node-cron skips the spring-forward day
 * entirely; here a daily start runs exactly once on every local day, DST or not.
 * Pure: the current time is always passed in.
 */
export interface CronSchedule {
  expression: string;
  timeZone: string;
}

export interface ParsedCron {
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  months: number[];
  /** 0 = Sunday; a 7 in the expression is folded into 0. */
  daysOfWeek: number[];
  domRestricted: boolean;
  dowRestricted: boolean;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  namesHint?: string;
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, namesHint: 'a month name (JAN-DEC)' },
  { name: 'day-of-week', min: 0, max: 7, names: DAY_NAMES, namesHint: 'a day name (SUN-SAT)' },
];
const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const FIELD_FORMAT = 'give 5 fields: minute hour day-of-month month day-of-week, e.g. "0 9 * * 1-5"';

/** Parses one comma-separated cron field into its sorted, de-duplicated values. */
function parseField(text: string, spec: FieldSpec, fail: (why: string) => Error): number[] {
  const wrong = (why: string): Error => fail(`the ${spec.name} field: ${why}`);
  const value = (token: string): number => {
    const named = spec.names?.indexOf(token.toUpperCase()) ?? -1;
    if (named >= 0) return spec.name === 'month' ? named + 1 : named;
    if (!/^\d+$/.test(token)) {
      throw wrong(`${token || '(empty)'} is not a number${spec.namesHint ? ` or ${spec.namesHint}` : ''}`);
    }
    const n = Number(token);
    if (n < spec.min || n > spec.max) throw wrong(`${token} is out of range ${spec.min}-${spec.max}`);
    return n;
  };
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined) throw wrong(`${item} has more than one "/"`);
    let step = 1;
    if (stepText !== undefined) {
      step = Number(stepText);
      if (!/^\d+$/.test(stepText) || step < 1) throw wrong(`step "${stepText}" in ${item} must be a whole number of at least 1`);
    }
    let low: number;
    let high: number;
    if (range === '*') [low, high] = [spec.min, spec.max];
    else if (range.includes('-')) {
      const [from, to, more] = range.split('-');
      if (more !== undefined) throw wrong(`${range} is not a range like 1-5`);
      [low, high] = [value(from), value(to)];
      if (low > high) throw wrong(`the range ${range} goes backwards; write the smaller value first`);
    } else {
      low = value(range);
      high = stepText === undefined ? low : spec.max; // "5/15" means 5 to the end in steps of 15
    }
    for (let n = low; n <= high; n += step) values.add(spec.name === 'day-of-week' && n === 7 ? 0 : n);
  }
  return [...values].sort((a, b) => a - b);
}

/** Parses `minute hour day-of-month month day-of-week` (or an @macro). */
export function parseCron(expression: string, field = 'schedule'): ParsedCron {
  const trimmed = expression.trim();
  const fail = (why: string): Error => invalid(field, `${why} (in "${expression}")`);
  let text = trimmed;
  if (trimmed.startsWith('@')) {
    const macro = MACROS[trimmed.toLowerCase()];
    if (macro === undefined) throw fail(`unknown macro ${trimmed}; use one of ${Object.keys(MACROS).join(', ')} or ${FIELD_FORMAT}`);
    text = macro;
  }
  const parts = text.split(/\s+/).filter((part) => part !== '');
  if (parts.length !== 5) throw fail(`${FIELD_FORMAT}; got ${parts.length}`);
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = parts.map((part, i) => parseField(part, FIELDS[i], fail));
  // Vixie cron: a field starting with "*" (even "*/2") does not trigger the day-of-month OR day-of-week rule.
  return { minutes, hours, daysOfMonth, months, daysOfWeek, domRestricted: !parts[2].startsWith('*'), dowRestricted: !parts[4].startsWith('*') };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/**
 * Canonical spellings of the zones seen so far. Every next-run computation
 * checks its zone; a new Intl.DateTimeFormat each time made the backend with
 * 1,000 schedules allocate 1,000 ICU formatters a pass.
 */
const canonicalZones = new Map<string, string>();

/** Validates an IANA zone name and returns its canonical spelling ("utc" -> "UTC"). */
export function checkTimeZone(timeZone: string, field = 'timeZone'): string {
  try {
    if (typeof timeZone !== 'string' || timeZone.trim() === '') throw new RangeError('empty');
    let canonical = canonicalZones.get(timeZone);
    if (canonical === undefined) {
      canonical = formatter(timeZone).resolvedOptions().timeZone;
      canonicalZones.set(timeZone, canonical);
    }
    return canonical;
  } catch {
    throw invalid(field, `"${String(timeZone)}" is not an IANA time zone; use a name like "Europe/Berlin" or "America/New_York"`);
  }
}

export function hostTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** "09:00" -> "0 9 * * 1-5": a start on weekdays at a fixed local time. */
export function weekdaysAt(time: string, field = 'time'): string {
  const match = /^(\d{1,2}):(\d{2})$/.exec(time.trim());
  const [hour, minute] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!(hour <= 23 && minute <= 59)) throw invalid(field, `"${time}" is not a time; give HH:MM in 24-hour form, e.g. "09:00"`);
  return `${minute} ${hour} * * 1-5`;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const SEARCH_DAYS = 5 * 366;

/** The zone's wall clock at `instant`, encoded as if it were a UTC timestamp. */
function wallClock(timeZone: string, instant: number): number {
  const fields: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) fields[part.type] = Number(part.value);
  return Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second);
}

/** UTC offset (ms, east positive) in force at `instant`. */
function offsetAt(timeZone: string, instant: number): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return wallClock(timeZone, whole) - whole;
}

/**
 * The instant of local wall time `wall`, given the offsets in force before and
 * after its day. Twice-occurring (fall-back) times take the earlier instant;
 * missing (spring-forward) times use the pre-gap offset, landing just after the gap.
 */
function toInstant(timeZone: string, wall: number, before: number, after: number): number {
  if (before === after) return wall - before;
  const valid = [wall - before, wall - after].filter((at) => offsetAt(timeZone, at) === wall - at);
  return valid.length > 0 ? Math.min(...valid) : wall - before;
}

function dayMatches(cron: ParsedCron, month: number, dom: number, dow: number): boolean {
  if (!cron.months.includes(month)) return false;
  const domOk = cron.daysOfMonth.includes(dom);
  const dowOk = cron.daysOfWeek.includes(dow);
  return cron.domRestricted && cron.dowRestricted ? domOk || dowOk : domOk && dowOk;
}

/**
 * The first run strictly after `after`, or undefined if none within ~5 years.
 * Walks local calendar days in the zone from the local date of `after`. A day
 * matches when its month matches and its day does (both day-of-month and
 * day-of-week restricted: either one, the classic cron OR rule; else both,
 * where an unrestricted field matches anything). Each matching hour:minute
 * becomes an instant: the single one if it exists once; the earlier if it exists
 * twice (fall-back), so a daily start never runs twice; with the offset from
 * before the gap if it does not exist (spring-forward; 02:30 -> 03:30 EDT), so a
 * daily start is never skipped. The earliest such instant > after wins; being
 * strict, nextRun(s, previousRun) always moves on even when a gap folds two wall
 * times onto one instant.
 */
export function nextRun(schedule: CronSchedule, after: Date): Date | undefined {
  const from = after.getTime();
  if (!Number.isFinite(from)) throw invalid('after', 'is not a valid date');
  const key = JSON.stringify([schedule.expression, schedule.timeZone]);
  const known = lastRuns.get(key);
  // No run lies between the last search's start and its answer, so any start in there has the same answer.
  if (known && known.from <= from && from < known.run) return new Date(known.run);
  const run = searchNextRun(schedule, from);
  if (run !== undefined) {
    if (lastRuns.size >= MAX_REMEMBERED && !lastRuns.has(key)) lastRuns.delete(lastRuns.keys().next().value as string);
    lastRuns.set(key, { from, run });
  }
  return run === undefined ? undefined : new Date(run);
}

/**
 * The last answer per schedule text. Workspaces share schedules ("weekdays at
 * 09:00" in one zone), and the scheduler asks for each of them at every pass:
 * with 1,000 such workspaces, one search instead of 1,000, each a few dozen
 * ICU formatting calls. Memory and CPU of an idle backend, not correctness:
 * an answer is only reused for a start it is provably right for.
 */
const lastRuns = new Map<string, { from: number; run: number }>();
const MAX_REMEMBERED = 256;

function searchNextRun(schedule: CronSchedule, from: number): number | undefined {
  const cron = parseCron(schedule.expression);
  const zone = checkTimeZone(schedule.timeZone);
  const startWall = wallClock(zone, from);
  const firstDay = startWall - (((startWall % DAY_MS) + DAY_MS) % DAY_MS);
  for (let i = 0; i <= SEARCH_DAYS; i++) {
    const day = firstDay + i * DAY_MS;
    const date = new Date(day);
    if (!dayMatches(cron, date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCDay())) continue;
    // Probes at least 10h outside the local day on both sides, whatever the offset (-12h..+14h).
    const before = offsetAt(zone, day - DAY_MS);
    const afterDay = offsetAt(zone, day + 2 * DAY_MS);
    const [low, high] = [Math.min(before, afterDay), Math.max(before, afterDay)];
    let best: number | undefined;
    for (const hour of cron.hours) {
      for (const minute of cron.minutes) {
        const wall = day + hour * HOUR_MS + minute * MINUTE_MS;
        if (wall - low <= from) continue; // cannot be after `from` whatever the offset
        if (best !== undefined && wall - high >= best) break; // cannot beat `best`
        const at = toInstant(zone, wall, before, afterDay);
        if (at > from && (best === undefined || at < best)) best = at;
      }
    }
    if (best !== undefined) return best;
  }
  return undefined;
}

/** Up to `count` consecutive runs after `after` (fewer if the schedule stops). */
export function nextRuns(schedule: CronSchedule, after: Date, count: number): Date[] {
  const runs: Date[] = [];
  let last: Date | undefined = after;
  while (runs.length < count && (last = nextRun(schedule, last)) !== undefined) runs.push(last);
  return runs;
}

/** Short human text: "weekdays at 09:00 (Europe/Berlin)", "every day at 07:30 (UTC)", else the cron text. */
export function describeSchedule(schedule: CronSchedule): string {
  const zone = `(${schedule.timeZone})`;
  let cron: ParsedCron;
  try {
    cron = parseCron(schedule.expression);
  } catch {
    return `cron "${schedule.expression}" ${zone}`;
  }
  const everyDom = cron.daysOfMonth.length === 31 && cron.months.length === 12;
  const dow = cron.daysOfWeek.join(',');
  if (cron.hours.length === 1 && cron.minutes.length === 1 && everyDom) {
    const at = `${String(cron.hours[0]).padStart(2, '0')}:${String(cron.minutes[0]).padStart(2, '0')}`;
    if (dow === '0,1,2,3,4,5,6') return `every day at ${at} ${zone}`;
    if (dow === '1,2,3,4,5' && !cron.domRestricted) return `weekdays at ${at} ${zone}`;
  }
  return `cron "${schedule.expression.trim()}" ${zone}`;
}
