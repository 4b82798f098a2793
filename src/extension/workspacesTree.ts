import * as vscode from 'vscode';
import { updateSentence, updateWord } from '../client/updateText';
import type { EngineView, UpdateView, WorkspaceView } from '../api/views';
import { busyText } from '../core/busy';
import { engineSummary } from '../core/engineSummary';
import { shortDigest } from '../core/imageReference';
import type { BackendConnection, ConnectionState } from './backendConnection';
import type { EngineCache } from './engineCache';
import { timeLeft } from './timeLeft';
import type { WorkspaceCache } from './workspaceCache';

/** Codicons per state; a spinning one while building or stopping. */
function stateIcon(state: string): vscode.ThemeIcon {
  switch (state) {
    case 'running':
      return new vscode.ThemeIcon('vm-running', new vscode.ThemeColor('testing.iconPassed'));
    case 'building':
    case 'stopping':
      return new vscode.ThemeIcon('loading~spin');
    case 'off':
      return new vscode.ThemeIcon('vm-outline');
    case 'failed':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    default:
      return new vscode.ThemeIcon('question');
  }
}

/** How often the rows' "time left" is redrawn; it is shown in minutes. */
const TICK_MS = 30_000;

export type TreeNode =
  | { kind: 'engine'; engine: EngineView }
  | { kind: 'workspace'; workspace: WorkspaceView }
  | { kind: 'detail'; workspace: string; label: string; description: string; icon: string; command?: vscode.Command };

/**
 * The Workspaces tree: one item per workspace with its state icon, and its
 * details as children. With more than one engine, the workspaces are grouped
 * under their engine, whose node shows whether it answers and its load. Menus follow `contextValue` (workspace-<state>).
 * Refreshes come from backend events, debounced. Why the backend or Docker
 * cannot be reached is the view's message.
 */
