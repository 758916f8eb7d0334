// ESLint with typescript-eslint's recommended rules over the TypeScript and JavaScript of the
// library, its tests, benchmarks, scripts and demo: CI runs `npm run lint`. The AssemblyScript
// core (assembly/) is not TypeScript ESLint's parser reads (decorators on functions); asc and the
// kernel tests check it. Unused names are TypeScript's to report (noUnusedLocals).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'assembly/', 'test-results/', 'models/', 'scratch-tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': 'off',
      'no-unused-vars': 'off',
    },
  },
  {
    // Tests reach past the types on purpose (misuse, fuzzing) and touch getters for their effect.
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-expressions': 'off',
      'preserve-caught-error': 'off',
    },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
