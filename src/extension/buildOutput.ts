import * as vscode from 'vscode';
import { formatEntry } from '../client/buildLogFormat';
import type { BackendConnection } from './backendConnection';

/** One output channel per workspace, streaming its builds' hook output live. */
export class BuildOutput implements vscode.Disposable {
  private readonly channels = new Map<string, vscode.OutputChannel>();
  /** The last lines per workspace: output channels cannot be read back, and tests and the UI check what was shown. */
  private readonly recent = new Map<string, string[]>();
  private readonly subscription: vscode.Disposable;

  constructor(connection: BackendConnection) {
    this.subscription = connection.onEvent((event) => {
      // Progress lines are for the notification; the channel gets the log's own condensed lines.
      if (event.type !== 'build-log' || event.entry.kind === 'progress') return;
      const channel = this.channel(event.workspace);
      if (event.entry.kind === 'step-start' && event.entry.seq <= 1) channel.appendLine(`--- build ${event.buildId} ---`);
      const line = formatEntry(event.entry);
      channel.appendLine(line);
      const lines = this.recent.get(event.workspace) ?? [];
      lines.push(line);
      if (lines.length > 500) lines.shift();
      this.recent.set(event.workspace, lines);
    });
  }

  transcript(workspace: string): readonly string[] {
    return this.recent.get(workspace) ?? [];
  }

  channel(workspace: string): vscode.OutputChannel {
    let channel = this.channels.get(workspace);
    if (!channel) {
      channel = vscode.window.createOutputChannel(`Drydock: ${workspace}`);
      this.channels.set(workspace, channel);
    }
    return channel;
  }

  /** Shows a build the user started, if the setting says so. */
  reveal(workspace: string): void {
    if (vscode.workspace.getConfiguration('drydock').get<boolean>('revealOutputOnBuild', true)) this.channel(workspace).show(true);
  }

  dispose(): void {
    this.subscription.dispose();
    for (const channel of this.channels.values()) channel.dispose();
  }
}
