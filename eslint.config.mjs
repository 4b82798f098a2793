// Type-aware lint. The layer rules enforce the dependency arrows between the
// layers that docs/architecture.md describes: only src/extension may import
// vscode, only src/docker may import dockerode, core stays pure, the clients
// (CLI, extension) speak to the backend only through the contract and the
// client, and the backend's domain never sees a wire type. Import cycles
// between folders are caught by test/unit/architecture.test.ts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (paths, patterns = []) => ({
  'no-restricted-imports': ['error', { paths, patterns }],
});
const vscodeOnlyInExtension = { name: 'vscode', message: 'Only src/extension/ may import vscode (layers: docs/architecture.md).' };
const dockerodeOnlyInDocker = { name: 'dockerode', message: 'Only src/docker/ may import dockerode (layers: docs/architecture.md).' };

const clientsMayNotImport = ['**/backend/**', '**/docker/**', '**/extension/**', '**/cli/**'];
const domainFolders = ['workspaces', 'builds', 'lifecycle', 'hooks', 'autooff', 'inside', 'schedule', 'state', 'files'].map(
  (folder) => `src/backend/${folder}/**/*.ts`,
);

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      '.vscode-test/**',
      'test-results/**',
      '*.mjs',
      'src/devhost/**/*.mjs',
      'test/**/*.mjs',
      'test/host/**/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      ...restrict([vscodeOnlyInExtension, dockerodeOnlyInDocker]),
    },
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: restrict(
      [dockerodeOnlyInDocker],
      [{ group: clientsMayNotImport, message: 'The extension imports only core, the contract (src/api) and the client (src/client).' }],
    ),
  },
  { files: ['test/extension/**/*.ts'], rules: restrict([dockerodeOnlyInDocker]) },
  // Tests may ask the engine directly, to check what Drydock did without trusting its adapter.
  { files: ['test/integration/**/*.ts', 'test/support/**/*.ts'], rules: restrict([vscodeOnlyInExtension]) },
  {
    files: ['src/docker/**/*.ts'],
    rules: restrict([vscodeOnlyInExtension], [{ group: ['**/backend/**', '**/cli/**', '**/extension/**'], message: 'docker/ may depend on core only.' }]),
  },
  {
    files: ['src/core/**/*.ts'],
    rules: restrict(
      [vscodeOnlyInExtension, dockerodeOnlyInDocker, 'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process'],
      [{ group: ['**/docker/**', '**/backend/**', '**/cli/**', '**/extension/**'], message: 'core/ is pure: it imports nothing above it.' }],
    ),
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: restrict(
      [vscodeOnlyInExtension, dockerodeOnlyInDocker],
      [{ group: clientsMayNotImport, message: 'The CLI imports only core, the contract (src/api) and the client (src/client).' }],
    ),
  },
  {
    files: domainFolders,
    rules: restrict(
      [vscodeOnlyInExtension, dockerodeOnlyInDocker],
      [
        {
          group: ['**/api/**', '**/client/**', '**/cli/**', '**/extension/**'],
          message: 'The backend domain speaks its own types; backend/api maps them to the wire views at the edge.',
        },
      ],
    ),
  },
  {
    files: ['src/api/**/*.ts', 'src/client/**/*.ts'],
    rules: restrict(
      [vscodeOnlyInExtension, dockerodeOnlyInDocker],
      [{ group: ['**/backend/**', '**/docker/**', '**/cli/**', '**/extension/**'], message: 'The contract and the client depend on core only.' }],
    ),
  },
);
