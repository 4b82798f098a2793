import * as vscode from 'vscode';

const KEY = 'drydock.currentWorkspace';

/** The workspace this VS Code window works in: chosen by the user, remembered per VS Code workspace. */
export class CurrentWorkspace implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<string | undefined>();
  readonly onDidChange = this.emitter.event;

  constructor(private readonly memento: vscode.Memento) {}

  get name(): string | undefined {
    return this.memento.get<string>(KEY);
  }

  async set(name: string | undefined): Promise<void> {
    if (name === this.name) return;
    await this.memento.update(KEY, name);
    this.emitter.fire(name);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
