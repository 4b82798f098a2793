import { readFile } from 'node:fs/promises';
import type { PolicyDocument } from '../../api/views';
import { errorMessage } from '../../core/errors';
import { UsageError, parse, printJson, type Command } from '../context';

export const policy: Command = {
  usage: `drydock policy [show] [--json]
drydock policy check FILE

"show" prints the policy the backend enforces and whether its file has a
problem. "check" validates a file without installing it (exit 1 if invalid).

Examples:
  drydock policy
  drydock policy check ./policy.json`,
  async run(context) {
    const { values, positionals } = parse(context.args, { json: { type: 'boolean' } });
    const action = positionals[0] ?? 'show';
    if (action === 'check') {
      const file = positionals[1];
      if (!file) throw new UsageError('missing FILE');
      try {
        // Loaded only here: the policy schema pulls in the validator, which most commands never need.
        const { parsePolicy } = await import('../../core/policy');
        parsePolicy(JSON.parse(await readFile(file, 'utf8')) as unknown, file);
      } catch (error) {
        context.err(errorMessage(error));
        return 1;
      }
      context.out(`${file}: valid.`);
      return 0;
    }
    if (action !== 'show') throw new UsageError(`unknown policy action "${action}"`);
    const view = await (await context.backend()).policy();
    if (values.json) {
      printJson(context, view);
      return 0;
    }
    context.out(`Policy: ${view.source === 'file' ? view.path : `built-in defaults (no ${view.path})`}`);
    context.out(JSON.stringify(asPolicyFile(view.policy), null, 2));
    if (view.error) context.err(`problem: ${view.error}`);
    return view.error ? 1 : 0;
  },
};

/** The policy as its file would say it: the file's keys, in the file's order, and nothing else. */
function asPolicyFile(policy: PolicyDocument): PolicyDocument {
  const { autoOff, forcedRebuild, pullAhead } = policy;
  return {
    autoOff: {
      default: autoOff.default,
      allowUserChange: autoOff.allowUserChange,
      allowDisable: autoOff.allowDisable,
      ...(autoOff.min !== undefined ? { min: autoOff.min } : {}),
      ...(autoOff.max !== undefined ? { max: autoOff.max } : {}),
      ...(autoOff.maxExtension !== undefined ? { maxExtension: autoOff.maxExtension } : {}),
      ...(autoOff.maxLease !== undefined ? { maxLease: autoOff.maxLease } : {}),
      warnBefore: autoOff.warnBefore,
    },
    ...(forcedRebuild ? { forcedRebuild: { builtAfter: forcedRebuild.builtAfter, reason: forcedRebuild.reason } } : {}),
    pullAhead: { enabled: pullAhead.enabled, minFreeDisk: pullAhead.minFreeDisk },
  };
}
