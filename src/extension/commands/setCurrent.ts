import { chooseWorkspace, type CommandContext } from './context';

/** Set Current: the workspace this window works in (the status bar's countdown, activity). */
export async function setCurrent(context: CommandContext, argument: unknown): Promise<void> {
  const name = await chooseWorkspace(context, argument, 'The workspace this window works in');
  if (name) await context.current.set(name);
}
