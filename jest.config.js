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

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120000,
  // Sandboxes and Postgres are shared machine resources: two workers keep a 2-core box responsive.
  maxWorkers: 2,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['**/*.test.ts'], testPathIgnorePatterns: ['\\.int\\.test\\.ts$'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['**/*.int.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
