import { paths, type WorkspaceView } from '../../backend/api/protocol';
import { UsageError, parse, requireName, type Command } from '../context';

export const autooff: Command = {
  name: 'autooff',
  summary: "set a workspace's inactivity shutdown (a duration, off, or inherit)",
  usage: `drydock autooff NAME DURATION|off|inherit

Sets how long the workspace may sit idle before it is stopped, within what the
organization policy allows (\`drydock policy\` shows it). "inherit" follows
the policy's default.

Examples:
  drydock autooff api 90m
  drydock autooff api off
  drydock autooff api inherit`,
  async run(context) {
    const { positionals } = parse(context.args, {});
    const name = requireName(positionals);
    const setting = positionals[1];
    if (!setting) throw new UsageError('missing the setting: a duration such as 90m, off, or inherit');
    const { workspace } = await (await context.backend()).request<{ workspace: WorkspaceView }>('PUT', paths.autoOff(name), { setting });
    const autoOff = workspace.autoOff;
    context.out(`${name}: auto-off ${autoOff?.threshold ?? setting} (${autoOff?.source ?? 'workspace'}${autoOff?.locked ? ', locked by policy' : ''})${workspace.deadline ? `; stops at ${workspace.deadline} without activity` : ''}.`);
    return 0;
  },
};

export const extend: Command = {
  name: 'extend',
  summary: "push a workspace's inactivity deadline out",
  usage: `drydock extend NAME DURATION | drydock extend NAME --until HH:MM

Keeps the workspace running at least that long (or until that local time
today, or tomorrow if it has passed), within the policy's longest extension.

Examples:
  drydock extend api 2h
  drydock extend api --until 18:30`,
  async run(context) {
    const { values, positionals } = parse(context.args, { until: { type: 'string' } });
    const name = requireName(positionals);
    let body: { duration?: string; until?: string };
    if (values.until) body = { until: untilToday(values.until).toISOString() };
    else if (positionals[1]) body = { duration: positionals[1] };
    else throw new UsageError('give a duration (e.g. 2h) or --until HH:MM');
    const { deadline } = await (await context.backend()).request<{ deadline: string | null }>('POST', paths.extend(name), body);
    context.out(deadline ? `${name} now stops at ${new Date(deadline).toLocaleString()} at the earliest, without activity.` : `${name} has auto-off turned off.`);
    return 0;
  },
};

/** HH:MM as the next such local time. */
export function untilToday(text: string, now = new Date()): Date {
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!match) throw new UsageError(`--until ${text}: give a 24-hour time such as 18:30`);
  const until = new Date(now);
  until.setHours(Number(match[1]), Number(match[2]), 0, 0);
  if (until.getTime() <= now.getTime()) until.setDate(until.getDate() + 1);
  return until;
}
