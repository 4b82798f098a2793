import * as vscode from 'vscode';
import type { DrydockClient } from '../client/drydockClient';
import { isDrydockError } from '../core/errors';
import type { ActivityTracker } from './activityTracker';
import type { BackendConnection } from './backendConnection';
import type { CurrentWorkspace } from './currentWorkspace';
import { DRYDOCK_SCHEME } from './workspaceFileSystem';
import { workspaceTerminalOptions } from './workspaceTerminal';

/** The contributed terminal profile (package.json contributes.terminal.profiles); VS Code names a default profile by its title. */
export const TERMINAL_PROFILE_ID = 'drydock.workspaceTerminal';
export const TERMINAL_PROFILE_TITLE = 'Drydock Workspace';

/** The drydock: folder this window opened, if any: its workspace and path. */
export function windowFolder(): { workspace: string; path: string } | undefined {
  const folder = vscode.workspace.workspaceFolders?.find((candidate) => candidate.uri.scheme === DRYDOCK_SCHEME);
  return folder ? { workspace: folder.uri.authority, path: folder.uri.path } : undefined;
}

/**
 * A window whose folder is `drydock://NAME/...` works in NAME by itself: it
 * becomes the current workspace (status bar, heartbeats, terminals), and a new
 * integrated terminal is a shell in NAME as its user, in the folder's path
 * (the "Drydock Workspace" profile, made this folder's default terminal).
 */
export function followWindowFolder(connection: BackendConnection, current: CurrentWorkspace, activity: ActivityTracker): vscode.Disposable {
  const subscriptions: vscode.Disposable[] = [
    vscode.window.registerTerminalProfileProvider(TERMINAL_PROFILE_ID, {
      provideTerminalProfile: () => {
        const folder = windowFolder();
        const name = folder?.workspace ?? current.name;
        if (!name) throw new Error('No Drydock workspace is current in this window: open a workspace folder or set a current workspace first.');
        return new vscode.TerminalProfile(workspaceTerminalOptions(connection, name, () => activity.heartbeat(true), folder?.path));
      },
    }),
  ];
  const adopt = (): void => {
    const folder = windowFolder();
    if (!folder) return;
    void current.set(folder.workspace);
    void makeDefaultTerminal();
  };
  subscriptions.push(vscode.workspace.onDidChangeWorkspaceFolders(adopt));
  adopt();
  return vscode.Disposable.from(...subscriptions);
}

const DEFAULT_PROFILE_KEY = `defaultProfile.${process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'osx' : 'linux'}`;

/**
 * Writes `<folder>/.vscode/settings.json` naming our profile the default
 * terminal, when the folder has no settings file yet: VS Code reads a
 * folder's default terminal profile when the window opens (a value set later
 * is not picked up by its terminal service), so Open Workspace Folder writes
 * it before opening. An existing settings file is left to the update below.
 */
export async function presetDefaultTerminal(client: DrydockClient, workspace: string, folder: string): Promise<void> {
  const dir = `${folder === '/' ? '' : folder}/.vscode`;
  const settings = { [`terminal.integrated.${DEFAULT_PROFILE_KEY}`]: TERMINAL_PROFILE_TITLE };
  try {
    await client.createDirectory(workspace, dir).catch((error: unknown) => {
      if (!isDrydockError(error, 'exists')) throw error;
    });
    await client.writeFile(workspace, `${dir}/settings.json`, Buffer.from(`${JSON.stringify(settings, null, 4)}\n`), { create: true, overwrite: false });
  } catch {
    // Settings of the user's own, or a folder the user may not write: the terminal profile stays one click away.
  }
}

/** Sets the folder's default terminal profile to ours unless the user chose one there already. */
async function makeDefaultTerminal(): Promise<void> {
  const key = DEFAULT_PROFILE_KEY;
  const settings = vscode.workspace.getConfiguration('terminal.integrated');
  if (settings.inspect<string>(key)?.workspaceValue !== undefined) return;
  await Promise.resolve(settings.update(key, TERMINAL_PROFILE_TITLE, vscode.ConfigurationTarget.Workspace)).catch(() => undefined);
}
