import * as vscode from 'vscode';
import { homeDir } from '../../core/names';
import { ensureRunning } from '../ensureRunning';
import { presetDefaultTerminal } from '../folderWorkspace';
import { workspaceUri } from '../workspaceFileSystem';
import { chooseWorkspace, reportError, type CommandContext } from './context';

/** What a keybinding or a test may pass instead of answering: the folder, and whether to use a new window. */
interface FolderAnswer {
  path?: string;
  newWindow?: boolean;
}

/** Open Workspace Folder: a folder of the workspace (default its user's home) as this window's folder, or a new window's. */
export async function openWorkspaceFolder(context: CommandContext, argument: unknown, answer?: unknown): Promise<void> {
  const target = await pickFolder(context, argument, answer, 'open');
  if (!target) return;
  const given = answer as FolderAnswer | undefined;
  let newWindow = given?.newWindow;
  if (newWindow === undefined) {
    const choice = await vscode.window.showQuickPick(
      [
        { label: 'This Window', newWindow: false },
        { label: 'New Window', newWindow: true },
      ],
      { placeHolder: `Open ${target.uri.toString(true)} in` },
    );
    if (!choice) return;
    newWindow = choice.newWindow;
  }
  await presetDefaultTerminal(await context.connection.api(), target.workspace, target.uri.path);
  await vscode.commands.executeCommand('vscode.openFolder', target.uri, { forceNewWindow: newWindow });
}

/** Add Workspace Folder to Workspace: the folder joins this window's folders (a multi-root workspace). */
export async function addWorkspaceFolder(context: CommandContext, argument: unknown, answer?: unknown): Promise<void> {
  const target = await pickFolder(context, argument, answer, 'add to this window');
  if (!target) return;
  const at = vscode.workspace.workspaceFolders?.length ?? 0;
  vscode.workspace.updateWorkspaceFolders(at, 0, { uri: target.uri, name: `${target.workspace}: ${target.uri.path}` });
}

async function pickFolder(
  context: CommandContext,
  argument: unknown,
  answer: unknown,
  purpose: string,
): Promise<{ workspace: string; uri: vscode.Uri } | undefined> {
  const name = await chooseWorkspace(context, argument, `Workspace to ${purpose}`);
  if (!name) return undefined;
  try {
    if (!(await ensureRunning(context, name, `${purpose} its folder`))) return undefined;
    const client = await context.connection.api();
    const workspace = await client.workspace(name);
    const home = workspace.user ? homeDir(workspace.user) : '/';
    const given = (answer as FolderAnswer | undefined)?.path;
    const path = given ?? (await browse(context, name, home));
    return path === undefined ? undefined : { workspace: name, uri: workspaceUri(name, path) };
  } catch (error) {
    reportError(context, `Could not open a folder of ${name}`, error, name);
    return undefined;
  }
}

/** A quick pick that walks the workspace's folders, starting at home; the first row takes the folder shown. */
async function browse(context: CommandContext, name: string, start: string): Promise<string | undefined> {
  const client = await context.connection.api();
  let path = start;
  for (;;) {
    const folders = (await client.listDirectory(name, path)).filter((entry) => entry.type === 'directory');
    const parent = path === '/' ? undefined : path.slice(0, path.lastIndexOf('/')) || '/';
    const rows = [
      { label: `$(check) Open ${path}`, path, pick: true },
      ...(parent ? [{ label: '$(arrow-up) ..', path: parent, pick: false }] : []),
      ...folders.map((entry) => ({ label: `$(folder) ${entry.name}`, path: `${path === '/' ? '' : path}/${entry.name}`, pick: false })),
    ];
    const chosen = await vscode.window.showQuickPick(rows, { placeHolder: `A folder of ${name}: ${path}`, matchOnDescription: true });
    if (!chosen) return undefined;
    if (chosen.pick) return chosen.path;
    path = chosen.path;
  }
}
