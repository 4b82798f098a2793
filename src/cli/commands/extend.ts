import { nextLocalTime } from '../../core/duration';
import { UsageError, optionValue, parse, requireName, type Command } from '../context';

export const extend: Command = {
  usage: `drydock extend NAME DURATION | drydock extend NAME --until HH:MM

Keeps the workspace running at least that long (or until that local time
today, or tomorrow if it has passed), within the policy's longest extension.

Examples:
  drydock extend api 2h
  drydock extend api --until 18:30`,
  async run(context) {
    const { values, positionals } = parse(context.args, { until: { type: 'string' } });
    const name = requireName(positionals);
    const { until } = values;
    let by: { duration: string } | { until: Date };
    if (until) by = { until: optionValue(() => nextLocalTime(until, new Date(), '--until')) };
    else if (positionals[1]) by = { duration: positionals[1] };
    else throw new UsageError('give a duration (e.g. 2h) or --until HH:MM');
    const { deadline } = await (await context.backend()).extend(name, by);
    context.out(
      deadline ? `${name} now stops at ${new Date(deadline).toLocaleString()} at the earliest, without activity.` : `${name} has auto-off turned off.`,
    );
    return 0;
  },
};
