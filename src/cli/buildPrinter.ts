import type { BuildLogEntryView } from '../api/views';
import { formatEntry } from '../client/buildLogFormat';
import type { CommandContext } from './context';

/** Clears the terminal line the cursor is on. */
const CLEAR_LINE = '\r\x1b[2K';

/**
 * Prints a build's log entries as they come. A `progress` entry (a pull's
 * bytes) is a live line on a terminal, rewritten in place and cleared before
 * the next line; elsewhere (a pipe, a file, CI) it is left out, since the log's
 * own lines say the same in a form that reads well as plain text.
 */
export function buildPrinter(context: CommandContext): (entry: BuildLogEntryView) => void {
  let live = false;
  return (entry) => {
    if (entry.kind === 'progress') {
      if (!context.isTty) return;
      context.write(`${CLEAR_LINE}${entry.text.slice(0, Math.max(20, (process.stdout.columns || 80) - 1))}`);
      live = true;
      return;
    }
    if (live) context.write(CLEAR_LINE);
    live = false;
    context.out(formatEntry(entry));
  };
}
