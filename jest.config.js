/**
 * Two tiers. `unit`: every `*.test.ts` that needs neither Docker nor Postgres (no global set-up; runs
 * with no engine at all). `integration`: `*.int.test.ts`, against a real PostgreSQL, the real Docker
 * engine, real sandboxes and the Slack stand-in; its global set-up builds the images on first use.
 * `npm test` runs both; `npm run test:unit` only the first.
 */
const shared = {
  testEnvironment: 'node',
  // tsconfig's isolatedModules makes ts-jest transpile only; type checking is `npm run typecheck`.
  transform: { '^.+\\.ts$': 'ts-jest' },
  roots: ['<rootDir>/test'],
};

// DOCKHAND_TEST_DEFER: a path pattern left out of this run because the caller runs those files itself next
// (.ci/run starts the compose topologies beside the lessons). Added to each project's own ignore list, which
// the --testPathIgnorePatterns flag would replace.
const deferred = process.env.DOCKHAND_TEST_DEFER ? [process.env.DOCKHAND_TEST_DEFER] : [];

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120000,
  // Sandboxes and Postgres are shared machine resources: two workers keep a 2-core box responsive.
  maxWorkers: 2,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['**/*.test.ts'], testPathIgnorePatterns: ['\\.int\\.test\\.ts$', ...deferred] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['**/*.int.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...deferred],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
