import { parse, printJson, table, type Command } from '../context';

export const ls: Command = {
  usage: `drydock ls [--json]

List every workspace with its state, image and last build.

Examples:
  drydock ls
  drydock ls --json | jq '.[].name'`,
  async run(context) {
    const { values } = parse(context.args, { json: { type: 'boolean' } }, false);
    const workspaces = await (await context.backend()).listWorkspaces();
    if (values.json) {
      printJson(context, workspaces);
      return 0;
    }
    if (workspaces.length === 0) {
      context.out('No workspaces yet. Create one with `drydock create NAME --image IMAGE`.');
      return 0;
    }
    const rows = [['NAME', 'STATE', 'IMAGE', 'LAST BUILD']];
    for (const workspace of workspaces)
      rows.push([
        workspace.name,
        workspace.state,
        workspace.image,
        workspace.lastBuild ? `${workspace.lastBuild.status} ${workspace.lastBuild.finishedAt ?? workspace.lastBuild.startedAt}` : '-',
      ]);
    context.out(table(rows));
    return 0;
  },
};
