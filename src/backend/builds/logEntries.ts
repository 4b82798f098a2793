/**
 * One build log entry, and how it reads as a line of the log file. Hook
 * output is untrusted text: it is made printable before it is kept anywhere.
 */
import type { OutputStream, StepStatus } from '../lifecycle/buildReporter';

export type BuildLogEntry = {
  seq: number;
  time: string;
  kind: 'step-start' | 'output' | 'info' | 'warn' | 'progress' | 'step-end' | 'result' | 'truncated';
  stream?: OutputStream;
  step?: string;
  text: string;
  exitCode?: number;
  durationMs?: number;
  status?: StepStatus | 'running' | 'failed' | 'interrupted';
  /** step-end only: why it was skipped, failed or warned (also appended to text). */
  note?: string;
};

// Control characters (except tab) and Unicode line separators would break "one entry = one line".
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]/g;
const escapeChar = (c: string) => {
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};
/** Invalid UTF-8 becomes U+FFFD (toString does that); control characters become visible escapes. */
export const sanitize = (text: string) => text.replace(UNPRINTABLE, escapeChar);
export const truncatedMarker = (bytes: number) => ` … [line truncated: ${bytes} bytes]`;
const formatMs = (ms: number) =>
  ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;

export function formatLine(entry: BuildLogEntry): string {
  switch (entry.kind) {
    case 'step-start':
      return `${entry.time} ==> [step] ${entry.text}`;
    case 'output':
      return `${entry.time} ${entry.stream ?? 'stdout'}| ${entry.text}`;
    case 'step-end': {
      const facts = [
        ...(entry.exitCode === undefined ? [] : [`exit ${entry.exitCode}`]),
        ...(entry.durationMs === undefined ? [] : [formatMs(entry.durationMs)]),
      ];
      const note = entry.note === undefined ? '' : `: ${entry.note}`;
      return `${entry.time} <== [${entry.status}] ${sanitize(entry.step ?? '')}${facts.length ? ` (${facts.join(', ')})` : ''}${note}`;
    }
    case 'result':
      return `${entry.time} === build ${entry.status}${entry.text ? `: ${entry.text}` : ''}`;
    default:
      return `${entry.time} ${entry.kind}| ${entry.text}`;
  }
}
