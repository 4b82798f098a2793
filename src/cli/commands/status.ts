import { busyText } from '../../core/busy';
import { parse, printJson, requireName, type Command } from '../context';
import { imageLine, updateLine } from '../imageLines';

export const status: Command = {
  usage: `drydock status NAME [--check] [--json]

Image shows the reference and the registry digest the last build ran.
Update says whether the registry's tag has moved since: known from the last
pull or check (the backend checks each tag at most daily, with a manifest
HEAD only); --check asks the registry now. A moved tag is pulled ahead in the
background: Update shows the pull's progress, why it was skipped (the
engine's free disk below the policy's floor), or "ready" once it is local.

Examples:
  drydock status api
  drydock status api --check
  drydock status api --json`,
  async run(context) {
    const { values, positionals } = parse(context.args, { json: { type: 'boolean' }, check: { type: 'boolean' } });
    const name = requireName(positionals);
    const client = await context.backend();
    const workspace = values.check ? await client.checkUpdate(name) : await client.workspace(name);
    if (values.json) {
      printJson(context, workspace);
      return 0;
    }
    const lines: [string, string | undefined][] = [
      ['Workspace', workspace.name],
      ['State', workspace.notice ? `${workspace.state}: ${workspace.notice}` : workspace.state],
      ['Engine', workspace.engineError ? `${workspace.engine} (unreachable: ${workspace.engineError})` : workspace.engine],
      ['Image', imageLine(workspace)],
      ['Update', updateLine(workspace)],
      ['User', workspace.user ?? '(the image USER)'],
      ['CPUs', workspace.cpus !== undefined ? String(workspace.cpus) : 'no limit'],
      ['Memory', workspace.memory ?? 'no limit'],
      ['Home volume', workspace.homeVolume],
      ['Dotfiles', workspace.dotfiles ? `${workspace.dotfiles.url}${workspace.dotfiles.branch ? ` (${workspace.dotfiles.branch})` : ''}` : undefined],
      ['Built', workspace.builtAt],
      [
        'Auto-off',
        workspace.autoOff
          ? `${workspace.autoOff.threshold} (${workspace.autoOff.source}${workspace.autoOff.locked ? `, locked: ${workspace.autoOff.lockedReason ?? 'by policy'}` : ''})`
          : undefined,
      ],
      ['Deadline', workspace.deadline ? `${workspace.deadline}${workspace.leases ? ` (held by ${workspace.leases} lease(s))` : ''}` : undefined],
      ['Auto-start', workspace.schedule ? `${workspace.schedule.description}; next ${workspace.schedule.nextRun ?? 'never'}` : 'none'],
      [
        'Last start',
        workspace.schedule?.lastAutoStart
          ? `${workspace.schedule.lastAutoStart.status} at ${workspace.schedule.lastAutoStart.at}${workspace.schedule.lastAutoStart.message ? `: ${workspace.schedule.lastAutoStart.message}` : ''}`
          : undefined,
      ],
      ['Forced', workspace.forcedRebuild ? `rebuild at ${workspace.forcedRebuild.at}: ${workspace.forcedRebuild.reason}` : undefined],
      [
        'Last build',
        workspace.lastBuild
          ? `${workspace.lastBuild.buildId} ${workspace.lastBuild.status}${workspace.lastBuild.message ? `: ${workspace.lastBuild.message}` : ''}`
          : undefined,
      ],
    ];
    for (const [label, value] of lines) if (value !== undefined) context.out(`${`${label}:`.padEnd(13)} ${value}`);
    for (const lease of workspace.busy ?? []) {
      context.out(
        `${'Busy:'.padEnd(13)} ${busyText(lease.holder, Date.parse(lease.since), Date.now()).slice('busy: '.length)}${lease.inside ? ' (inside)' : ''}`,
      );
    }
    for (const warning of workspace.lastBuild?.warnings ?? []) context.out(`warning:      ${warning}`);
    return 0;
  },
};
