import * as vscode from 'vscode';
import { LOGIN_SHELL, openExecSession, type ExecSession } from '../client/execSession';
import { errorMessage } from '../core/errors';
import type { BackendConnection } from './backendConnection';

/**
 * An integrated terminal into a workspace as its user: a pseudoterminal on
 * an exec session of the backend, with resize. Input counts as activity.
 */
export function openWorkspaceTerminal(connection: BackendConnection, workspace: string, onInput: () => void, workingDir?: string): vscode.Terminal {
  return vscode.window.createTerminal(workspaceTerminalOptions(connection, workspace, onInput, workingDir));
}

/** The terminal's options: also what the "Drydock Workspace" terminal profile gives VS Code. `workingDir`: where the shell starts (default home). */
export function workspaceTerminalOptions(
  connection: BackendConnection,
  workspace: string,
  onInput: () => void,
  workingDir?: string,
): vscode.ExtensionTerminalOptions {
  const write = new vscode.EventEmitter<string>();
  const close = new vscode.EventEmitter<number | void>();
  let session: ExecSession | undefined;
  let closedByUser = false;
  let pendingSize: vscode.TerminalDimensions | undefined;
  // Typing (or sendText) can come before the session is attached: keep it for then.
  let pendingInput = '';
  const decoder = new TextDecoder();

  const pty: vscode.Pseudoterminal = {
    onDidWrite: write.event,
    onDidClose: close.event,
    open: (dimensions) => {
      void (async () => {
        try {
          const client = await connection.api();
          const size = dimensions ?? pendingSize;
          const opened = await openExecSession(client, workspace, {
            command: LOGIN_SHELL,
            tty: true,
            size: size ? { columns: size.columns, rows: size.rows } : undefined,
            ...(workingDir ? { workingDir } : {}),
          });
          // Closed while it was starting: end the shell rather than leave it running unseen.
          if (closedByUser) {
            opened.socket.destroy();
            return;
          }
          session = opened;
          // A resize that came while the session was starting did not reach it.
          if (pendingSize && pendingSize !== size) void opened.resize(pendingSize.columns, pendingSize.rows).catch(() => undefined);
          if (pendingInput) opened.socket.write(pendingInput);
          pendingInput = '';
          opened.socket.on('data', (chunk: Buffer) => write.fire(decoder.decode(chunk, { stream: true })));
          opened.socket.on('close', () => {
            if (closedByUser) return;
            opened.exitCode().then(
              (code) => close.fire(code),
              // The terminal must not pass for a clean exit when nobody knows how the shell ended.
              (error: unknown) => {
                write.fire(`\r\nDrydock could not learn how the terminal in ${workspace} ended: ${errorMessage(error)}\r\n`);
                close.fire(1);
              },
            );
          });
        } catch (error) {
          write.fire(`\r\nDrydock could not open a terminal in ${workspace}: ${errorMessage(error)}\r\n`);
        }
      })();
    },
    handleInput: (data) => {
      onInput();
      if (session) session.socket.write(data);
      else pendingInput += data;
    },
    setDimensions: (dimensions) => {
      pendingSize = dimensions;
      void session?.resize(dimensions.columns, dimensions.rows).catch(() => undefined);
    },
    close: () => {
      closedByUser = true;
      session?.socket.destroy();
    },
  };
  return { name: `Drydock: ${workspace}`, pty, iconPath: new vscode.ThemeIcon('vm') };
}
