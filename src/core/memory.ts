import { invalid } from './errors';

/** Docker refuses memory limits below 6 MiB. */
export const DOCKER_MIN_MEMORY_BYTES = 6 * 1024 * 1024;

const SIZE = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i;
const FACTOR: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Parses Docker-style sizes (`512m`, `2g`, `1.5GiB`, `1048576`) into bytes (binary units, as Docker does). */
export function parseSize(text: string, field: string): number {
  const match = SIZE.exec(text.trim());
  if (!match) throw invalid(field, `"${text}" is not a size; write it like 512m or 2g.`);
  return Math.floor(Number(match[1]) * FACTOR[match[2].toLowerCase()]);
}

/** A memory request: a size Docker accepts for a container. */
export function parseMemory(text: string, field = 'memory'): number {
  const bytes = parseSize(text, field);
  if (bytes < DOCKER_MIN_MEMORY_BYTES) {
    throw invalid(field, `${text} is below Docker's minimum of 6m; ask for at least 6m (512m or more is sensible).`);
  }
  return bytes;
}

export function formatMemory(bytes: number): string {
  for (const [unit, size] of [
    ['t', 1024 ** 4],
    ['g', 1024 ** 3],
    ['m', 1024 ** 2],
    ['k', 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)}m` : `${bytes}b`;
}

/** A size for people to read at a glance ("3.1 GB", "512 MB"), as engine ls and the tree show load. */
export function formatApproxMemory(bytes: number): string {
  const gb = bytes / 1024 ** 3;
  if (gb >= 1) return `${Number(gb.toFixed(1))} GB`;
  return `${Math.round(bytes / 1024 ** 2)} MB`;
}

/** Sizes as a list shows them: `512 B`, `3.4 KB`, `12.0 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
