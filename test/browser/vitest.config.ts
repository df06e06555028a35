// The browser tests (pnpm test:browser): the built console in Debian's chromium, driven by
// playwright-core, against the real API on a test database. One file at a time: a browser and an
// API with its pipeline are heavy on two cores.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: import.meta.dirname + '/../..',
  test: {
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
