// Bundles the three entry points. dockerode's ssh2 must stay inside the bundle
// (marking it external breaks loading); its optional natives stay external.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify: !watch,
  logLevel: 'warning',
  external: ['cpu-features', '*.node'],
};
const entries = [
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: [...common.external, 'vscode'] },
  { entryPoints: ['src/backend/main.ts'], outfile: 'dist/backend.js' },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
];
for (const entry of entries) {
  const options = { ...common, ...entry, external: entry.external ?? common.external };
  if (watch) await (await esbuild.context(options)).watch();
  else await esbuild.build(options);
}
