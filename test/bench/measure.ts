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
