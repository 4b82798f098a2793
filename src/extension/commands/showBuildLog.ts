import * as vscode from 'vscode';
import { buildLogUri } from '../buildLogDocuments';
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
    const document = await vscode.workspace.openTextDocument(buildLogUri(name, picked.label));
    await vscode.window.showTextDocument(await vscode.languages.setTextDocumentLanguage(document, 'log'), { preview: true });
  } catch (error) {
    reportError(context, `Could not show the build log of ${name}`, error, name);
  }
}
