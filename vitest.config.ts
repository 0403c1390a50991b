import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The slowest test files, slowest first (seconds each took in `.ci/run` on 2 cores, SwiftShader, 2026-11-29). They
 * start first, so that the two workers finish together instead of one running a long file alone at the end
 * (longest-first scheduling); every other file follows in vitest's own order.
 */
const SLOW_FIRST = [
  'test/gpu/pm-tension.test.ts', // 862
  'test/e2e/notebook-label-resume.test.ts', // 288
  'test/e2e/cli-gpt2.test.ts', // 175
  'test/e2e/notebook-rlhf.test.ts', // 120
  'test/e2e/cli-pm.test.ts', // 106
  'test/e2e/cli.test.ts', // 100
  'test/e2e/notebook-pm.test.ts', // 93
  'test/e2e/cli-online.test.ts', // 76
  'test/gpu/ppo-trainer.test.ts', // 75
  'test/gpu/attention.test.ts', // 75
  'test/gpu/ppo-gold-elo.test.ts', // 74
  'test/e2e/cli-tension.test.ts', // 63
  'test/gpu/eval-session.test.ts', // 63
  'test/e2e/notebook.test.ts', // 59
  'test/gpu/lm-train.test.ts', // 46
];

class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = SLOW_FIRST.findIndex((slow) => f.moduleId.endsWith(slow));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    return [...(await super.sort(files))].sort((a, b) => rank(a) - rank(b));
  }
}

// Unit tests (float64 references, parsers) and GPU tests (Dawn in Node) run in forked workers; the e2e
// tests drive headless Chromium. Two workers: CI machines have two cores, and SwiftShader uses them.
// Timeouts are at least three times what a test takes on an idle 2-core machine: one CI machine ran the
// whole suite 1.8 times slower than another (2,403 s against 1,324 s), and a timeout there fails a correct test.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    sequence: { sequencer: SlowFirstSequencer },
  },
});
