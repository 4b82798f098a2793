import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { checkTimeZone, describeSchedule, hostTimeZone, nextRun, nextRuns, parseCron, weekdaysAt, type CronSchedule } from '../../src/core/schedule';
import { assertInvalid } from '../support/refusals';

const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const at = (iso: string): Date => new Date(iso);
const isos = (dates: Date[]): string[] => dates.map((date) => date.toISOString());
const next = (expression: string, timeZone: string, after: string): string | undefined => nextRun({ expression, timeZone }, at(after))?.toISOString();
const runs = (expression: string, timeZone: string, after: string, count: number): string[] => isos(nextRuns({ expression, timeZone }, at(after), count));

/** The local calendar day ("2026-03-08") and wall time ("03:30") of an instant in a zone. */
function localDay(timeZone: string, date: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}
function localTime(timeZone: string, date: Date): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date);
}
function daysFrom(first: string, count: number): string[] {
  const start = Date.parse(`${first}T00:00:00Z`);
  return range(0, count - 1).map((i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

void describe('parseCron', () => {
  void it('reads wildcards, single values, lists, ranges and steps', () => {
    const cron = parseCron('*/15 1-5 1,15,31 * *');
    assert.deepEqual(cron.minutes, [0, 15, 30, 45]);
    assert.deepEqual(cron.hours, [1, 2, 3, 4, 5]);
    assert.deepEqual(cron.daysOfMonth, [1, 15, 31]);
    assert.deepEqual(cron.months, range(1, 12));
    assert.deepEqual(cron.daysOfWeek, [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(cron.domRestricted, true);
    assert.equal(cron.dowRestricted, false);
    assert.deepEqual(parseCron('1-30/5 0 * * *').minutes, [1, 6, 11, 16, 21, 26]);
    assert.deepEqual(parseCron('5/20 0 * * *').minutes, [5, 25, 45]);
    assert.deepEqual(parseCron('0 0 * */3 0-6/2').months, [1, 4, 7, 10]);
    assert.deepEqual(parseCron('0 0 * * 0-6/2').daysOfWeek, [0, 2, 4, 6]);
    assert.deepEqual(parseCron('30,0,30 12 * * *').minutes, [0, 30]);
    assert.deepEqual(parseCron('  0   9 * *  1-5 ').daysOfWeek, [1, 2, 3, 4, 5]);
  });

  void it('reads month and day names in any case, and 7 as Sunday', () => {
    const cron = parseCron('0 0 * jan-Mar,DEC mon-FRI');
    assert.deepEqual(cron.months, [1, 2, 3, 12]);
    assert.deepEqual(cron.daysOfWeek, [1, 2, 3, 4, 5]);
    assert.deepEqual(parseCron('0 0 * * sun').daysOfWeek, [0]);
    assert.deepEqual(parseCron('0 0 * * 7').daysOfWeek, [0]);
    assert.deepEqual(parseCron('0 0 * * 5-7').daysOfWeek, [0, 5, 6]);
    assert.deepEqual(parseCron('0 0 * * 0,7').daysOfWeek, [0]);
    assert.equal(parseCron('0 0 * * 7').dowRestricted, true);
  });

  void it('expands macros', () => {
    assert.deepEqual(parseCron('@daily'), parseCron('0 0 * * *'));
    assert.deepEqual(parseCron('@midnight'), parseCron('0 0 * * *'));
    assert.deepEqual(parseCron('@weekly'), parseCron('0 0 * * 0'));
    assert.deepEqual(parseCron('@monthly'), parseCron('0 0 1 * *'));
    assert.deepEqual(parseCron('@yearly'), parseCron('0 0 1 1 *'));
    assert.deepEqual(parseCron('@ANNUALLY'), parseCron('0 0 1 1 *'));
    assert.deepEqual(parseCron(' @hourly '), parseCron('0 * * * *'));
  });

  void it('treats a field starting with * as unrestricted, like Vixie cron', () => {
    assert.equal(parseCron('0 0 */2 * 1').domRestricted, false);
    assert.equal(parseCron('0 0 1 * */2').dowRestricted, false);
    assert.equal(parseCron('0 0 1-31 * 0-6').domRestricted, true);
  });

  void it('names the cron field and the reason for every bad value', () => {
    const cases: [string, ...string[]][] = [
      ['60 0 * * *', 'the minute field', '60 is out of range 0-59'],
      ['0 24 * * *', 'the hour field: 24 is out of range 0-23'],
      ['0 0 0 * *', 'the day-of-month field', '0 is out of range 1-31'],
      ['0 0 32 * *', 'the day-of-month field', '32 is out of range 1-31'],
      ['0 0 * 13 *', 'the month field', '13 is out of range 1-12'],
      ['0 0 * 0 *', 'the month field', '0 is out of range 1-12'],
      ['0 0 * * 8', 'the day-of-week field', '8 is out of range 0-7'],
      ['0 0 * FOO *', 'the month field', 'FOO is not a number', 'JAN-DEC'],
      ['0 0 * * XYZ', 'the day-of-week field', 'XYZ is not a number', 'SUN-SAT'],
      ['x 0 * * *', 'the minute field', 'x is not a number'],
      ['-1 0 * * *', 'the minute field'],
      ['1.5 0 * * *', 'the minute field', '1.5 is not a number'],
      ['*/0 0 * * *', 'the minute field', 'step "0"'],
      ['*/x 0 * * *', 'the minute field', 'step "x"'],
      ['*/5/2 0 * * *', 'the minute field', 'more than one "/"'],
      ['0 5-1 * * *', 'the hour field', 'range 5-1 goes backwards'],
      ['0 1-2-3 * * *', 'the hour field', '1-2-3 is not a range'],
      ['0 1,,2 * * *', 'the hour field', '(empty) is not a number'],
      ['0 0 * * SAT-SUN', 'the day-of-week field', 'goes backwards'],
    ];
    for (const [expression, ...fragments] of cases) assertInvalid(() => parseCron(expression), 'schedule', ...fragments, expression);
  });

  void it('explains the 5-field form for the wrong number of fields or an unknown macro', () => {
    const form = 'give 5 fields: minute hour day-of-month month day-of-week, e.g. "0 9 * * 1-5"';
    for (const expression of ['', '   ', '0 9 * *', '0 9 * * 1-5 2026', 'daily']) assertInvalid(() => parseCron(expression), 'schedule', form);
    assertInvalid(() => parseCron('@often'), 'schedule', 'unknown macro @often', '@daily', form);
  });

  void it('reports errors against the given field name', () => {
    assertInvalid(() => parseCron('0 24 * * *', 'autoStart.schedule'), 'autoStart.schedule', 'the hour field');
  });
});

void describe('checkTimeZone and hostTimeZone', () => {
  void it('returns the canonical name of a valid zone', () => {
    assert.equal(checkTimeZone('UTC'), 'UTC');
    assert.equal(checkTimeZone('utc'), 'UTC');
    assert.equal(checkTimeZone(BERLIN), BERLIN);
    assert.equal(checkTimeZone('europe/berlin'), BERLIN);
    assert.equal(checkTimeZone(NY), NY);
  });

  void it('rejects names that are not IANA zones', () => {
    for (const zone of ['Xyz', '', '  ', 'Mars/Olympus', '+05:00']) {
      assertInvalid(() => checkTimeZone(zone), 'timeZone', 'is not an IANA time zone', '"Europe/Berlin"', '"America/New_York"');
    }
    assertInvalid(() => checkTimeZone('Xyz', 'autoStart.timeZone'), 'autoStart.timeZone', 'Xyz');
  });

  void it('reports the host zone as a valid zone name', () => {
    const host = hostTimeZone();
    assert.equal(typeof host, 'string');
    assert.equal(checkTimeZone(host), host);
  });
});

void describe('weekdaysAt', () => {
  void it('turns HH:MM into a weekday cron expression', () => {
    assert.equal(weekdaysAt('09:00'), '0 9 * * 1-5');
    assert.equal(weekdaysAt('23:59'), '59 23 * * 1-5');
    assert.equal(weekdaysAt('0:05'), '5 0 * * 1-5');
    assert.equal(weekdaysAt(' 07:30 '), '30 7 * * 1-5');
    assert.deepEqual(parseCron(weekdaysAt('09:00')).daysOfWeek, [1, 2, 3, 4, 5]);
  });

  void it('rejects anything that is not a 24-hour HH:MM', () => {
    for (const time of ['24:00', '12:60', '9', 'nine', '', '12:5', '12:00:00', '-1:00', '9am']) {
      assertInvalid(() => weekdaysAt(time), 'time', 'HH:MM', '"09:00"');
    }
    assertInvalid(() => weekdaysAt('25:00', 'autoStart.time'), 'autoStart.time', '25:00');
  });
});

void describe('nextRun in UTC', () => {
  void it('runs every 15 minutes, strictly after the given instant', () => {
    assert.deepEqual(runs('*/15 * * * *', 'UTC', '2026-01-01T00:07:00Z', 4), [
      '2026-01-01T00:15:00.000Z',
      '2026-01-01T00:30:00.000Z',
      '2026-01-01T00:45:00.000Z',
      '2026-01-01T01:00:00.000Z',
    ]);
    assert.equal(next('*/15 * * * *', 'UTC', '2026-01-01T00:15:00Z'), '2026-01-01T00:30:00.000Z');
    assert.equal(next('*/15 * * * *', 'UTC', '2026-01-01T00:14:59.999Z'), '2026-01-01T00:15:00.000Z');
    assert.equal(next('*/15 * * * *', 'UTC', '2026-12-31T23:50:00Z'), '2027-01-01T00:00:00.000Z');
  });

  void it('skips the weekend for a weekday schedule', () => {
    // 2026-01-09 is a Friday.
    assert.equal(next('0 9 * * 1-5', 'UTC', '2026-01-09T08:59:00Z'), '2026-01-09T09:00:00.000Z');
    assert.equal(next('0 9 * * 1-5', 'UTC', '2026-01-09T09:00:00Z'), '2026-01-12T09:00:00.000Z');
    assert.equal(next('0 9 * * MON-FRI', 'UTC', '2026-01-10T12:00:00Z'), '2026-01-12T09:00:00.000Z');
  });

  void it('runs monthly and yearly', () => {
    assert.deepEqual(runs('@monthly', 'UTC', '2026-01-15T00:00:00Z', 3), ['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z']);
    assert.deepEqual(runs('0 0 31 * *', 'UTC', '2026-01-31T00:00:00Z', 3), [
      '2026-03-31T00:00:00.000Z',
      '2026-05-31T00:00:00.000Z',
      '2026-07-31T00:00:00.000Z',
    ]);
    assert.equal(next('@yearly', 'UTC', '2026-06-01T00:00:00Z'), '2027-01-01T00:00:00.000Z');
  });

  void it('runs on Feb 29 only in leap years', () => {
    assert.deepEqual(runs('0 12 29 2 *', 'UTC', '2026-01-01T00:00:00Z', 2), ['2028-02-29T12:00:00.000Z', '2032-02-29T12:00:00.000Z']);
  });

  void it('returns undefined for a schedule that never runs', () => {
    assert.equal(next('0 0 30 2 *', 'UTC', '2026-01-01T00:00:00Z'), undefined);
    assert.equal(next('0 0 31 4,6,9,11 *', 'UTC', '2026-01-01T00:00:00Z'), undefined);
    assert.deepEqual(runs('0 0 30 2 *', 'UTC', '2026-01-01T00:00:00Z', 3), []);
  });

  void it('runs when either day-of-month or day-of-week matches if both are restricted', () => {
    // January 2026: the 13th is a Tuesday; Fridays are the 2nd, 9th, 16th.
    assert.deepEqual(runs('0 0 13 * 5', 'UTC', '2026-01-01T00:00:00Z', 4), [
      '2026-01-02T00:00:00.000Z',
      '2026-01-09T00:00:00.000Z',
      '2026-01-13T00:00:00.000Z',
      '2026-01-16T00:00:00.000Z',
    ]);
    // Only one restricted: it alone decides.
    assert.deepEqual(runs('0 0 13 * *', 'UTC', '2026-01-01T00:00:00Z', 1), ['2026-01-13T00:00:00.000Z']);
    assert.deepEqual(runs('0 0 * * 5', 'UTC', '2026-01-01T00:00:00Z', 1), ['2026-01-02T00:00:00.000Z']);
    // "*/2" is unrestricted (Vixie): both must match, so odd days that are Mondays (5th, 19th).
    assert.deepEqual(runs('0 0 */2 * 1', 'UTC', '2026-01-01T00:00:00Z', 2), ['2026-01-05T00:00:00.000Z', '2026-01-19T00:00:00.000Z']);
  });

  void it('reports a bad expression or zone against its field', () => {
    assertInvalid(() => nextRun({ expression: '0 24 * * *', timeZone: 'UTC' }, new Date(0)), 'schedule', 'the hour field');
    assertInvalid(() => nextRun({ expression: '0 0 * * *', timeZone: 'Xyz' }, new Date(0)), 'timeZone', 'Xyz');
  });

  void it('answers the same whatever was asked before (the last answer per schedule is reused only where it holds)', () => {
    // Weekdays at 09:00 in Berlin; 2026-03-27 is a Friday, the 29th the start of summer time.
    const weekdays = (after: string): string | undefined => next('0 9 * * 1-5', BERLIN, after);
    assert.equal(weekdays('2026-03-26T09:00:00Z'), '2026-03-27T08:00:00.000Z');
    // Later starts up to the answer reuse it; at the answer itself the search moves on (strictly after), over the DST change.
    assert.equal(weekdays('2026-03-27T07:59:59Z'), '2026-03-27T08:00:00.000Z');
    assert.equal(weekdays('2026-03-27T08:00:00Z'), '2026-03-30T07:00:00.000Z');
    // An earlier start than the last search's is searched afresh, not given the later answer.
    assert.equal(weekdays('2026-03-26T07:00:00Z'), '2026-03-26T08:00:00.000Z');
    // The same text in another zone, or another text in this zone, is its own schedule.
    assert.equal(next('0 9 * * 1-5', 'UTC', '2026-03-26T07:00:00Z'), '2026-03-26T09:00:00.000Z');
    assert.equal(next('0 10 * * 1-5', BERLIN, '2026-03-26T07:00:00Z'), '2026-03-26T09:00:00.000Z');
    assert.equal(weekdays('2026-03-26T07:30:00Z'), '2026-03-26T08:00:00.000Z');
  });

  void it('evaluates wall times in the given zone', () => {
    assert.equal(next('0 9 * * *', BERLIN, '2026-01-15T12:00:00Z'), '2026-01-16T08:00:00.000Z');
    assert.equal(next('0 9 * * *', BERLIN, '2026-07-15T12:00:00Z'), '2026-07-16T07:00:00.000Z');
    assert.equal(next('0 9 * * *', 'Asia/Kolkata', '2026-07-15T12:00:00Z'), '2026-07-16T03:30:00.000Z');
    // The local date of `after` (already Jan 16 in Auckland) is where the search starts.
    assert.equal(next('0 23 * * *', 'Pacific/Auckland', '2026-01-15T12:00:00Z'), '2026-01-16T10:00:00.000Z');
  });
});

/** Schedules checked under several host TZ values; the first crosses the New York gap. */
const HOST_CASES: [string, string, string, number][] = [
  ['30 1-3 * * *', NY, '2026-03-08T06:00:00Z', 3],
  ['30 1 * * *', NY, '2026-10-31T00:00:00Z', 3],
  ['30 2 * * *', BERLIN, '2026-03-27T00:00:00Z', 4],
  ['0 9 * * 1-5', 'UTC', '2026-01-09T00:00:00Z', 3],
];

/** Asserts one run per local day for the 14 days starting `firstDay`, each at `usual` local time except on `shiftedDay`. */
function assertDailyAcross(schedule: CronSchedule, firstDay: string, usual: string, shiftedDay: string, shifted: string): Date[] {
  const dayBefore = new Date(Date.parse(`${firstDay}T00:00:00Z`) - 86_400_000);
  // Start on the local day before, after any run that day.
  const start = nextRun(schedule, dayBefore);
  assert.ok(start);
  const found = nextRuns(schedule, start, 14);
  assert.deepEqual(
    found.map((run) => localDay(schedule.timeZone, run)),
    daysFrom(firstDay, 14),
  );
  for (const run of found) {
    const day = localDay(schedule.timeZone, run);
    assert.equal(localTime(schedule.timeZone, run), day === shiftedDay ? shifted : usual, `local time on ${day}`);
  }
  for (let i = 1; i < found.length; i++) assert.ok(found[i] > found[i - 1]);
  return found;
}

void describe('nextRun across DST changes', () => {
  void it('New York spring forward: 02:30 runs once, at 03:30 EDT', () => {
    const daily = { expression: '30 2 * * *', timeZone: NY };
    assert.equal(nextRun(daily, at('2026-03-08T00:00:00Z'))?.toISOString(), '2026-03-08T07:30:00.000Z');
    assert.equal(nextRun(daily, at('2026-03-07T07:30:00Z'))?.toISOString(), '2026-03-08T07:30:00.000Z');
    assert.equal(nextRun(daily, at('2026-03-08T07:30:00Z'))?.toISOString(), '2026-03-09T06:30:00.000Z');
    const found = assertDailyAcross(daily, '2026-03-01', '02:30', '2026-03-08', '03:30');
    assert.ok(isos(found).includes('2026-03-08T07:30:00.000Z'));
  });

  void it('New York fall back: 01:30 runs once, at the first (EDT) occurrence', () => {
    const daily = { expression: '30 1 * * *', timeZone: NY };
    assert.equal(nextRun(daily, at('2026-11-01T00:00:00Z'))?.toISOString(), '2026-11-01T05:30:00.000Z');
    assert.equal(nextRun(daily, at('2026-11-01T05:30:00Z'))?.toISOString(), '2026-11-02T06:30:00.000Z');
    // Between the two 01:30s the day's run is already over.
    assert.equal(nextRun(daily, at('2026-11-01T06:00:00Z'))?.toISOString(), '2026-11-02T06:30:00.000Z');
    const found = assertDailyAcross(daily, '2026-10-25', '01:30', '', '');
    assert.ok(isos(found).includes('2026-11-01T05:30:00.000Z'));
  });

  void it('Berlin spring forward: 02:30 runs once, at 03:30 CEST', () => {
    const daily = { expression: '30 2 * * *', timeZone: BERLIN };
    assert.equal(nextRun(daily, at('2026-03-28T12:00:00Z'))?.toISOString(), '2026-03-29T01:30:00.000Z');
    assert.equal(nextRun(daily, at('2026-03-29T01:30:00Z'))?.toISOString(), '2026-03-30T00:30:00.000Z');
    assertDailyAcross(daily, '2026-03-22', '02:30', '2026-03-29', '03:30');
  });

  void it('Berlin fall back: 02:30 runs once, at the first (CEST) occurrence', () => {
    const daily = { expression: '30 2 * * *', timeZone: BERLIN };
    assert.equal(nextRun(daily, at('2026-10-24T12:00:00Z'))?.toISOString(), '2026-10-25T00:30:00.000Z');
    assert.equal(nextRun(daily, at('2026-10-25T00:30:00Z'))?.toISOString(), '2026-10-26T01:30:00.000Z');
    assertDailyAcross(daily, '2026-10-18', '02:30', '', '');
  });

  void it('weekday starts keep their local time across the change', () => {
    // Mon 2026-03-09 is the first weekday after the US change.
    assert.deepEqual(runs(weekdaysAt('09:00'), NY, '2026-03-06T15:00:00Z', 2), ['2026-03-09T13:00:00.000Z', '2026-03-10T13:00:00.000Z']);
  });

  void it('an hourly schedule across the fall-back night gives strictly increasing instants', () => {
    const found = runs('0 * * * *', NY, '2026-11-01T03:00:00Z', 5);
    // 00:00 EDT, 01:00 EDT (the EST 01:00 repeat is skipped), 02:00 EST, 03:00 EST, 04:00 EST.
    assert.deepEqual(found, [
      '2026-11-01T04:00:00.000Z',
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T07:00:00.000Z',
      '2026-11-01T08:00:00.000Z',
      '2026-11-01T09:00:00.000Z',
    ]);
    const berlin = runs('15 * * * *', BERLIN, '2026-10-24T20:00:00Z', 12);
    for (let i = 1; i < berlin.length; i++) assert.ok(berlin[i] > berlin[i - 1], `${berlin[i]} after ${berlin[i - 1]}`);
  });

  void it('never returns the same instant twice when the gap folds wall times together', () => {
    // 02:30 (missing) and 03:30 EDT are the same instant; it is returned once.
    assert.deepEqual(runs('30 * * * *', NY, '2026-03-08T05:00:00Z', 4), [
      '2026-03-08T05:30:00.000Z',
      '2026-03-08T06:30:00.000Z',
      '2026-03-08T07:30:00.000Z',
      '2026-03-08T08:30:00.000Z',
    ]);
    assert.deepEqual(runs('* * * * *', NY, '2026-03-08T06:58:00Z', 3), ['2026-03-08T06:59:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-08T07:01:00.000Z']);
    assert.deepEqual(runs('0,30 2,3 * * *', BERLIN, '2026-03-28T23:00:00Z', 3), [
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:00:00.000Z',
    ]);
  });

  void it('does not depend on the host time zone', () => {
    const script = `
      const s = require(${JSON.stringify(path.resolve(__dirname, '../../src/core/schedule.js'))});
      const out = [new Date(2026, 0, 1).getTimezoneOffset()];
      for (const [e, z, a, n] of ${JSON.stringify(HOST_CASES)}) out.push(s.nextRuns({ expression: e, timeZone: z }, new Date(a), n).map((d) => d.toISOString()));
      process.stdout.write(JSON.stringify(out));`;
    const expected = HOST_CASES.map(([expression, timeZone, after, count]) => runs(expression, timeZone, after, count));
    for (const TZ of ['Pacific/Chatham', 'America/Los_Angeles', 'Asia/Kolkata']) {
      const output = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, TZ }, encoding: 'utf8' });
      const [offset, ...results] = JSON.parse(output) as [number, ...string[][]];
      assert.notEqual(offset, 0, `TZ=${TZ} should change the child's local offset`);
      assert.deepEqual(results, expected, `under TZ=${TZ}`);
    }
    assert.deepEqual(expected[0], ['2026-03-08T06:30:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-09T05:30:00.000Z']);
  });
});

void describe('describeSchedule', () => {
  void it('says weekdays or every day for the simple forms, else shows the cron text', () => {
    assert.equal(describeSchedule({ expression: '0 9 * * 1-5', timeZone: BERLIN }), 'weekdays at 09:00 (Europe/Berlin)');
    assert.equal(describeSchedule({ expression: '0 9 * * MON-FRI', timeZone: BERLIN }), 'weekdays at 09:00 (Europe/Berlin)');
    assert.equal(describeSchedule({ expression: weekdaysAt('7:05'), timeZone: NY }), 'weekdays at 07:05 (America/New_York)');
    assert.equal(describeSchedule({ expression: '30 7 * * *', timeZone: 'UTC' }), 'every day at 07:30 (UTC)');
    assert.equal(describeSchedule({ expression: '@daily', timeZone: 'UTC' }), 'every day at 00:00 (UTC)');
    assert.equal(describeSchedule({ expression: '*/15 * * * *', timeZone: 'UTC' }), 'cron "*/15 * * * *" (UTC)');
    assert.equal(describeSchedule({ expression: '0 9 1 * 1-5', timeZone: 'UTC' }), 'cron "0 9 1 * 1-5" (UTC)');
    assert.equal(describeSchedule({ expression: 'nonsense', timeZone: 'UTC' }), 'cron "nonsense" (UTC)');
  });
});
