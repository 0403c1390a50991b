import { defineConfig } from 'vitest/config';

// Unit tests (float64 references, parsers) and GPU tests (Dawn in Node) run in forked workers; the e2e
// tests drive headless Chromium. Two workers: CI machines have two cores, and SwiftShader uses them.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
