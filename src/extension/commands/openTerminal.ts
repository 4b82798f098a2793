import { openWorkspaceTerminal } from '../workspaceTerminal';
import { chooseWorkspace, type CommandContext } from './context';

/** Open Terminal: an integrated terminal in the workspace as its user; it becomes the current workspace. */
export async function openTerminal(context: CommandContext, argument: unknown): Promise<void> {
  const name = await chooseWorkspace(context, argument, 'Workspace to open a terminal in', (state) => state === 'running');
  if (!name) return;
  await context.current.set(name);
  openWorkspaceTerminal(context.connection, name, () => context.activity.heartbeat(true)).show();
}
