import * as vscode from 'vscode';
import { api, chooseWorkspace, reportError, type CommandContext } from './context';

/** Show Build Log: the live channel, or an earlier build's kept log in an editor. `answer` (a build id) skips the question. */
export async function showBuildLog(context: CommandContext, argument: unknown, answer?: unknown): Promise<void> {
  const name = await chooseWorkspace(context, argument, 'Workspace whose build log to show');
  if (!name) return;
  try {
    const client = await api(context);
    const builds = await client.builds(name);
    if (builds.length === 0) {
      void vscode.window.showInformationMessage(`${name} has no builds yet.`);
      return;
    }
    const picked =
      typeof answer === 'string' && answer
        ? { label: answer }
        : await vscode.window.showQuickPick(
            builds.map((build, index) => ({
              label: build.buildId,
              description: `${new Date(build.modifiedAt).toLocaleString()}${index === 0 ? ' (latest)' : ''}`,
            })),
            { placeHolder: `Build logs of ${name}` },
          );
    if (!picked) return;
    const text = await client.buildLog(name, picked.label);
    const document = await vscode.workspace.openTextDocument({ content: text, language: 'log' });
    await vscode.window.showTextDocument(document, { preview: true });
  } catch (error) {
    reportError(context, `Could not show the build log of ${name}`, error, name);
  }
}
