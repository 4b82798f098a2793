import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { COMMAND_IDS } from '../../src/extension/commandIds';
import { timeLeft } from '../../src/extension/timeLeft';

const manifest = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as {
  engines: { vscode: string };
  contributes: { commands: { command: string }[]; views: Record<string, { id: string }[]>; menus: Record<string, { command: string }[]> };
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
