import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { COMMAND_IDS } from '../../src/extension/commandIds';
import { timeLeft } from '../../src/extension/timeLeft';

const manifest = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as {
  engines: { vscode: string };
  capabilities?: { untrustedWorkspaces?: { supported: boolean | 'limited'; description?: string; restrictedConfigurations?: string[] } };
  contributes: {
    commands: { command: string }[];
    views: Record<string, { id: string }[]>;
    viewsWelcome: { view: string; contents: string }[];
    menus: Record<string, { command: string }[]>;
    configuration: { properties: Record<string, { scope?: string }> };
  };
  devDependencies: Record<string, string>;
};

void describe('extension manifest', () => {
  void it('contributes exactly the commands the extension registers', () => {
    assert.deepEqual(manifest.contributes.commands.map((command) => command.command).sort(), [...COMMAND_IDS].sort());
  });

  void it('only puts contributed commands in menus', () => {
    const known = new Set<string>(COMMAND_IDS);
    for (const [menu, items] of Object.entries(manifest.contributes.menus))
      for (const item of items) assert.ok(known.has(item.command), `${menu}: ${item.command}`);
  });

  void it('lets only the user choose the program it starts as the backend', () => {
    // machine: ignored in a folder's settings (and in local user settings of a remote window).
    assert.equal(manifest.contributes.configuration.properties['drydock.backendNodePath']?.scope, 'machine');
    const trust = manifest.capabilities?.untrustedWorkspaces;
    assert.equal(trust?.supported, 'limited');
    assert.ok(trust.description, 'Restricted Mode says what is limited');
    assert.deepEqual(trust.restrictedConfigurations, ['drydock.backendNodePath']);
  });

  void it('has no ${...} in welcome content, which VS Code shows as typed', () => {
    for (const welcome of manifest.contributes.viewsWelcome) assert.doesNotMatch(welcome.contents, /\$\{/, welcome.contents);
  });

  void it('accepts VS Code 1.100, the newest host this machine can run, with types no newer', () => {
    assert.equal(manifest.engines.vscode, '^1.100.0');
    assert.equal(manifest.devDependencies['@types/vscode'], '1.100.0');
  });
});

void describe('countdown text', () => {
  void it('reads as people read a countdown', () => {
    assert.equal(timeLeft(45_400), '45s');
    assert.equal(timeLeft(-5), '0s');
    assert.equal(timeLeft(42 * 60_000), '42m');
    assert.equal(timeLeft(65 * 60_000), '1h 05m');
  });
});
