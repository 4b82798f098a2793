import { invalid } from './errors';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Parses `90m`, `2h`, `1h30m`, `45s`, `1d` into milliseconds. */
export function parseDuration(text: string, field = 'duration'): number {
  const trimmed = text.trim().toLowerCase();
  const match = DURATION.exec(trimmed);
  if (!trimmed || !match || match.slice(1).every((part) => part === undefined)) {
    throw invalid(field, `"${text}" is not a duration; write it like 90m, 2h, 1h30m or 45s.`);
  }
  const [, d, h, m, s] = match.map((part) => Number(part ?? 0));
  const ms = d * UNIT_MS.d + h * UNIT_MS.h + m * UNIT_MS.m + s * UNIT_MS.s;
  if (ms <= 0) throw invalid(field, `"${text}" is zero; give a duration longer than 0s.`);
  return ms;
}

/** The shortest exact form, the inverse of parseDuration: 5400000 -> `1h30m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return '0s';
  let rest = Math.round(ms / 1000) * 1000;
  let out = '';
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const count = Math.floor(rest / size);
    if (count > 0) out += `${count}${unit}`;
    rest -= count * size;
  }
  return out;
}

/**
 * "18:30" as the next such local time: today, or tomorrow when it has passed.
 * What `extend --until` and the extension's Extend mean by a time of day.
 */
export function nextLocalTime(text: string, now: Date = new Date(), field = 'until'): Date {
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (!match) throw invalid(field, `"${text}" is not a time of day; give a 24-hour time such as 18:30.`);
  const until = new Date(now);
  until.setHours(Number(match[1]), Number(match[2]), 0, 0);
  if (until.getTime() <= now.getTime()) until.setDate(until.getDate() + 1);
  return until;
}
