/**
 * How a lease reads in `drydock status` and the extension's tree: what holds
 * the workspace busy and for how long, as people say it.
 */
export function busyText(holder: string, since: number, now: number): string {
  return `busy: ${holder}, ${heldFor(now - since)}`;
}

/** `40 s`, `12 min`, `2 h 05 min`. */
export function heldFor(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}
