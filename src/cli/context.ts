import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolveLocations, type BackendLocations } from '../api/locations';
import type { LaunchOptions } from '../client/backendLauncher';
import type { DrydockClient } from '../client/drydockClient';
import { isDrydockError } from '../core/errors';
import type { PullPolicy } from '../core/imageReference';
import type { SpecInput } from '../core/spec';
import { VERSION } from '../core/version';
import { writeErr, writeOut } from './output';

/** What every command gets: parsed arguments, the backend (started on demand), and output helpers. */
export interface CommandContext {
  args: string[];
  locations: () => BackendLocations;
  backend: () => Promise<DrydockClient>;
  /** A read of the backend sent alongside its version check (see readFromBackend), and the client for what follows. */
  read: <T>(ask: (client: DrydockClient) => Promise<T>) => Promise<{ client: DrydockClient; value: T }>;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Raw stdout, no newline added: a live progress line on a terminal. */
  write: (text: string) => void;
  isTty: boolean;
  /** Whether a person can answer a question: stdin is a terminal. Elsewhere what needs a yes needs --yes. */
  canAsk: boolean;
  /** Asks a yes/no question on the terminal (on stderr, so stdout stays the command's); true only for y or yes. */
  ask: (question: string) => Promise<boolean>;
}

/** A command's code, loaded only when it runs (its name and summary are in main.ts's table). */
export interface Command {
  usage: string;
  run(context: CommandContext): Promise<number>;
}

/** A usage mistake: exit code 2, with the command's usage unless `showUsage` is false (a missing --yes the message explains). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message);
  }
}

export function createContext(args: string[]): CommandContext {
  let client: Promise<DrydockClient> | undefined;
  const locations = (): BackendLocations => resolveLocations();
  const launch = (): LaunchOptions => ({
    locations: locations(),
    // The CLI bundle sits next to the backend bundle in dist/.
    backendScript: join(__dirname, 'backend.js'),
    version: VERSION,
    onStatus: (message) => writeErr(`${message}\n`),
  });
  // The client (node:net) and the launcher (node:child_process) load on first use: --version and --help never pay for them.
  const launcher = () => import('../client/backendLauncher');
  return {
    args,
    locations,
    backend: () => (client ??= launcher().then(({ connectBackend }) => connectBackend(launch()))),
    read: async (ask) => {
      if (client) {
        const connected = await client;
        return { client: connected, value: await ask(connected) };
      }
      const read = (await launcher()).readFromBackend(launch(), ask);
      client ??= read.then((answer) => answer.client);
      return read;
    },
    out: (text) => writeOut(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => writeErr(text.endsWith('\n') ? text : `${text}\n`),
    write: (text) => writeOut(text),
    // Asked when needed, of the descriptors: node:tty or process.stdin loaded up front cost every command's start.
    get isTty() {
      return terminal(1);
    },
    get canAsk() {
      return terminal(0);
    },
    ask: async (question) => {
      const { createInterface } = await import('node:readline/promises');
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
      } finally {
        prompt.close();
      }
    },
  };
}

/** Whether a standard descriptor is a terminal. */
function terminal(fd: number): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (see createContext)
  return (require('node:tty') as typeof import('node:tty')).isatty(fd);
}

/** node:util parseArgs, with its errors turned into usage errors. */
export function parse<const T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** An option's value read by a core parser: the bad input it reports is the user's typing, so a usage error. */
export function optionValue<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (isDrydockError(error, 'invalid_input')) throw new UsageError(error.message);
    throw error;
  }
}

export function requireName(positionals: string[], what = 'NAME'): string {
  const name = positionals[0];
  if (!name) throw new UsageError(`missing ${what}`);
  return name;
}

export function printJson(context: CommandContext, value: unknown): void {
  context.out(JSON.stringify(value, null, 2));
}

/** Turns `--image`, `--user`, `--cpus 2`, `--memory 4g` into spec fields; the backend validates them as a whole. */
export async function specChanges(values: { image?: string; user?: string; cpus?: string; memory?: string }): Promise<Partial<SpecInput>> {
  const changes: Partial<SpecInput> = {};
  if (values.image !== undefined) changes.image = values.image;
  if (values.user !== undefined) changes.user = values.user;
  if (values.cpus !== undefined) changes.cpus = await cpusOption(values.cpus);
  if (values.memory !== undefined) changes.memory = values.memory;
  return changes;
}

/** `--cpus 1.5` as the number the spec takes. */
async function cpusOption(text: string): Promise<number> {
  // Loaded only when given: core/spec also holds the spec schema and its validator.
  const { parseCpus } = await import('../core/spec');
  return optionValue(() => parseCpus(text, '--cpus'));
}

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ')).join('\n');
}

/** `--pull`, checked here because the API takes only the three policies. */
export function pullPolicy(text: string): PullPolicy {
  const policy = PULL_POLICIES.find((candidate) => candidate === text);
  if (!policy) throw new UsageError(`--pull ${text}: give always, missing or never`);
  return policy;
}

const PULL_POLICIES: readonly PullPolicy[] = ['always', 'missing', 'never'];
