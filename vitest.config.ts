import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // e2e/tests run the real agent CLIs once `npm ci` has run in e2e/ (skipped, with a warning, before).
    include: ['tests/**/*.test.ts', 'e2e/tests/**/*.test.ts'],
    globalSetup: ['tests/helpers/leak-check.ts'],
    // Real processes on a loaded 2-core machine: generous per-test limits; nothing waits on a
    // timer for synchronisation, so these only bound a genuine hang.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
