// Bundles the three entry points, and the two parts of the backend it loads
// only when needed. dockerode's ssh2 must stay inside a bundle (marking it
// external breaks loading); its optional natives stay external.
import * as esbuild from 'esbuild';
import { chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * dockerode loads ssh2 (only for ssh:// engines) and gRPC (only for BuildKit
 * sessions) at start-up: about 16 MB of the backend's memory for features it
 * rarely uses. These two modules become stubs that load the real ones on
 * first call from bundles of their own beside the backend's
 * (dist/backend-ssh.js, dist/backend-session.js): until then their code
 * (over half the backend's) is neither run nor held in memory as source.
 * ssh2 stays inside a bundle, as it must.
 */
const lazyTargets = [
  {
    importer: /docker-modem[\\/]lib[\\/]modem\.js$/,
    path: './ssh',
    real: join(dirname(require.resolve('docker-modem/lib/modem.js')), 'ssh.js'),
    bundle: 'backend-ssh.js',
  },
  {
    importer: /dockerode[\\/]lib[\\/]docker\.js$/,
    path: './session',
    real: join(dirname(require.resolve('dockerode/lib/docker.js')), 'session.js'),
    bundle: 'backend-session.js',
  },
];
const lazyModules = {
  name: 'lazy-dockerode-extras',
  setup(build) {
    build.onResolve({ filter: /^\.\/(ssh|session)$/ }, (args) => {
      const target = lazyTargets.find((candidate) => candidate.path === args.path && candidate.importer.test(args.importer));
      return target ? { path: target.bundle, namespace: 'lazy' } : undefined;
    });
    // Resolved at run time beside the bundle that asks for it.
    build.onResolve({ filter: /^\.\/backend-(ssh|session)\.js$/ }, (args) => ({ path: args.path, external: true }));
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      contents: `module.exports = function () { return require(${JSON.stringify(`./${args.path}`)}).apply(this, arguments); };`,
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
/**
 * The first lines of dist/cli.js, the command as npm links it: /bin/sh starts
 * Node without NODE_EXTRA_CA_CERTS, which Node reads and parses before any
 * JavaScript runs (nodejs/node#40524): with a system CA bundle there, about
 * 60 of a 95 ms start here. The CLI never speaks TLS (only to the backend's
 * socket); start.ts puts the value back for what it starts, the backend
 * first. To JavaScript, line 2 is a string and a comment.
 */
const cliLauncher = [
  '#!/bin/sh',
  `':' //; if [ -n "\${NODE_EXTRA_CA_CERTS+x}" ]; then export DRYDOCK_NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; else unset DRYDOCK_NODE_EXTRA_CA_CERTS; fi; exec node "$0" "$@"`,
].join('\n');
const entries = [
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: [...common.external, 'vscode'] },
  { entryPoints: ['src/backend/main.ts'], outfile: 'dist/backend.js' },
  // The command is a small loader that runs the CLI's bundle with V8's code cache (see src/cli/start.ts); the bundle
  // then must not use import(), which code compiled by node:vm cannot (Node 20), so its builtins load with require().
  { entryPoints: ['src/cli/start.ts'], outfile: 'dist/cli.js', banner: { js: cliLauncher } },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli-main.js', supported: { 'dynamic-import': false } },
  ...lazyTargets.map((target) => ({ entryPoints: [target.real], outfile: `dist/${target.bundle}` })),
];
for (const entry of entries) {
  const options = { ...common, ...entry, external: entry.external ?? common.external };
  if (watch) await (await esbuild.context(options)).watch();
  else await esbuild.build(options);
}
// npm makes a bin executable when it links it; `./dist/cli.js` should run the same way before that.
if (!watch) chmodSync('dist/cli.js', 0o755);
