// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'it', property: 'only', message: 'No focused tests in the repository.' },
        { object: 'describe', property: 'only', message: 'No focused tests in the repository.' },
        { object: 'test', property: 'only', message: 'No focused tests in the repository.' },
        { object: 'it', property: 'skip', message: 'A test that cannot fail is not a test: fix it or delete it.' },
        { object: 'describe', property: 'skip', message: 'A test that cannot fail is not a test: fix it or delete it.' },
        { object: 'test', property: 'skip', message: 'A test that cannot fail is not a test: fix it or delete it.' },
      ],
    },
  },
  // dependency-cruiser loads its configuration with require(): CommonJS.
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } } },
);