export class WorkspacesTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<TreeNode | undefined>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private pending: NodeJS.Timeout | undefined;
  private readonly ticker: NodeJS.Timeout;
  readonly onDidChangeTreeData = this.emitter.event;
  readonly view: vscode.TreeView<TreeNode>;

  constructor(
    private readonly cache: WorkspaceCache,
    private readonly connection: BackendConnection,
    private readonly engines: EngineCache,
  ) {
    this.view = vscode.window.createTreeView('drydock.workspaces', { treeDataProvider: this, showCollapseAll: false });
    const refresh = (): void => {
      clearTimeout(this.pending);
      this.pending = setTimeout(() => {
        void this.updateContext();
        this.emitter.fire(undefined);
      }, 100);
    };
    this.subscriptions.push(cache.onDidChange(refresh), connection.onDidChangeState(refresh), engines.onDidChange(refresh));
    // "time left" counts down between events too (rows keep their ids, so expansion survives).
    this.ticker = setInterval(() => {
      if (cache.all().some((workspace) => workspace.deadline)) this.emitter.fire(undefined);
    }, TICK_MS);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    if (node.kind === 'engine') return engineItem(node.engine);
    if (node.kind === 'detail') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
      item.description = node.description;
      item.iconPath = new vscode.ThemeIcon(node.icon);
      item.contextValue = `detail-${node.label.toLowerCase().replace(/\W+/g, '-')}`;
      if (node.command) item.command = node.command;
      return item;
    }
    const workspace = node.workspace;
    const item = new vscode.TreeItem(workspace.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `workspace:${workspace.name}`;
    item.iconPath = stateIcon(workspace.state);
    const left = workspace.deadline ? timeLeft(Date.parse(workspace.deadline) - Date.now()) : undefined;
    // While something holds it busy, that is what keeps it running: the deadline waits for it.
    const busy = workspace.busy?.[0];
    const update = workspace.update?.available ? ` · update ${updateWord(workspace.update)}` : '';
    item.description = `${busy ? `${workspace.state} · ${busyText(busy.holder, Date.parse(busy.since), Date.now())}` : left ? `${workspace.state} · ${left} left` : workspace.state}${update}`;
    item.contextValue = `workspace-${workspace.state}`;
    item.tooltip = tooltip(workspace);
    return item;
  }

  getChildren(node?: TreeNode): TreeNode[] {
    const workspaces = (list: WorkspaceView[]): TreeNode[] => list.map((workspace) => ({ kind: 'workspace', workspace }));
    const engines = this.engines.all();
    if (!node) {
      if (engines.length <= 1) return workspaces(this.cache.all());
      // A workspace of an engine the list does not have yet (added a moment ago) stays visible, at the top level.
      const known = new Set(engines.map((engine) => engine.name));
      return [
        ...engines.map((engine): TreeNode => ({ kind: 'engine', engine })),
        ...workspaces(this.cache.all().filter((workspace) => !known.has(workspace.engine))),
      ];
    }
    if (node.kind === 'engine') return workspaces(this.cache.all().filter((workspace) => workspace.engine === node.engine.name));
    if (node.kind === 'detail') return [];
    const workspace = node.workspace;
    const detail = (label: string, description: string, icon: string, command?: vscode.Command): TreeNode => ({
      kind: 'detail',
      workspace: workspace.name,
      label,
      description,
      icon,
      ...(command ? { command } : {}),
    });
    const autoOff = workspace.autoOff;
    const busy = (workspace.busy ?? []).map((lease) =>
      detail('Busy', busyText(lease.holder, Date.parse(lease.since), Date.now()).slice('busy: '.length), 'sync'),
    );
    const rebuild = { title: 'Rebuild to update', command: 'drydock.rebuild', arguments: [workspace.name] };
    return [
      ...busy,
      detail('Image', workspace.imageDigest ? `${workspace.image} @ ${shortDigest(workspace.imageDigest)}` : workspace.image, 'package'),
      ...(workspace.update?.available ? [detail('Update', updateDetail(workspace.update), 'arrow-circle-up', rebuild)] : []),
      detail('Home', workspace.homeVolume, 'home'),
      detail('Resources', `${workspace.cpus !== undefined ? `${workspace.cpus} CPU` : 'any CPU'} · ${workspace.memory ?? 'any memory'}`, 'dashboard'),
      detail(
        'Auto-off',
        autoOff ? `${autoOff.threshold} (${autoOff.source}${autoOff.locked ? ', locked' : ''})` : 'unknown',
        autoOff?.locked ? 'lock' : 'clock',
        { title: 'Set Auto-Off', command: 'drydock.setAutoOff', arguments: [workspace.name] },
      ),
      detail(
        'Auto-start',
        workspace.schedule
          ? `${workspace.schedule.description}${workspace.schedule.nextRun ? ` · next ${new Date(workspace.schedule.nextRun).toLocaleString()}` : ''}`
          : 'none',
        'calendar',
        { title: 'Set Auto-Start', command: 'drydock.setAutoStart', arguments: [workspace.name] },
      ),
      detail(
        'Last build',
        workspace.lastBuild
          ? `${workspace.lastBuild.status} · ${new Date(workspace.lastBuild.finishedAt ?? workspace.lastBuild.startedAt).toLocaleString()}`
          : 'never',
        'output',
        { title: 'Show Build Log', command: 'drydock.showBuildLog', arguments: [workspace.name] },
      ),
    ];
  }

  dispose(): void {
    clearTimeout(this.pending);
    clearInterval(this.ticker);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.view.dispose();
    this.emitter.dispose();
  }

  /** Drives the welcome views (connecting, none yet) and the problem message. */
  private async updateContext(): Promise<void> {
    const state = this.connection.state;
    this.view.message = problemMessage(state);
    const view =
      state.kind === 'backend-down'
        ? 'backendDown'
        : state.kind === 'docker-down'
          ? 'dockerDown'
          : state.kind === 'connecting'
            ? 'connecting'
            : this.cache.all().length === 0
              ? 'noWorkspaces'
              : 'ready';
    await vscode.commands.executeCommand('setContext', 'drydock.view', view);
  }
}

