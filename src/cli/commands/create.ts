import { resolve } from 'node:path';
import { followOrReplay } from '../../client/buildFollower';
import { parseEnvPairs } from '../../core/envPairs';
import type { SpecInput } from '../../core/spec';
import { buildPrinter } from '../buildPrinter';
import { UsageError, parse, printJson, pullPolicy, requireName, specChanges, type Command } from '../context';

export const create: Command = {
  usage: `drydock create NAME --image IMAGE [--user U] [--cpus N] [--memory SIZE]
       [--env K=V]... [--dotfiles URL [--dotfiles-branch B]] [--ssh-key PATH]
       [--secret SRC:TARGET[:MODE]]... [--configure PATH] [--hook-timeout 10m]
       [--pull always|missing|never] [--engine NAME|auto] [--no-build] [--json]

Creates the workspace and its home volume, then builds it (unless --no-build),
following the build log. The exit code is the build's result.

--pull is the workspace's pull policy for every build: always (the default for
a tag: each build pulls the tag's latest; an image built or loaded on this
engine is used as is), missing (pull only when the engine lacks it) or never.
A digest-pinned image (NAME@sha256:...) is pulled only when missing.
Credentials are the docker CLI's (docker login, credential helpers).

--engine puts the workspace on an engine of \`drydock engine ls\` (auto: the
reachable one with the most memory free after its workspaces' limits);
without it, the default engine. The workspace stays there: its home is there.

Examples:
  drydock create api --image ubuntu:24.04 --user dev --cpus 2 --memory 4g
  drydock create web --image ghcr.io/acme/dev:latest --dotfiles https://github.com/me/dotfiles
  drydock create ops --image debian:12 --ssh-key ~/.ssh/id_ed25519 --secret ~/.netrc:.netrc:0600`,
  async run(context) {
    const { values, positionals } = parse(context.args, {
      image: { type: 'string' },
      user: { type: 'string' },
      cpus: { type: 'string' },
      memory: { type: 'string' },
      env: { type: 'string', multiple: true },
      dotfiles: { type: 'string' },
      'dotfiles-branch': { type: 'string' },
      'ssh-key': { type: 'string' },
      secret: { type: 'string', multiple: true },
      configure: { type: 'string' },
      'hook-timeout': { type: 'string' },
      pull: { type: 'string' },
      engine: { type: 'string' },
      'no-build': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const name = requireName(positionals);
    if (!values.image) throw new UsageError('--image is required: the image the workspace is built from');
    if (values['dotfiles-branch'] && !values.dotfiles) throw new UsageError('--dotfiles-branch needs --dotfiles');
    const spec: SpecInput = { name, ...(await specChanges(values)), image: values.image };
    if (values.env) spec.env = parseEnvPairs(values.env);
    if (values.dotfiles) spec.dotfiles = { url: localPath(values.dotfiles), ...(values['dotfiles-branch'] ? { branch: values['dotfiles-branch'] } : {}) };
    if (values['ssh-key']) spec.sshKey = resolve(values['ssh-key']);
    if (values.secret) spec.secrets = values.secret.map(parseSecret);
    if (values.configure) spec.configurePath = values.configure;
    if (values['hook-timeout']) spec.hookTimeout = values['hook-timeout'];
    if (values.pull) spec.pullPolicy = pullPolicy(values.pull);

    const client = await context.backend();
    const created = await client.createWorkspace(spec, { build: !values['no-build'], ...(values.engine ? { engine: values.engine } : {}) });
    if (!created.buildId) {
      if (values.json) printJson(context, created.workspace);
      else context.out(`Created ${name} (off) on engine ${created.workspace.engine}. Build it with \`drydock rebuild ${name}\`.`);
      return 0;
    }
    const quiet = (): void => undefined;
    const status = await followOrReplay(client, name, created.buildId, values.json ? quiet : buildPrinter(context), values.json ? quiet : context.out);
    if (values.json) printJson(context, await client.workspace(name));
    return status === 'running' ? 0 : 1;
  },
};

/** `SRC:TARGET[:MODE]`: the source is a host path, resolved here where the user typed it. */
export function parseSecret(text: string): { source: string; target: string; mode?: string } {
  const parts = text.split(':');
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1])
    throw new UsageError(`--secret ${text}: write it as SRC:TARGET[:MODE], e.g. ~/.netrc:.netrc:0600`);
  return { source: resolve(parts[0]), target: parts[1], ...(parts[2] ? { mode: parts[2] } : {}) };
}

/** A relative dotfiles path is a local repository, made absolute for the backend. */
function localPath(url: string): string {
  return url.startsWith('.') ? resolve(url) : url;
}
