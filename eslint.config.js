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

/**
 * What reaches a GraphQL client carries a code from the API's vocabulary (docs/adr/023-no-internal-errors-for-bad-input.md).
 * A plain Error or a Nest HTTP exception thrown where requests are served leaves as INTERNAL_SERVER_ERROR, even when
 * the caller was at fault; these make the author choose: the caller's mistake is badUserInput/notFound/forbidden/
 * conflict from @rapport/auth, a broken assumption of our own is an InvariantError.
 */
const HTTP_EXCEPTION = {
  selector:
    'NewExpression[callee.name=/^(HttpException|(BadRequest|Unauthorized|Forbidden|NotFound|Conflict|UnprocessableEntity|Gone|PayloadTooLarge)Exception)$/]',
  message:
    'A Nest HTTP exception reaches a GraphQL client as INTERNAL_SERVER_ERROR: use badUserInput/notFound/forbidden/conflict from @rapport/auth (HTTP controllers may use them).',
};
const UNCODED_GRAPHQL_ERROR = {
  selector: "NewExpression[callee.name='GraphQLError'][arguments.length<2]",
  message: 'A GraphQLError without extensions.code is answered INTERNAL_SERVER_ERROR: use the helpers in @rapport/auth, or give it a code.',
};
const PLAIN_ERROR_MESSAGE =
  'Resolvers, services and input/rule checks throw coded errors: badUserInput(field, …) (or notFound/forbidden/conflict) from @rapport/auth for the caller’s mistakes, InvariantError for a broken assumption of our own. A plain Error is answered INTERNAL_SERVER_ERROR.';
const PLAIN_ERROR = [
  { selector: 'ThrowStatement > NewExpression[callee.name=/^(Error|TypeError|RangeError|SyntaxError)$/]', message: PLAIN_ERROR_MESSAGE },
  { selector: 'ThrowStatement > CallExpression[callee.name=/^(Error|TypeError|RangeError|SyntaxError)$/]', message: PLAIN_ERROR_MESSAGE },
];
const TESTS = ['**/*.spec.ts', '**/*.integration-spec.ts', '**/__tests__/**', 'libs/testing/**', 'libs/*/src/testing/**'];

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
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: [...TESTS, '**/*.controller.ts'],
    rules: { 'no-restricted-syntax': ['error', HTTP_EXCEPTION, UNCODED_GRAPHQL_ERROR] },
  },
  {
    files: [
      'apps/*/src/**/*.resolver.ts',
      'apps/*/src/**/*.service.ts',
      'apps/*/src/**/*-input.ts',
      'apps/*/src/**/*-rules.ts',
      'libs/service-kit/src/validation.ts',
    ],
    ignores: TESTS,
    rules: { 'no-restricted-syntax': ['error', HTTP_EXCEPTION, UNCODED_GRAPHQL_ERROR, ...PLAIN_ERROR] },
  },
];
