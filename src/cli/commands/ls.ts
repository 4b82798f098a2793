import { parse, printJson, table, type Command } from '../context';
import { updateColumn } from '../imageLines';

export const ls: Command = {
  usage: `drydock ls [--check] [--json]

List every workspace with its state, image, whether an update of its image is
available, and its last build (and its engine, when any is not "local"). UPDATE is "available" when the registry's tag
has moved since the image the workspace was built from (rebuild to take it),
"pulling" while the backend pulls it ahead in the background, "ready" once it
is on the engine (the rebuild then neither downloads nor asks the registry),
"-" when not, "?" when the registry could not be asked, and empty before the
first check. --check asks each registry now (a manifest HEAD, nothing pulled).

Examples:
  drydock ls
  drydock ls --check
  drydock ls --json | jq '.[].name'`,
  async run(context) {
    const { values } = parse(context.args, { json: { type: 'boolean' }, check: { type: 'boolean' } }, false);
    const { client, value: listed } = await context.read((backend) => backend.listWorkspaces());
    let workspaces = listed;
    if (values.check) workspaces = await Promise.all(workspaces.map((workspace) => client.checkUpdate(workspace.name)));
    if (values.json) {
      printJson(context, workspaces);
      return 0;
    }
    if (workspaces.length === 0) {
      context.out('No workspaces yet. Create one with `drydock create NAME --image IMAGE`.');
      return 0;
    }
    // Which engine each lives on matters only once there is more than the local one.
    const engines = workspaces.some((workspace) => workspace.engine !== 'local');
    const rows = [['NAME', ...(engines ? ['ENGINE'] : []), 'STATE', 'IMAGE', 'UPDATE', 'LAST BUILD']];
    for (const workspace of workspaces)
      rows.push([
        workspace.name,
        ...(engines ? [workspace.engine] : []),
        workspace.state,
        workspace.image,
        updateColumn(workspace),
        workspace.lastBuild ? `${workspace.lastBuild.status} ${workspace.lastBuild.finishedAt ?? workspace.lastBuild.startedAt}` : '-',
      ]);
    context.out(table(rows));
    return 0;
  },
};
