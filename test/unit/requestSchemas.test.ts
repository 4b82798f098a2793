import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as schemas from '../../src/api/schemas';
import { parseBody } from '../../src/backend/api/http';
import { assertInvalid } from '../support/refusals';

const refused = assertInvalid;

void describe('request bodies (the API schemas through the server check)', () => {
  void it('applies the defaults a client may leave out', () => {
    assert.deepEqual(parseBody(schemas.execRequestSchema, { command: ['bash'] }), { command: ['bash'], tty: false, stdin: true, env: {} });
    assert.deepEqual(parseBody(schemas.createRequestSchema, { spec: { name: 'api' } }), { spec: { name: 'api' }, build: true });
    assert.deepEqual(parseBody(schemas.leaseRequestSchema, { holder: 'ci' }), { holder: 'ci', ttl: '2m' });
    assert.deepEqual(parseBody(schemas.activityRequestSchema, {}), { source: 'api' });
  });

  void it('names every unknown field, each on its own line', () => {
    const message = refused(() => parseBody(schemas.execRequestSchema, { command: ['true'], colour: 1, size: 2 }), 'colour');
    assert.equal(message, 'colour: is not a field of this request; remove it.\nsize: is not a field of this request; remove it.');
  });

  void it('names a missing field with what to give', () => {
    refused(() => parseBody(schemas.leaseRequestSchema, {}), 'holder', 'holder: is required: who holds the lease');
    refused(() => parseBody(schemas.autoOffRequestSchema, {}), 'setting', 'setting: give "inherit", "off" or a duration');
  });

  void it('refuses a body that is a list, not an object', () => {
    refused(() => parseBody(schemas.execRequestSchema, []), 'body', 'body: must be a JSON object');
  });

  void it('says how to fix a bad value', () => {
    refused(() => parseBody(schemas.execRequestSchema, { command: [] }), 'command', 'e.g. ["bash", "-l"]');
    refused(() => parseBody(schemas.resizeRequestSchema, { columns: 0, rows: 24 }), 'columns', 'at least 1');
    refused(() => parseBody(schemas.resizeRequestSchema, { columns: 80, rows: 2.5 }), 'rows', 'whole number');
    refused(() => parseBody(schemas.extendRequestSchema, { until: 'tomorrow' }), 'until', '2026-11-28T18:00:00Z');
    refused(() => parseBody(schemas.extendRequestSchema, {}), 'body', 'either duration');
    refused(() => parseBody(schemas.activityRequestSchema, { source: 'mouse' }), 'source', '"editor", "terminal", "cli" or "api"');
    refused(() => parseBody(schemas.deleteQuerySchema, { deleteHome: 'yes' }), 'deleteHome', '"true" or "false"');
  });

  void it('takes an ISO time with a zone offset', () => {
    assert.deepEqual(parseBody(schemas.extendRequestSchema, { until: '2026-11-28T18:00:00+01:00' }), { until: '2026-11-28T18:00:00+01:00' });
  });
});
