import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { VERSION } from '../../src/core/version';

const root = join(__dirname, '../../..');
const dist = (file: string): string => join(root, 'dist', file);

void describe('bundles (npm run build)', () => {
  void it('keeps the version equal to package.json', () => {
    assert.equal(VERSION, (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version);
  });

  void it('the CLI bundle starts and prints its version', () => {
    assert.equal(execFileSync(process.execPath, [dist('cli.js'), '--version'], { encoding: 'utf8' }).trim(), VERSION);
  });

  void it('the CLI help lists each command once, and engine lists all its subcommands', () => {
    const help = execFileSync(process.execPath, [dist('cli.js'), '--help'], { encoding: 'utf8' });
    const names = [...help.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((match) => match[1]);
    assert.ok(names.includes('engine') && names.includes('rebuild'), help);
    assert.deepEqual(names, [...new Set(names)], `a command listed twice:\n${help}`);
    const engine = execFileSync(process.execPath, [dist('cli.js'), 'engine', '--help'], { encoding: 'utf8' });
    for (const sub of ['ls', 'add', 'rm', 'default', 'trust']) assert.match(engine, new RegExp(`^ {2}${sub} `, 'm'), engine);
  });

  void it('the backend bundle starts and prints its version', () => {
    assert.equal(execFileSync(process.execPath, [dist('backend.js'), '--version'], { encoding: 'utf8' }).trim(), VERSION);
  });

  void it("the backend's SSH transport and BuildKit session load from bundles of their own, on first use", () => {
    const backend = readFileSync(dist('backend.js'), 'utf8');
    for (const part of ['backend-ssh.js', 'backend-session.js']) {
      assert.ok(backend.includes(`require("./${part}")`), `backend.js does not load ${part}`);
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading the built bundle is the point
      assert.equal(typeof require(dist(part)), 'function', `${part} does not export the module dockerode calls`);
    }
    // gRPC's code is not in the backend's own bundle.
    assert.ok(!backend.includes('grpc-node-js'), 'gRPC is still in backend.js');
  });

  void it('the extension bundle loads with only vscode external and exports activate', () => {
    // Outside a VS Code host there is no `vscode` module: give the loader an empty one.
    const loader = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
    const original = loader._resolveFilename;
    const fake = join(root, 'out/test/support/emptyVscode.js');
    loader._resolveFilename = (request, ...rest) => (request === 'vscode' ? fake : original(request, ...rest));
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading the built bundle is the point
      const extension = require(dist('extension.js')) as { activate: unknown; deactivate: unknown };
      assert.equal(typeof extension.activate, 'function');
      assert.equal(typeof extension.deactivate, 'function');
    } finally {
      loader._resolveFilename = original;
    }
  });
});
