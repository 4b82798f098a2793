import { UsageError, parse, printJson, requireName, type Command } from '../context';

export const engineAdd: Command = {
  usage: `drydock engine add NAME (--host URL | --context CTX) [--json]

Adds a Docker engine under NAME: by address (unix:///path/docker.sock,
tcp://host:2376 with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, ssh://user@host)
or by Docker context (docker context ls). An engine that does not answer yet
is kept, and engine ls says why; Drydock connects when it does.

Examples:
  drydock engine add big --host ssh://me@build-box
  drydock engine add lab --context lab`,
  async run(context) {
    const { values, positionals } = parse(context.args, { host: { type: 'string' }, context: { type: 'string' }, json: { type: 'boolean' } });
    const name = requireName(positionals);
    if ((values.host === undefined) === (values.context === undefined)) throw new UsageError('give either --host URL or --context CTX');
    const client = await context.backend();
    const engine = await client.addEngine(name, values.host !== undefined ? { host: values.host } : { context: values.context ?? '' });
    if (values.json) {
      printJson(context, engine);
      return 0;
    }
    if (engine.reachable) context.out(`Added engine ${name}: Docker ${engine.version ?? '?'} at ${engine.endpoint ?? engine.address ?? ''}.`);
    else context.out(`Added engine ${name}, which does not answer yet (${engine.error ?? 'no answer'}); Drydock connects when it does.`);
    return 0;
  },
};
