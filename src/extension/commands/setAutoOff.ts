import * as vscode from 'vscode';
import { api, chooseWorkspace, reportError, type CommandContext } from './context';

/** Set Auto-Off: the choices the policy allows; a locked setting explains why. `answer` (e.g. '1h', 'inherit', 'off') skips the question. */
export async function setAutoOff(context: CommandContext, argument: unknown, answer?: unknown): Promise<void> {
  const name = await chooseWorkspace(context, argument, 'Workspace to set auto-off for');
  if (!name) return;
  const workspace = context.cache.get(name);
  try {
    const client = await api(context);
    const { autoOff: rules } = (await client.policy()).policy;
    if (workspace?.autoOff?.locked && !rules.allowUserChange) {
      void vscode.window.showInformationMessage(
        `Auto-off for ${name} is ${workspace.autoOff.threshold}, set by your organization: ${workspace.autoOff.lockedReason ?? 'locked by policy'}.`,
      );
      return;
    }
    if (typeof answer === 'string' && answer) {
      await client.setAutoOff(name, answer);
      return;
    }
    const choices = [
      { label: 'Inherit', description: 'the policy default', setting: 'inherit' },
      ...['30m', '1h', '2h', '4h', '8h'].map((duration) => ({ label: duration, description: '', setting: duration })),
      { label: 'Custom...', description: 'any duration such as 90m', setting: '' },
      ...(rules.allowDisable ? [{ label: 'Off', description: 'never stop for inactivity', setting: 'off' }] : []),
    ];
    const picked = await vscode.window.showQuickPick(choices, {
      placeHolder: `Auto-off for ${name} (now ${workspace?.autoOff?.threshold ?? '?'}, ${workspace?.autoOff?.source ?? ''})`,
    });
    if (!picked) return;
    const setting = picked.setting || (await vscode.window.showInputBox({ title: 'Auto-off after', prompt: 'e.g. 90m or 3h' }));
    if (!setting) return;
    await client.setAutoOff(name, setting);
  } catch (error) {
    reportError(context, `Could not set auto-off for ${name}`, error);
  }
}
