import type { PullProgress } from '../../docker/adapter';
import type { BuildReporter } from './buildReporter';

/** Live progress at most this often: enough for a moving line, little for the event feed. */
const PROGRESS_EVERY_MS = 500;

const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * The engine's pull events, condensed. The log gets readable lines: one when
 * a layer starts downloading (with its size), one when it is in place, and
 * the engine's own summary lines (digest, status). Live followers also get a
 * `progress` line of the whole pull's bytes, at most twice a second.
 */
export function pullProgressReporter(reference: string, reporter: BuildReporter, now: () => number = Date.now): (event: PullProgress) => void {
  const layers = new Map<string, { current: number; total: number; done: boolean }>();
  let lastProgress = 0;
  const said = new Set<string>();
  const once = (key: string, line: string): void => {
    if (said.has(key)) return;
    said.add(key);
    reporter.info(line);
  };
  return (event) => {
    const { layer, status } = event;
    if (!layer) {
      // "Pulling from ...", "Digest: ...", "Status: Downloaded newer image ..." / "Image is up to date ...".
      reporter.info(status);
      return;
    }
    if (/^Pulling from /.test(status)) return reporter.info(status);
    const state = layers.get(layer) ?? { current: 0, total: 0, done: false };
    layers.set(layer, state);
    if (status === 'Downloading') {
      state.total = event.total ?? state.total;
      state.current = event.current ?? state.current;
      once(`${layer}:down`, `layer ${layer}: downloading${state.total ? ` ${megabytes(state.total)}` : ''}`);
    } else if (status === 'Download complete') {
      state.current = state.total;
    } else if (status === 'Already exists') {
      state.done = true;
      once(`${layer}:done`, `layer ${layer}: already on the engine`);
    } else if (status === 'Pull complete') {
      state.done = true;
      state.current = state.total;
      once(`${layer}:done`, `layer ${layer}: done`);
    }
    const at = now();
    if (at - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = at;
    let current = 0;
    let total = 0;
    let done = 0;
    for (const each of layers.values()) {
      current += each.current;
      total += each.total;
      if (each.done) done++;
    }
    reporter.progress(`Pulling ${reference}: ${megabytes(current)} of ${megabytes(total)}, ${done} of ${layers.size} layers done`);
  };
}
