import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { VERSION } from '../core/version';
import { ApiClient } from '../backend/api/client';
import { connectBackend } from '../backend/api/daemonLauncher';
import { resolvePaths, type DaemonPaths } from '../backend/daemon/paths';

/** What every command gets: parsed arguments, the backend (started on demand), and output helpers. */
export interface CommandContext {
  args: string[];
  paths: () => DaemonPaths;
  backend: () => Promise<ApiClient>;
  out: (text: string) => void;
  err: (text: string) => void;
  isTty: boolean;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(context: CommandContext): Promise<number>;
}

/** A usage mistake: exit code 2 with the command's usage. */
export class UsageError extends Error {}

export function createContext(args: string[]): CommandContext {
  let client: Promise<ApiClient> | undefined;
  const paths = (): DaemonPaths => resolvePaths();
  return {
    args,
    paths,
    backend: () =>
      (client ??= connectBackend({
        paths: paths(),
        // The CLI bundle sits next to the backend bundle in dist/.
        backendScript: join(__dirname, 'backend.js'),
        version: VERSION,
        onStatus: (message) => process.stderr.write(`${message}\n`),
      })),
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    isTty: Boolean(process.stdout.isTTY),
  };
}

/** node:util parseArgs, with its errors turned into usage errors. */
export function parse<const T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
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

/** Turns `--cpus 2 --memory 4g --env A=b` style values into spec fields, validated later by the backend. */
export function specChanges(values: Record<string, unknown>): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  if (typeof values.image === 'string') changes.image = values.image;
  if (typeof values.user === 'string') changes.user = values.user;
  if (typeof values.cpus === 'string') changes.cpus = values.cpus;
  if (typeof values.memory === 'string') changes.memory = values.memory;
  return changes;
}

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ')).join('\n');
}
