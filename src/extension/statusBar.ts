import * as vscode from 'vscode';
import type { CurrentWorkspace } from './currentWorkspace';
import { timeLeft } from './timeLeft';
import type { WorkspaceCache } from './workspaceCache';

/**
 * The current workspace's countdown to auto-off: every second in the last
 * minute, every few seconds before, in the warning colour near the deadline.
 */
export class CountdownStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('drydock.countdown', vscode.StatusBarAlignment.Left, 100);
  private timer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly cache: WorkspaceCache,
    private readonly current: CurrentWorkspace,
  ) {
    this.item.name = 'Drydock inactivity countdown';
    this.item.command = 'drydock.statusBarActions';
    this.subscriptions.push(
      cache.onDidChange(() => this.update()),
      current.onDidChange(() => this.update()),
    );
    this.update();
  }

  get text(): string {
    return this.item.text;
  }

  update(): void {
    clearTimeout(this.timer);
    const name = this.current.name;
    const workspace = name ? this.cache.get(name) : undefined;
    if (!name || !workspace) {
      this.item.text = '$(vm-outline) Drydock';
      this.item.tooltip = 'Choose the workspace this window works in';
      this.item.backgroundColor = undefined;
      this.item.show();
      return;
    }
    const deadline = workspace.deadline ? Date.parse(workspace.deadline) : undefined;
    const left = deadline !== undefined ? deadline - Date.now() : undefined;
    if (workspace.state !== 'running' || left === undefined) {
      this.item.text = `$(vm-outline) ${name} · ${workspace.state === 'running' ? 'no auto-off' : workspace.state}`;
      this.item.backgroundColor = undefined;
    } else {
      this.item.text = `$(clock) ${name} · ${timeLeft(left)}`;
      const warnAt = vscode.workspace.getConfiguration('drydock').get<number>('warningMinutes', 5) * 60_000;
      this.item.backgroundColor = left <= warnAt ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
      this.timer = setTimeout(() => this.update(), left <= 60_000 ? 1000 : 5000);
    }
    this.item.tooltip = new vscode.MarkdownString(
      `**${name}** is ${workspace.state}${workspace.deadline ? `; stops for inactivity at ${new Date(workspace.deadline).toLocaleTimeString()}` : ''}.\n\nClick to extend, stop or switch.`,
    );
    this.item.show();
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.item.dispose();
  }
}
