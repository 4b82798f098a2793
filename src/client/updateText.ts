import type { UpdateView } from '../api/views';

/**
 * What the registry last said about a workspace's tag, and where its pull
 * ahead stands, in the words the CLI and the extension both use.
 */

/** One word: `ready` (pulled ahead, local), `pulling`, `available`, `-` (none) or `?` (the check failed). */
export function updateWord(update: UpdateView): string {
  if (update.error) return '?';
  if (!update.available) return '-';
  if (update.ready) return 'ready';
  return update.pullAhead?.status === 'pulling' ? 'pulling' : 'available';
}

/** A sentence: which digest, whether it is on the engine already, the pull's progress, or why it was not pulled ahead. */
export function updateSentence(update: UpdateView): string {
  if (update.error) return `unknown (checked ${update.checkedAt}: ${update.error})`;
  if (!update.available) return `none (checked ${update.checkedAt})`;
  const digest = update.latestDigest ?? '?';
  if (update.ready) return `ready: ${digest} is on the engine (pulled ahead); a rebuild takes it without downloading`;
  const ahead = update.pullAhead;
  const why = ahead?.message ? `; ${ahead.message}` : '';
  return `available: the tag now points at ${digest}; rebuild to take it${why} (checked ${update.checkedAt})`;
}
