import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { endpoints, pathFor, type BodyOf, type EndpointName, type ParamsOf, type ResponseOf } from '../../src/api/endpoints';
import type { WorkspaceView } from '../../src/api/views';
import { createHandlers, type HandlerDeps } from '../../src/backend/api/handlers';
import { bodySchemas, querySchemas } from '../../src/backend/api/validation';
import { DrydockClient } from '../../src/client/drydockClient';

const names = Object.keys(endpoints) as EndpointName[];

void describe('the API contract', () => {
  void it('gives every endpoint a distinct method and path', () => {
    const seen = names.map((name) => `${endpoints[name].method} ${endpoints[name].path.replace(/:\w+/g, ':')}`);
    assert.equal(new Set(seen).size, seen.length, seen.join('\n'));
    for (const name of names) assert.match(endpoints[name].path, /^\/v1\//, name);
  });

  void it('has a handler for exactly the endpoints of the table', () => {
    // The handlers only close over their dependencies; none runs here.
    const handlers = createHandlers({} as HandlerDeps);
    assert.deepEqual(Object.keys(handlers).sort(), [...names].sort());
  });

  void it('has a body and query schema entry for every JSON endpoint, and only for those', () => {
    const json = names.filter((name) => endpoints[name].kind === 'json').sort();
    assert.deepEqual(Object.keys(bodySchemas).sort(), json);
    assert.deepEqual(Object.keys(querySchemas).sort(), json);
  });

  void it('fills path parameters percent-encoded, and refuses a missing one', () => {
    assert.equal(pathFor(endpoints.buildLog.path, { name: 'api', buildId: 'a/b c' }), '/v1/workspaces/api/builds/a%2Fb%20c/log');
    assert.throws(() => pathFor(endpoints.rebuild.path, {}), /name missing/);
  });

  void it('is described endpoint by endpoint in docs/api.md', () => {
    const doc = readFileSync(join(__dirname, '../../../docs/api.md'), 'utf8');
    const missing = names.filter((name) => !doc.includes(endpoints[name].path));
    assert.deepEqual(missing, [], `docs/api.md does not list: ${missing.map((name) => `${name} ${endpoints[name].path}`).join(', ')}`);
  });

  void it('types the client by the table: a wrong path, body or answer does not compile', () => {
    const client = new DrydockClient('/nonexistent/socket');
    // These are type checks, compiled by `npm run build`; nothing is sent (the closures never run).
    const checks = [
      // @ts-expect-error rebuild's changes are spec fields, not a number
      () => client.call('rebuild', { name: 'a' }, { changes: 5 }),
      // @ts-expect-error cpus is a number on the wire
      () => client.rebuild('a', { cpus: '2' }),
      // @ts-expect-error a workspace path needs its name
      () => client.call('getWorkspace', {}, undefined),
      // @ts-expect-error unknown endpoint
      () => client.call('getWorkspaces', {}, undefined),
      // @ts-expect-error the exec body needs its command
      () => client.call('startExec', { name: 'a' }, { tty: true }),
    ];
    const answer: ResponseOf<'getWorkspace'> = { workspace: {} as WorkspaceView };
    // @ts-expect-error listWorkspaces answers { workspaces }, not an array
    const wrongAnswer: ResponseOf<'listWorkspaces'> = [];
    const params: ParamsOf<'renewLease'> = { name: 'a', leaseId: 'b' };
    const body: BodyOf<'extend'> = { duration: '1h' };
    assert.equal(checks.length, 5);
    assert.ok(answer && wrongAnswer && params && body);
  });
});