function engineItem(engine: EngineView): vscode.TreeItem {
  const item = new vscode.TreeItem(engine.default ? `${engine.name} (default)` : engine.name, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `engine:${engine.name}`;
  item.description = engineSummary({ ...engine, workspaces: engine.workspaces.length });
  item.iconPath = engine.reachable ? new vscode.ThemeIcon('server') : new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('testing.iconFailed'));
  item.contextValue = engine.reachable ? 'engine-reachable' : 'engine-unreachable';
  const where = engine.address ?? engine.endpoint ?? 'found by discovery';
  const lines = [`**${engine.name}**: ${where}`];
  if (engine.version) lines.push(`Docker ${engine.version} · ${engine.os ?? ''}/${engine.arch ?? ''} · ${engine.cpus ?? '?'} CPUs`);
  if (engine.error) lines.push(`Unreachable: ${engine.error}`);
  item.tooltip = new vscode.MarkdownString(lines.join('  \n'));
  return item;
}

/**
 * Why the view cannot show workspaces, or undefined when it can. A message
 * and not welcome content: welcome content does not expand context keys, and
 * a message hides it. Plain text, on one line (newlines do not render).
 */
function problemMessage(state: ConnectionState): string | undefined {
  if (state.kind === 'backend-down') {
    return `The Drydock backend does not answer: ${sentence(state.message)} It starts by itself; if it keeps failing, run "drydock daemon status" in a terminal and see its log. Refresh retries now.`;
  }
  if (state.kind === 'docker-down') {
    const advice = /start docker/i.test(state.message) ? '' : ' Start the Docker engine (for example "sudo systemctl start docker").';
    return `Docker cannot be reached, so workspace states are unknown: ${sentence(state.message)}${advice} Drydock reconnects by itself.`;
  }
  return undefined;
}

function sentence(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' ').trim();
  return /[.!?]$/.test(flat) ? flat : `${flat}.`;
}

/** The Update item: ready (pulled ahead), the background pull's progress, or available. */
function updateDetail(update: UpdateView): string {
  const word = updateWord(update);
  if (word === 'ready') return 'ready (pulled ahead): rebuild to update';
  if (word === 'pulling') return update.pullAhead?.message ?? 'pulling in the background';
  return 'available: rebuild to update';
}

function tooltip(workspace: WorkspaceView): vscode.MarkdownString {
  const lines = [
    `**${workspace.name}** — ${workspace.state}`,
    '',
    `Image: \`${workspace.image}\``,
    `Home: \`${workspace.homeVolume}\` on engine ${workspace.engine}`,
  ];
  if (workspace.engineError) lines.push(`Engine unreachable: ${workspace.engineError}`);
  if (workspace.imageDigest) lines.push(`Digest: \`${workspace.imageDigest}\``);
  if (workspace.update?.available) lines.push(`Update ${updateSentence(workspace.update).replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&')}`);
  if (workspace.notice) lines.push(`Note: ${workspace.notice}`);
  if (workspace.deadline) lines.push(`Stops for inactivity at ${new Date(workspace.deadline).toLocaleTimeString()}`);
  // A holder is a command typed inside the workspace: shown as text, never as Markdown (no links, no images).
  for (const lease of workspace.busy ?? [])
    lines.push(busyText(lease.holder, Date.parse(lease.since), Date.now()).replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&'));
  if (workspace.forcedRebuild) lines.push(`Rebuild required by ${new Date(workspace.forcedRebuild.at).toLocaleString()}: ${workspace.forcedRebuild.reason}`);
  if (workspace.lastBuild?.message) lines.push(`Last build: ${workspace.lastBuild.message}`);
  return new vscode.MarkdownString(lines.join('  \n'));
}
