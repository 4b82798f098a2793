// Type-aware lint. The layer rules make DESIGN.md's arrows mechanical:
// only src/extension may import vscode, only src/docker may import dockerode,
// and core stays pure.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (paths, patterns = []) => ({
  'no-restricted-imports': ['error', { paths, patterns }],
});
const vscodeOnlyInExtension = { name: 'vscode', message: 'Only src/extension/ may import vscode (DESIGN.md layers).' };
const dockerodeOnlyInDocker = { name: 'dockerode', message: 'Only src/docker/ may import dockerode (DESIGN.md layers).' };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.vscode-test/**', 'test-results/**', '*.mjs', 'test/**/*.mjs', 'test/host/**/*.js'] },
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
  { files: ['src/extension/**/*.ts', 'test/extension/**/*.ts'], rules: restrict([dockerodeOnlyInDocker]) },
  // Tests may ask the engine directly, to check what Drydock did without trusting its adapter.
  { files: ['test/integration/**/*.ts', 'test/support/**/*.ts'], rules: restrict([vscodeOnlyInExtension]) },
  { files: ['src/docker/**/*.ts'], rules: restrict([vscodeOnlyInExtension], [{ group: ['**/backend/**', '**/cli/**', '**/extension/**'], message: 'docker/ may depend on core only.' }]) },
  {
    files: ['src/core/**/*.ts'],
    rules: restrict(
      [vscodeOnlyInExtension, dockerodeOnlyInDocker, 'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process'],
      [{ group: ['**/docker/**', '**/backend/**', '**/cli/**', '**/extension/**'], message: 'core/ is pure: it imports nothing above it.' }],
    ),
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: restrict([vscodeOnlyInExtension, dockerodeOnlyInDocker], [{ group: ['**/docker/**', '**/extension/**'], message: 'The CLI is a thin client of the backend API.' }]),
  },
);
