import type { Socket } from 'node:net';
import * as vscode from 'vscode';
import { paths, type ExecStatus } from '../backend/api/protocol';
import { errorMessage } from '../core/errors';
import type { BackendConnection } from './backendConnection';

const SHELL = ['/bin/sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi'];

/**
 * An integrated terminal into a workspace as its user: a pseudoterminal on
 * an exec session of the backend, with resize. Input counts as activity.
 */
export function openWorkspaceTerminal(connection: BackendConnection, workspace: string, onInput: () => void): vscode.Terminal {
  const write = new vscode.EventEmitter<string>();
  const close = new vscode.EventEmitter<number | void>();
  let socket: Socket | undefined;
  let execId: string | undefined;
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
          ({ execId } = await client.request<{ execId: string }>('POST', paths.exec(workspace), { command: SHELL, tty: true, stdin: true, ...(size ? { columns: size.columns, rows: size.rows } : {}) }));
          socket = await client.attach(paths.execAttach(execId));
          if (pendingInput) socket.write(pendingInput);
          pendingInput = '';
          socket.on('data', (chunk: Buffer) => write.fire(decoder.decode(chunk, { stream: true })));
          socket.on('close', () => {
            void client
              .request<ExecStatus>('GET', paths.execStatus(execId ?? ''))
              .then((status) => close.fire(status.exitCode ?? 0))
              .catch(() => close.fire(0));
          });
        } catch (error) {
          write.fire(`\r\nDrydock could not open a terminal in ${workspace}: ${errorMessage(error)}\r\n`);
        }
      })();
    },
    handleInput: (data) => {
      onInput();
      if (socket) socket.write(data);
      else pendingInput += data;
    },
    setDimensions: (dimensions) => {
      pendingSize = dimensions;
      if (!execId) return;
      void connection
        .api()
        .then((client) => client.request('POST', paths.execResize(execId ?? ''), { columns: dimensions.columns, rows: dimensions.rows }))
        .catch(() => undefined);
    },
    close: () => socket?.destroy(),
  };
  return vscode.window.createTerminal({ name: `Drydock: ${workspace}`, pty, iconPath: new vscode.ThemeIcon('vm') });
}
