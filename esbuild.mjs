// Bundles the three entry points. dockerode's ssh2 must stay inside the bundle
// (marking it external breaks loading); its optional natives stay external.
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * dockerode loads ssh2 (only for ssh:// engines) and gRPC (only for BuildKit
 * sessions) at start-up: about 16 MB of the backend's memory for features it
 * rarely uses. These two modules become stubs that load the real ones on
 * first call; they stay inside the bundle, as ssh2 must.
 */
const lazyModules = {
  name: 'lazy-dockerode-extras',
  setup(build) {
    const targets = [
      { importer: /docker-modem[\\/]lib[\\/]modem\.js$/, path: './ssh', real: join(dirname(require.resolve('docker-modem/lib/modem.js')), 'ssh.js') },
      { importer: /dockerode[\\/]lib[\\/]docker\.js$/, path: './session', real: join(dirname(require.resolve('dockerode/lib/docker.js')), 'session.js') },
    ];
    build.onResolve({ filter: /^\.\/(ssh|session)$/ }, (args) => {
      const target = targets.find((candidate) => candidate.path === args.path && candidate.importer.test(args.importer));
      return target ? { path: target.real, namespace: 'lazy' } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      contents: `module.exports = function () { return require(${JSON.stringify(args.path)}).apply(this, arguments); };`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

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
  plugins: [lazyModules],
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
