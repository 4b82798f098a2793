import * as vscode from 'vscode';
import type { ScheduleRequest } from '../../api/schemas';
import { checkTimeZone, hostTimeZone, nextRun, parseCron, weekdaysAt } from '../../core/schedule';
import { api, chooseWorkspace, reportError, type CommandContext } from './context';

/** Set Auto-Start: presets such as weekdays 09:00, or a custom cron and zone; shows the next run. */
export async function setAutoStart(context: CommandContext, argument: unknown): Promise<void> {
  const name = await chooseWorkspace(context, argument, 'Workspace to schedule');
  if (!name) return;
  const zone = hostTimeZone();
  const presets: { label: string; body: ScheduleRequest | undefined }[] = [
    { label: 'Weekdays at 09:00', body: { weekdays: '09:00' } },
    { label: 'Weekdays at 08:00', body: { weekdays: '08:00' } },
    { label: 'Every day at 09:00', body: { cron: '0 9 * * *' } },
    { label: 'Custom cron...', body: undefined },
    { label: 'No auto-start', body: { off: true } },
  ];
  const preset = await vscode.window.showQuickPick(
    presets.map((item) => ({ ...item, description: item.body && !('off' in item.body) ? `in ${zone}` : '' })),
    { placeHolder: `When should ${name} start itself?` },
  );
  if (!preset) return;
  let body: ScheduleRequest | undefined = preset.body ? { ...preset.body } : undefined;
  if (!body) {
    const cron = await vscode.window.showInputBox({
      title: 'Cron expression (minute hour day month weekday)',
      value: weekdaysAt('09:00'),
      validateInput: (value) => {
        try {
          parseCron(value);
          const next = nextRun({ expression: value, timeZone: zone }, new Date());
          return next ? { message: `Next run: ${next.toLocaleString()}`, severity: vscode.InputBoxValidationSeverity.Info } : 'This schedule never runs.';
        } catch (error) {
          return (error as Error).message;
        }
      },
    });
    if (!cron) return;
    const timeZone = await vscode.window.showInputBox({
      title: 'Time zone (IANA)',
      value: zone,
      validateInput: (value) => {
        try {
          checkTimeZone(value);
          return undefined;
        } catch (error) {
          return (error as Error).message;
        }
      },
    });
    if (!timeZone) return;
    body = { cron, timeZone };
  } else if (!('off' in body)) body.timeZone = zone;
  try {
    const workspace = await (await api(context)).setSchedule(name, body);
    void vscode.window.showInformationMessage(
      workspace.schedule
        ? `${name} starts ${workspace.schedule.description}; next ${workspace.schedule.nextRun ? new Date(workspace.schedule.nextRun).toLocaleString() : 'never'}.`
        : `${name} has no auto-start.`,
    );
  } catch (error) {
    reportError(context, `Could not schedule ${name}`, error);
  }
}
