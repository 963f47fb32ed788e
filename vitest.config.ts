import { defineConfig } from 'vitest/config';

// Integration and e2e suites talk to real services and start processes, so they get
// generous timeouts; speed is measured by `npm run bench`, never asserted here.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
