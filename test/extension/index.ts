import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

/**
 * The extension tests' entry point, loaded inside a real VS Code extension
 * host: code-server's here, @vscode/test-electron's runTests where desktop
 * VS Code can be had. Resolves when every test passed; rejects when one
 * failed, and also when there was nothing to run (no *.test.js file next to
 * this one, or files without tests): a run that proved nothing is no pass.
 * DRYDOCK_EXTENSION_TESTS_DIR names another folder to load the test files
 * from (the harness self-check points it at an empty one).
 */
export function run(): Promise<void> {
  const dir = process.env.DRYDOCK_EXTENSION_TESTS_DIR || __dirname;
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.test.js'))
    .sort();
  const nothing = (why: string): Promise<void> => {
    console.error(`!!! ${why}`);
    return Promise.reject(new Error(why));
  };
  if (files.length === 0) return nothing(`no extension test files (*.test.js) in ${dir}: nothing was tested`);
  const mocha = new Mocha({ ui: 'bdd', timeout: 180_000, color: false, reporter: 'spec' });
  for (const file of files) mocha.addFile(join(dir, file));
  return new Promise((resolve, reject) => {
    let passed = 0;
    const runner = mocha.run((failures) => {
      if (failures > 0) reject(new Error(`${failures} extension test(s) failed`));
      else if (passed === 0) nothing(`mocha ran 0 tests from ${files.join(', ')}: nothing was tested`).catch(reject);
      else resolve();
    });
    runner.on('pass', () => (passed += 1));
  });
}
