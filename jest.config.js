// One Jest run, two tiers: fast unit specs beside the code (*.spec.ts) and
// integration specs against the real Postgres/NATS/Redis (*.integration-spec.ts).
// Both compile TypeScript with SWC (decorator metadata on, for Nest and TypeORM).
const { readFileSync } = require('node:fs');
const swcrc = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias.replace('/', '\\/')}$`, `<rootDir>/${target}`]),
);

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }] },
  moduleNameMapper,
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  // Each module's V8 parse is kept on disk for every later test file and run (docs/adr/070-faster-integration-tests.md).
  runtime: '<rootDir>/tools/jest/code-cache-runtime.js',
};

module.exports = {
  // A global option: Jest ignores it inside `projects`. Integration tests
  // start services and wait for jobs; unit tests finish in milliseconds anyway.
  testTimeout: 60000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,tools,test}/**/*.integration-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      setupFiles: ['<rootDir>/libs/testing/src/worker-isolation.ts'],
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/leak-guard.ts'],
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
    },
  ],
};
