import * as vscode from 'vscode';
import { nextLocalTime } from '../../core/duration';
import { api, chooseWorkspace, reportError, type CommandContext } from './context';

/** Extend: presets, or until a time (today, or tomorrow when it has passed). `answer` (a duration such as '30m') skips the question. */
export async function extendWorkspace(context: CommandContext, argument: unknown, answer?: unknown): Promise<void> {
  const name = await chooseWorkspace(context, argument, 'Workspace to keep running', (state) => state === 'running');
  if (!name) return;
  const picked =
    typeof answer === 'string' && answer
      ? answer
      : await vscode.window.showQuickPick(['30m', '1h', '2h', '4h', 'Until...'], { placeHolder: `Keep ${name} running for` });
  if (!picked) return;
  let by: { duration: string } | { until: Date } = { duration: picked };
  if (picked === 'Until...') {
    const time = await vscode.window.showInputBox({
      title: 'Keep running until (HH:MM, today)',
      validateInput: (value) => (isTimeOfDay(value) ? undefined : 'A 24-hour time such as 18:30.'),
    });
    if (!time) return;
    by = { until: nextLocalTime(time) };
  }
  try {
    await (await api(context)).extend(name, by);
  } catch (error) {
    reportError(context, `Could not extend ${name}`, error);
  }
}

/** The core's reading of a time of day decides, so the box accepts exactly what is sent. */
function isTimeOfDay(value: string): boolean {
  try {
    nextLocalTime(value);
    return true;
  } catch {
    return false;
  }
}
