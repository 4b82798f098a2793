import * as vscode from 'vscode';
import type { BackendConnection } from './backendConnection';

/** `drydock-build-log:/<workspace>/<build id>.log`: a kept build log, read-only, fetched when opened. */
export const BUILD_LOG_SCHEME = 'drydock-build-log';

export function buildLogUri(workspace: string, buildId: string): vscode.Uri {
  return vscode.Uri.from({ scheme: BUILD_LOG_SCHEME, path: `/${workspace}/${buildId}.log` });
}

/**
 * Serves build logs as read-only documents, so showing one leaves no
 * Untitled editor that asks to be saved when the window closes.
 */
export class BuildLogDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly connection: BackendConnection) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const [, workspace, file] = uri.path.split('/');
    const buildId = file?.replace(/\.log$/, '');
    if (!workspace || !buildId) throw new Error(`not a build log address: ${uri.toString()}`);
    const client = await this.connection.api();
    return client.buildLog(workspace, buildId);
  }

  register(): vscode.Disposable {
    return vscode.workspace.registerTextDocumentContentProvider(BUILD_LOG_SCHEME, this);
  }
}
