// Lint: Nx module boundaries (tags by scope and type) and the TypeScript
// rules that catch real bugs (floating promises above all).
const nx = require('@nx/eslint-plugin');

/** What each kind of project may depend on; see docs/adr/002-module-boundaries.md. */
const depConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:contracts', 'type:util', 'type:testing'] },
  { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:data-access', 'type:contracts', 'type:util'] },
  { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:data-access', 'type:contracts', 'type:util'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:contracts', 'type:util'] },
  // Pure libraries: no framework, no I/O clients.
  {
    sourceTag: 'type:contracts',
    onlyDependOnLibsWithTags: ['type:contracts'],
    bannedExternalImports: ['@nestjs/*', 'typeorm', 'nats', 'ioredis', 'bullmq', 'express', 'pg'],
  },
  {
    sourceTag: 'type:util',
    onlyDependOnLibsWithTags: ['type:util', 'type:contracts'],
    bannedExternalImports: ['@nestjs/*', 'typeorm', 'nats', 'ioredis', 'bullmq', 'express', 'pg'],
  },
  // Services never import each other; they talk through events and federation.
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:identity', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:sales', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:analytics', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:service', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:marketing', onlyDependOnLibsWithTags: ['scope:shared'] },
];

module.exports = [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', '**/.rapport/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.integration-spec.ts', 'test/**/*.ts', 'libs/testing/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // An error is not an answer: `.catch(() => null)` (or [], undefined, 0,
    // false, {}) turned database failures into "not found" and empty lists.
    // Ask for the real absence (a query that returns no row) instead, and let
    // other errors propagate; where ignoring a failure is right, say why in a
    // named function or a try/catch.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.integration-spec.ts', '**/__tests__/**', 'libs/testing/**', 'libs/*/src/testing/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...[
          'Literal',
          "Identifier[name='undefined']",
          'ArrayExpression[elements.length=0]',
          'ObjectExpression[properties.length=0]',
          'BlockStatement[body.length=0]',
        ].map((body) => ({
          selector: `CallExpression[callee.property.name='catch'] > ArrowFunctionExpression.arguments:first-child > ${body}.body`,
          message: 'do not turn an error into a value: find the real absence and let other errors propagate (see eslint.config.js)',
        })),
      ],
    },
  },
  {
    // Test helpers stay out of production code: @rapport/testing, every
    // library's `@rapport/<lib>/testing` entry, and a library's own testing/
    // folder reached by a relative path.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.integration-spec.ts', '**/__tests__/**', 'libs/testing/**', 'libs/*/src/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@rapport/testing', message: 'test helpers are for tests only' }],
          patterns: [
            {
              group: ['@rapport/*/testing', '@rapport/*/testing/*', '**/testing', '**/testing/*'],
              message: 'test helpers are for tests only',
            },
          ],
        },
      ],
    },
  },
];
