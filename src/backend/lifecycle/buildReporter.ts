/**
 * What a build tells its observers: titled steps with their output, exit code
 * and duration. The build log implements it (file + live subscribers); the
 * lifecycle and hooks only ever talk to this interface.
 */
import type { OutputStream } from '../../docker/types';

export type { OutputStream };
export type StepStatus = 'ok' | 'failed' | 'skipped' | 'warning';

export interface StepOutcome {
  status: StepStatus;
  /** The hook's exit code, when a process ran. */
  exitCode?: number;
  /** One sentence for the log: why it was skipped, failed or warned. */
  note?: string;
}

export interface BuildReporter {
  /**
   * Runs a titled step. It ends `ok` when `run` resolves (or with what
   * `outcome` makes of the result: skipped, warning, an exit code) and
   * `failed` with the error's message when it throws.
   */
  step<T>(title: string, run: () => Promise<T>, outcome?: (result: T) => StepOutcome): Promise<T>;
  /** Process output of the current step, raw bytes as they arrive. */
  output(stream: OutputStream, chunk: Buffer): void;
  /** A line of Drydock's own, e.g. pull progress or a warning. */
  info(message: string): void;
  warn(message: string): void;
  /**
   * How far long work has got (a pull's bytes), for live followers only: the
   * file keeps the condensed `info` lines instead. Callers throttle it.
   */
  progress(message: string): void;
}

/** For callers that want no log at all (benchmarks, library users). */
export const silentReporter: BuildReporter = {
  async step<T>(_title: string, run: () => Promise<T>): Promise<T> {
    return run();
  },
  output() {},
  info() {},
  warn() {},
  progress() {},
};
