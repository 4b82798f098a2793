import * as vscode from 'vscode';
import { paths, type PolicyView } from '../../backend/api/protocol';
import { api, chooseWorkspace, reportError, type CommandContext } from './context';

/** Set Auto-Off: the choices the policy allows; a locked setting explains why. */
export async function setAutoOff(context: CommandContext, argument: unknown): Promise<void> {
  const name = await chooseWorkspace(context, argument, 'Workspace to set auto-off for');
  if (!name) return;
  const workspace = context.cache.get(name);
  try {
    const client = await api(context);
    const { policy } = await client.request<PolicyView>('GET', paths.policy);
    const rules = (policy as { autoOff?: { userMayChange?: boolean; userMayDisable?: boolean } }).autoOff ?? {};
    if (workspace?.autoOff?.locked && rules.userMayChange === false) {
      void vscode.window.showInformationMessage(`Auto-off for ${name} is ${workspace.autoOff.threshold}, set by your organization: ${workspace.autoOff.lockedReason ?? 'locked by policy'}.`);
      return;
    }
    const choices = [
      { label: 'Inherit', description: 'the policy default', setting: 'inherit' },
      ...['30m', '1h', '2h', '4h', '8h'].map((duration) => ({ label: duration, description: '', setting: duration })),
      { label: 'Custom...', description: 'any duration such as 90m', setting: '' },
      ...(rules.userMayDisable === false ? [] : [{ label: 'Off', description: 'never stop for inactivity', setting: 'off' }]),
    ];
    const picked = await vscode.window.showQuickPick(choices, { placeHolder: `Auto-off for ${name} (now ${workspace?.autoOff?.threshold ?? '?'}, ${workspace?.autoOff?.source ?? ''})` });
    if (!picked) return;
    const setting = picked.setting || (await vscode.window.showInputBox({ title: 'Auto-off after', prompt: 'e.g. 90m or 3h' }));
    if (!setting) return;
    await client.request('PUT', paths.autoOff(name), { setting });
  } catch (error) {
    reportError(context, `Could not set auto-off for ${name}`, error);
  }
}

/** Extend: presets, or until a time today. */
export async function extendWorkspace(context: CommandContext, argument: unknown): Promise<void> {
  const name = await chooseWorkspace(context, argument, 'Workspace to keep running', (state) => state === 'running');
  if (!name) return;
  const picked = await vscode.window.showQuickPick(['30m', '1h', '2h', '4h', 'Until...'], { placeHolder: `Keep ${name} running for` });
  if (!picked) return;
  let body: { duration?: string; until?: string } = { duration: picked };
  if (picked === 'Until...') {
    const time = await vscode.window.showInputBox({ title: 'Keep running until (HH:MM, today)', validateInput: (value) => (/^([01]?\d|2[0-3]):[0-5]\d$/.test(value) ? undefined : 'A 24-hour time such as 18:30.') });
    if (!time) return;
    const [hours, minutes] = time.split(':').map(Number);
    const until = new Date();
    until.setHours(hours ?? 0, minutes ?? 0, 0, 0);
    if (until.getTime() <= Date.now()) until.setDate(until.getDate() + 1);
    body = { until: until.toISOString() };
  }
  try {
    await (await api(context)).request('POST', paths.extend(name), body);
  } catch (error) {
    reportError(context, `Could not extend ${name}`, error);
  }
}
