import type { RebuildSafetyView } from '../api/views';
import { formatBytes } from '../core/memory';

/** Nothing outside home changed since the last build: a rebuild loses nothing, so nobody needs asking. */
export function losesNothing(view: RebuildSafetyView): boolean {
  return view.changes.length === 0 && view.more === 0;
}

/**
 * The safety list as the CLI and the extension's modal both show it: one line
 * per change, largest first (`changed  12.0 MB  /opt/tool/bin`), then "and N
 * more". The same lines in both, from the same answer.
 */
export function safetyLines(view: RebuildSafetyView): string[] {
  const lines = view.changes.map(
    (change) => `${change.kind.padEnd(7)} ${(change.sizeBytes !== undefined ? formatBytes(change.sizeBytes) : '').padStart(9)}  ${change.path}`,
  );
  if (view.more > 0) lines.push(`... and ${view.more} more`);
  return lines;
}

/** The modal's and the prompt's sentence above the lines. */
export function safetyHeading(view: RebuildSafetyView): string {
  return losesNothing(view)
    ? 'Nothing outside home changed since the last build, so nothing will be lost; home is kept as it is.'
    : 'These changes made outside home since the last build will be lost (home is kept):';
}
