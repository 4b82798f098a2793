import * as vscode from 'vscode';
import type { DirectoryEntryView, FileStatView } from '../api/fileViews';
import { DrydockError, errorMessage } from '../core/errors';
import type { BackendConnection } from './backendConnection';

/** `drydock://<workspace>/<absolute path in the container>`. */
export const DRYDOCK_SCHEME = 'drydock';

export function workspaceUri(workspace: string, path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: DRYDOCK_SCHEME, authority: workspace, path });
}

export interface FileSystemHooks {
  /** A read or a save: activity for that workspace (the tracker throttles it). */
  onActivity(workspace: string): void;
  /** A save refused because the workspace is not running: offer to rebuild and save again. */
  onSaveUnavailable(uri: vscode.Uri, reason: string): void;
}

/** How long after offering "Rebuild and retry" for a file the offer is not repeated. */
const OFFER_INTERVAL_MS = 10_000;

/** How long a watch whose workspace stopped waits before it looks again (it may be rebuilt). */
const WATCH_RETRY_MS = 5_000;

/**
 * A workspace's files as a VS Code file system. Every call goes to the
 * backend, which runs it as the workspace user in the container; the
 * backend's refusals become VS Code's FileSystemErrors, so editors and the
 * explorer say the right thing (missing, exists, read-only, unavailable).
 */
export class WorkspaceFileSystem implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly changes = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changes.event;
  private readonly watches = new Set<AbortController>();
  /** `<workspace>:<path>` of each folder watched recursively, with how many watches hold it. */
  private readonly recursiveRoots = new Map<string, number>();

  constructor(
    private readonly connection: BackendConnection,
    private readonly hooks: FileSystemHooks,
  ) {}

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const stat = await this.run(uri, (client) => client.statFile(uri.authority, uri.path));
    return {
      type: fileType(stat),
      size: stat.size,
      mtime: stat.mtimeMs,
      ctime: stat.ctimeMs,
      ...(stat.writable || stat.type === 'directory' ? {} : { permissions: vscode.FilePermission.Readonly }),
    };
  }

  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    const entries = await this.run(uri, (client) => client.listDirectory(uri.authority, uri.path));
    return entries.map((entry) => [entry.name, fileType(entry)]);
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const bytes = await this.run(uri, async (client) => {
      const stream = await client.readFile(uri.authority, uri.path);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    });
    this.hooks.onActivity(uri.authority);
    return bytes;
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array, options: { readonly create: boolean; readonly overwrite: boolean }): Promise<void> {
    await this.run(uri, (client) => client.writeFile(uri.authority, uri.path, content, options), true);
    this.hooks.onActivity(uri.authority);
    this.fire({ type: vscode.FileChangeType.Changed, uri });
  }

  async createDirectory(uri: vscode.Uri): Promise<void> {
    await this.run(uri, (client) => client.createDirectory(uri.authority, uri.path));
    this.fire({ type: vscode.FileChangeType.Created, uri });
  }

  async delete(uri: vscode.Uri, options: { readonly recursive: boolean }): Promise<void> {
    await this.run(uri, (client) => client.deleteFile(uri.authority, uri.path, options));
    this.fire({ type: vscode.FileChangeType.Deleted, uri });
  }

  async rename(oldUri: vscode.Uri, newUri: vscode.Uri, options: { readonly overwrite: boolean }): Promise<void> {
    if (oldUri.authority !== newUri.authority) {
      throw vscode.FileSystemError.NoPermissions(
        `${newUri.toString()}: files move within one workspace; copy between ${oldUri.authority} and ${newUri.authority} instead.`,
      );
    }
    await this.run(oldUri, (client) => client.renameFile(oldUri.authority, oldUri.path, newUri.path, options));
    this.fire({ type: vscode.FileChangeType.Deleted, uri: oldUri }, { type: vscode.FileChangeType.Created, uri: newUri });
  }

  /**
   * Changes made inside the workspace (a terminal, a build, git), reported by
   * the backend's watch of that path. A watch whose workspace stopped looks
   * again every few seconds, so a rebuilt workspace is watched again.
   */
  watch(uri: vscode.Uri, options: { readonly recursive: boolean; readonly excludes: readonly string[] }): vscode.Disposable {
    // Each watch is a polling script in the workspace: a file under a folder watched recursively (the explorer's) needs none of its own.
    if (!options.recursive && this.coveredByRecursiveWatch(uri)) return new vscode.Disposable(() => undefined);
    const abort = new AbortController();
    this.watches.add(abort);
    const root = options.recursive ? `${uri.authority}:${uri.path}` : undefined;
    if (root) this.recursiveRoots.set(root, (this.recursiveRoots.get(root) ?? 0) + 1);
    const follow = async (): Promise<void> => {
      while (!abort.signal.aborted) {
        try {
          const client = await this.connection.api();
          await client.watchFiles(
            uri.authority,
            uri.path,
            options.recursive,
            (event) => {
              if (event.type !== 'changes') return;
              this.fire(...event.changes.map((change) => ({ type: changeType(change.type), uri: uri.with({ path: change.path }) })));
            },
            abort.signal,
          );
        } catch {
          // Not running yet, or the backend is away: look again shortly.
        }
        if (!abort.signal.aborted) await new Promise((resolve) => setTimeout(resolve, WATCH_RETRY_MS));
      }
    };
    void follow();
    return new vscode.Disposable(() => {
      abort.abort();
      this.watches.delete(abort);
      if (root) {
        const left = (this.recursiveRoots.get(root) ?? 1) - 1;
        if (left > 0) this.recursiveRoots.set(root, left);
        else this.recursiveRoots.delete(root);
      }
    });
  }

  /** Whether a recursive watch of the same workspace covers `uri` (outside the folders such watches skip). */
  private coveredByRecursiveWatch(uri: vscode.Uri): boolean {
    if (/\/(\.git|node_modules)(\/|$)/.test(uri.path)) return false;
    for (const root of this.recursiveRoots.keys()) {
      const [authority, path] = [root.slice(0, root.indexOf(':')), root.slice(root.indexOf(':') + 1)];
      if (authority === uri.authority && (uri.path === path || uri.path.startsWith(path === '/' ? '/' : `${path}/`))) return true;
    }
    return false;
  }

  dispose(): void {
    for (const abort of this.watches) abort.abort();
    this.changes.dispose();
  }

  private fire(...events: vscode.FileChangeEvent[]): void {
    if (events.length > 0) this.changes.fire(events);
  }

  /** `saving`: the call writes; a stat of a dirty editor's file is also the start of a save (VS Code checks the file before it writes). */
  private async run<T>(uri: vscode.Uri, call: (client: Awaited<ReturnType<BackendConnection['api']>>) => Promise<T>, saving = false): Promise<T> {
    try {
      return await call(await this.connection.api());
    } catch (error) {
      if (isUnavailable(error) && (saving || this.isDirty(uri))) this.offerRetry(uri, errorMessage(error));
      throw toFileSystemError(error, uri);
    }
  }

  private readonly offered = new Map<string, number>();

  /** One offer per file per few seconds: a save stats, then writes, and both fail alike. */
  private offerRetry(uri: vscode.Uri, reason: string): void {
    const key = uri.toString();
    const now = Date.now();
    if (now - (this.offered.get(key) ?? 0) < OFFER_INTERVAL_MS) return;
    this.offered.set(key, now);
    this.hooks.onSaveUnavailable(uri, reason);
  }

  private isDirty(uri: vscode.Uri): boolean {
    const key = uri.toString();
    return vscode.workspace.textDocuments.some((document) => document.isDirty && document.uri.toString() === key);
  }
}

