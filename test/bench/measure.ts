/** Small timing helpers for `npm run bench`: medians of alternating runs, printed as a table. */
export interface Sample {
  label: string;
  runsMs: number[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export async function time(run: () => unknown): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Runs each contender in turn, `rounds` times, after one warm-up each, so drift hits both alike. */
export async function sideBySide(rounds: number, contenders: { label: string; run: () => unknown }[]): Promise<Sample[]> {
  for (const contender of contenders) await contender.run();
  const samples = contenders.map((contender) => ({ label: contender.label, runsMs: [] as number[] }));
  for (let round = 0; round < rounds; round++) {
    for (const [index, contender] of contenders.entries()) samples[index].runsMs.push(await time(contender.run));
  }
  return samples;
}

export function report(title: string, samples: Sample[], target?: { max: number; goal?: number }): { ratio: number } {
  console.log(`\n## ${title}`);
  for (const sample of samples) {
    console.log(
      `  ${sample.label.padEnd(44)} median ${median(sample.runsMs).toFixed(1).padStart(8)} ms   runs: ${sample.runsMs.map((ms) => ms.toFixed(0)).join(' ')}`,
    );
  }
  const ratio = median(samples[0].runsMs) / median(samples[1].runsMs);
  const verdict = !target
    ? ''
    : target.goal !== undefined && ratio <= target.goal
      ? 'meets the goal'
      : ratio <= target.max
        ? 'meets the target'
        : 'MISSES the target';
  console.log(
    `  ratio ${samples[0].label} / ${samples[1].label}: ${ratio.toFixed(2)}${target ? ` (target <= ${target.max}${target.goal ? `, goal ${target.goal}` : ''}: ${verdict})` : ''}`,
  );
  return { ratio };
}

/** One line of the summary table: Drydock's figure, the peer's, and the target for their ratio (or for the figure alone). */
export interface SummaryRow {
  what: string;
  drydock: string;
  peer: string;
  ratio?: number;
  /** e.g. "<= 1.15x" or "<= 55 MB". */
  target: string;
  met?: boolean;
}

const summary: SummaryRow[] = [];

export function addSummary(row: SummaryRow): void {
  summary.push(row);
}

/** A side-by-side result as a summary row: samples[0] is Drydock, samples[1] the peer. */
export function summarize(what: string, samples: Sample[], target?: { max: number; goal?: number }): void {
  const ours = median(samples[0].runsMs);
  const theirs = median(samples[1].runsMs);
  const ratio = ours / theirs;
  addSummary({
    what,
    drydock: `${samples[0].label}: ${ours.toFixed(0)} ms`,
    peer: `${samples[1].label}: ${theirs.toFixed(0)} ms`,
    ratio,
    target: target ? `<= ${target.max}x${target.goal ? ` (goal ${target.goal}x)` : ''}` : '(for information)',
    ...(target ? { met: ratio <= target.max } : {}),
  });
}

/** The one table of every target, printed last. */
export function printSummary(): void {
  const header = ['what', 'Drydock', 'peer', 'ratio', 'target', 'met'];
  const rows = summary.map((row) => [
    row.what,
    row.drydock,
    row.peer,
    row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}x`,
    row.target,
    row.met === undefined ? '-' : row.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((_, column) => Math.max(header[column].length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  console.log(`\n## Summary (medians)\n${line(header)}\n${line(widths.map((width) => '-'.repeat(width)))}`);
  for (const row of rows) console.log(line(row));
}
