import type { ScheduleRequest } from '../../api/schemas';
import { UsageError, parse, requireName, type Command } from '../context';

export const schedule: Command = {
  usage: `drydock schedule NAME "CRON" [--tz ZONE]
drydock schedule NAME --weekdays HH:MM [--tz ZONE]
drydock schedule NAME off

At that time the backend rebuilds and starts the workspace if it is not
running, even with no VS Code open. ZONE is an IANA name; default the host's.

Examples:
  drydock schedule api --weekdays 09:00 --tz Europe/Berlin
  drydock schedule api "30 8 * * 1-5"
  drydock schedule api off`,
  async run(context) {
    const { values, positionals } = parse(context.args, { weekdays: { type: 'string' }, tz: { type: 'string' } });
    const name = requireName(positionals);
    const cron = positionals[1];
    let body: ScheduleRequest;
    if (cron === 'off' && !values.weekdays) body = { off: true };
    else if (values.weekdays && !cron) body = { weekdays: values.weekdays };
    else if (cron && !values.weekdays) body = { cron };
    else throw new UsageError('give either "CRON", --weekdays HH:MM, or off');
    if (values.tz) body.timeZone = values.tz;
    const workspace = await (await context.backend()).setSchedule(name, body);
    context.out(
      workspace.schedule
        ? `${name} starts ${workspace.schedule.description}; next: ${workspace.schedule.nextRun ?? 'never'}.`
        : `${name} has no auto-start schedule.`,
    );
    return 0;
  },
};