/** A function, not a table: the bundle must load before vscode's enums can be read (the bundle test loads it bare). */
function changeType(type: 'created' | 'changed' | 'deleted'): vscode.FileChangeType {
  return type === 'created' ? vscode.FileChangeType.Created : type === 'changed' ? vscode.FileChangeType.Changed : vscode.FileChangeType.Deleted;
}

function fileType(entry: FileStatView | DirectoryEntryView): vscode.FileType {
  const base = entry.type === 'file' ? vscode.FileType.File : entry.type === 'directory' ? vscode.FileType.Directory : vscode.FileType.Unknown;
  return entry.symlink ? base | vscode.FileType.SymbolicLink : base;
}

/** Not running, building or stopping, Docker or the backend away: the file is there, but cannot be reached now. */
function isUnavailable(cause: unknown): boolean {
  return cause instanceof DrydockError && ['conflict', 'busy', 'docker_unreachable', 'backend_down'].includes(cause.code) && !/not empty/.test(cause.message);
}

/** The backend's refusal as VS Code's FileSystemError, keeping its sentence (and the DrydockError as its cause). */
export function toFileSystemError(error: unknown, uri: vscode.Uri): unknown {
  if (!(error instanceof DrydockError)) return error;
  const message = `${uri.toString(true)}: ${error.message}`;
  let mapped: vscode.FileSystemError;
  switch (error.code) {
    case 'not_found':
      mapped = vscode.FileSystemError.FileNotFound(message);
      break;
    case 'exists':
      mapped = vscode.FileSystemError.FileExists(message);
      break;
    case 'no_permission':
      mapped = vscode.FileSystemError.NoPermissions(message);
      break;
    case 'not_directory':
      mapped = vscode.FileSystemError.FileNotADirectory(message);
      break;
    case 'is_directory':
      mapped = vscode.FileSystemError.FileIsADirectory(message);
      break;
    default:
      mapped = isUnavailable(error) ? vscode.FileSystemError.Unavailable(message) : new vscode.FileSystemError(message);
  }
  (mapped as vscode.FileSystemError & { cause?: unknown }).cause = error;
  return mapped;
}
