import type { BuildLogEntryView } from '../api/views';

/** One build log entry as a terminal or an output channel shows it. */
export function formatEntry(entry: BuildLogEntryView): string {
  switch (entry.kind) {
    case 'step-start':
      return `==> ${entry.text}`;
    case 'step-end': {
      const details = [
        entry.exitCode !== undefined ? `exit ${entry.exitCode}` : '',
        entry.durationMs !== undefined ? `${(entry.durationMs / 1000).toFixed(1)}s` : '',
      ]
        .filter(Boolean)
        .join(', ');
      return `<== [${entry.status ?? 'ok'}] ${entry.step ?? entry.text}${details ? ` (${details})` : ''}${entry.note ? `: ${entry.note}` : ''}`;
    }
    case 'output':
      return `    ${entry.text}`;
    case 'warn':
      return `warning: ${entry.text}`;
    case 'result':
      return `=== build ${entry.status ?? ''}${entry.text ? `: ${entry.text}` : ''}`;
    default:
      return entry.text;
  }
}
