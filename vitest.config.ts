import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    // the browser tests have their own run (pnpm test:browser, test/browser/vitest.config.ts)
    exclude: [...configDefaults.exclude, 'test/browser/**'],
    globalSetup: ['test/harness/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests share one Postgres server and one Redis; files run in parallel, each with
    // its own database cloned from a migrated template.
    pool: 'forks',
  },
});
