import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { DrydockError } from '../../core/errors';
import type { InteractiveExec } from '../../docker/adapter';
import type { WorkspaceService } from './workspaceService';

/** What to run: the command as the workspace user, with or without a TTY. */
export interface ExecOptions {
  command: string[];
  tty: boolean;
  stdin: boolean;
  env: Record<string, string>;
  columns?: number | undefined;
  rows?: number | undefined;
  workingDir?: string | undefined;
}

interface Session {
  workspace: string;
  exec: InteractiveExec;
  size?: { columns: number; rows: number };
  attached: boolean;
  createdAt: number;
}

/** Sessions are forgotten this long after creation, attached or not (a crashed client must not leak them). */
const SESSION_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Interactive processes in workspaces (`drydock exec`, `drydock shell`, the
 * extension's terminals), run as the workspace user and relayed by the
 * backend, so clients never talk to Docker themselves.
 */
export class ExecSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly service: WorkspaceService) {}

  async start(workspace: string, request: ExecOptions): Promise<{ execId: string }> {
    const { docker, ...container } = await this.service.runningContainer(workspace);
    const exec = await docker.containers.interactiveExec(container.id, {
      command: request.command,
      user: container.user,
      tty: request.tty,
      stdin: request.stdin,
      env: { HOME: container.home, USER: container.user, ...(request.tty ? { TERM: 'xterm-256color' } : {}), ...request.env },
      workingDir: request.workingDir ?? container.home,
    });
    this.prune();
    const execId = `${exec.id.slice(0, 16)}${randomBytes(4).toString('hex')}`;
    this.sessions.set(execId, {
      workspace,
      exec,
      attached: false,
      createdAt: Date.now(),
      ...(request.columns && request.rows ? { size: { columns: request.columns, rows: request.rows } } : {}),
    });
    return { execId };
  }

  async attach(execId: string): Promise<{ stream: Duplex; workspace: string }> {
    const session = this.require(execId);
    if (session.attached) throw new DrydockError('conflict', `exec ${execId} is already attached; start a new one.`);
    session.attached = true;
    const stream = await session.exec.attach();
    if (session.size) await session.exec.resize(session.size.columns, session.size.rows);
    return { stream, workspace: session.workspace };
  }

  async resize(execId: string, columns: number, rows: number): Promise<void> {
    const session = this.require(execId);
    session.size = { columns, rows };
    if (session.attached) await session.exec.resize(columns, rows);
  }

  async status(execId: string): Promise<{ running: boolean; exitCode?: number }> {
    return this.require(execId).exec.status();
  }

  private require(execId: string): Session {
    const session = this.sessions.get(execId);
    if (!session) throw new DrydockError('not_found', `no exec session ${execId}; it ended or was never started.`, 'execId');
    return session;
  }

  private prune(): void {
    const oldest = Date.now() - SESSION_TTL_MS;
    for (const [id, session] of this.sessions) if (session.createdAt < oldest) this.sessions.delete(id);
  }
}
