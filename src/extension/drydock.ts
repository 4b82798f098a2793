import * as vscode from 'vscode';
import { ActivityTracker } from './activityTracker';
import { BackendConnection } from './backendConnection';
import { BuildLogDocuments } from './buildLogDocuments';
import { BuildOutput } from './buildOutput';
import { COMMAND_IDS, type CommandId } from './commandIds';
import type { CommandContext } from './commands/context';
import { createWorkspace } from './commands/create';
import { deleteWorkspace } from './commands/delete';
import { extendWorkspace } from './commands/extend';
import { openTerminal } from './commands/openTerminal';
import { rebuildWorkspace } from './commands/rebuild';
import { setAutoOff } from './commands/setAutoOff';
import { setAutoStart } from './commands/setAutoStart';
import { setCurrent } from './commands/setCurrent';
import { showBuildLog } from './commands/showBuildLog';
import { statusBarActions } from './commands/statusBarActions';
import { stopWorkspace } from './commands/stop';
import { attachWithDevContainers, DEV_CONTAINERS_EXTENSION } from './commands/attachDevContainers';
import { addWorkspaceFolder, openWorkspaceFolder } from './commands/openFolder';
import { CurrentWorkspace } from './currentWorkspace';
import { ensureRunning } from './ensureRunning';
import { followWindowFolder } from './folderWorkspace';
import { DRYDOCK_SCHEME, WorkspaceFileSystem } from './workspaceFileSystem';
import { promptForHostKeys } from './hostKeyPrompt';
import { showBackendNotifications } from './notifications';
import { CountdownStatusBar } from './statusBar';
import { WorkspaceCache } from './workspaceCache';
import { WorkspacesTree } from './workspacesTree';
import { EngineCache } from './engineCache';

/**
 * The composition root: builds every part once and is itself the one
 * Disposable on context.subscriptions, so nothing outlives the window.
 */
export class Drydock implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  readonly connection: BackendConnection;
  readonly cache: WorkspaceCache;
  readonly engines: EngineCache;
  readonly current: CurrentWorkspace;
  readonly tree: WorkspacesTree;
  readonly statusBar: CountdownStatusBar;
  readonly output: BuildOutput;
  readonly activity: ActivityTracker;
  readonly files: WorkspaceFileSystem;

  constructor(context: vscode.ExtensionContext) {
    const own = <T extends vscode.Disposable>(disposable: T): T => {
      this.disposables.push(disposable);
      return disposable;
    };
    this.connection = own(new BackendConnection(context));
    this.cache = own(new WorkspaceCache(this.connection));
    this.engines = own(new EngineCache(this.connection));
    this.current = own(new CurrentWorkspace(context.workspaceState));
    const output = (this.output = own(new BuildOutput(this.connection)));
    const activity = (this.activity = own(new ActivityTracker(this.connection, this.current)));
    const commandContext: CommandContext = { connection: this.connection, cache: this.cache, engines: this.engines, current: this.current, output, activity };
    this.tree = own(new WorkspacesTree(this.cache, this.connection, this.engines));
    this.statusBar = own(new CountdownStatusBar(this.cache, this.current));
    own(showBackendNotifications(this.connection));
    own(promptForHostKeys(this.connection));
    own(new BuildLogDocuments(this.connection).register());
    this.files = own(
      new WorkspaceFileSystem(this.connection, {
        onActivity: (workspace) => activity.fileActivity(workspace),
        onSaveUnavailable: (uri, reason) => offerRebuildAndRetry(commandContext, uri, reason),
      }),
    );
    own(vscode.workspace.registerFileSystemProvider(DRYDOCK_SCHEME, this.files, { isCaseSensitive: true }));
    own(followWindowFolder(this.connection, this.current, activity));
    // "Attach with Dev Containers" shows only where that extension is installed.
    void vscode.commands.executeCommand('setContext', 'drydock.devContainers', vscode.extensions.getExtension(DEV_CONTAINERS_EXTENSION) !== undefined);

    // A command's first argument is the workspace (a tree item or a name); Set Auto-Off, Extend and Show Build Log
    // also take their answer (a setting, a duration, a build id) second, for keybindings and tests; without it they ask.
    const handlers: Record<CommandId, (argument?: unknown, answer?: unknown) => Promise<void> | void> = {
      'drydock.create': () => createWorkspace(commandContext),
      'drydock.rebuild': (argument) => rebuildWorkspace(commandContext, argument),
      'drydock.stop': (argument) => stopWorkspace(commandContext, argument),
      'drydock.delete': (argument) => deleteWorkspace(commandContext, argument),
      'drydock.openTerminal': (argument) => openTerminal(commandContext, argument),
      'drydock.showBuildLog': (argument, answer) => showBuildLog(commandContext, argument, answer),
      'drydock.setAutoStart': (argument) => setAutoStart(commandContext, argument),
      'drydock.setAutoOff': (argument, answer) => setAutoOff(commandContext, argument, answer),
      'drydock.extend': (argument, answer) => extendWorkspace(commandContext, argument, answer),
      'drydock.setCurrent': (argument) => setCurrent(commandContext, argument),
      'drydock.refresh': () => this.connection.retry(),
      'drydock.statusBarActions': () => statusBarActions(commandContext),
      'drydock.openFolder': (argument, answer) => openWorkspaceFolder(commandContext, argument, answer),
      'drydock.addFolder': (argument, answer) => addWorkspaceFolder(commandContext, argument, answer),
      'drydock.attachDevContainers': (argument) => attachWithDevContainers(commandContext, argument),
    };
    for (const id of COMMAND_IDS) own(vscode.commands.registerCommand(id, handlers[id]));
    this.connection.start();
  }

  dispose(): void {
    for (const disposable of this.disposables.reverse()) disposable.dispose();
  }
}

/**
 * A save refused because the workspace is not running (auto-off stopped it):
 * the editor stays dirty, and one click rebuilds the workspace and saves again.
 */
function offerRebuildAndRetry(context: CommandContext, uri: vscode.Uri, reason: string): void {
  const name = uri.authority;
  void vscode.window
    .showErrorMessage(`Could not save ${uri.path} in ${name}: ${reason} Your changes are kept in the editor.`, 'Rebuild and retry')
    .then(async (choice) => {
      if (choice !== 'Rebuild and retry') return;
      if (await ensureRunning(context, name, 'save', true)) await vscode.workspace.save(uri);
    });
}
