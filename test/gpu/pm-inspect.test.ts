// PMTrainer.inspectStep, the notebook's step-through of one preference-model step: the rewards it reads
// back are the ones the step's loss was computed on (PMTrainer.score / margins of the same batch with the
// weights before the update), its per-pair losses are −log σ(margin) of those rewards, and it refuses to
// answer once scoring has overwritten the reward buffer. The update must have changed the scores
// afterwards, so the test cannot pass by reading the current weights' scores.

import { describe, expect, it } from 'vitest';
import { toComparisons } from '../../src/data/comparisons.ts';
import { encodeComparisons, pmBatch } from '../../src/data/pm-batches.ts';
import { generateSynthWorld } from '../../src/data/synth.ts';
import { byteTokenizer } from '../../src/data/tokenizer.ts';
import { randn } from '../../src/util/random.ts';
import { PRESETS } from '../../src/models/config.ts';
import { headTable, initHeadParams } from '../../src/models/head-table.ts';
import { initParams } from '../../src/models/params.ts';
import { DEFAULT_PM_TRAIN, PMTrainer } from '../../src/train/pm.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';

const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

describe('PMTrainer.inspectStep', () => {
  // P = 5 pairs (an awkward size), T = 32 (the nano model's whole context), a large learning rate so the step visibly
  // moves the scores
  it('returns the rewards and losses the step trained on', async () => {
    const [P, T] = [5, 32];
    const gpu = await testGpu();
    const cfg = PRESETS.nano;
    const world = generateSynthWorld({ seed: 5, pairs: 20 });
    const { comparisons } = toComparisons(
      [...world.helpful, ...world.harmless].map((p, i) => ({ ...p, line: i + 1 })),
      { file: 'synth', subset: 'mixed' },
    );
    const sides = encodeComparisons(comparisons.slice(0, P), byteTokenizer, T);
    const batch = pmBatch(sides, P, T, byteTokenizer.endOfText);

    const trainer = new PMTrainer(gpu, cfg, {
      ...DEFAULT_PM_TRAIN,
      pairsPerBatch: P,
      seqLen: T,
      steps: 3,
      lr: 0.05,
      warmupSteps: 0,
    });
    gpu.write(
      trainer.model.params,
      initParams(trainer.model.table, cfg, (n) => randn(n, 7)),
    );
    gpu.write(
      trainer.head.params,
      initHeadParams(headTable('reward_head', cfg.channels), (n) => randn(n, 8)),
    );

    await expect(trainer.inspectStep()).rejects.toThrow(/no step taken/);
    const before = Array.from(await trainer.score(batch));
    const marginsBefore = await trainer.margins([batch]);
    trainer.stepOn(batch);
    const seen = await trainer.inspectStep();

    expect(seen.step).toBe(1);
    expect([seen.chosen.length, seen.rejected.length, seen.losses.length]).toEqual([P, P, P]);
    expectClose(seen.chosen, before.slice(0, P), 'r_chosen', { atol: 1e-6, rtol: 1e-6 });
    expectClose(seen.rejected, before.slice(P, 2 * P), 'r_rejected', { atol: 1e-6, rtol: 1e-6 });
    const margins = seen.chosen.map((r, p) => r - seen.rejected[p]);
    expectClose(margins, marginsBefore, 'margins', { atol: 1e-6, rtol: 1e-6 });
    expectClose(
      seen.losses,
      margins.map((m) => softplus(-m)),
      'per-pair losses',
      { atol: 1e-6, rtol: 1e-5 },
    );
    // the batch's mean loss and accuracy agree with the trainer's metrics of the same step
    const m = await trainer.metrics();
    expect(m['train/loss']).toBeCloseTo(seen.losses.reduce((s, l) => s + l, 0) / P, 5);
    expect(m['train/accuracy']).toBeCloseTo(margins.filter((x) => x > 0).length / P, 6);

    // the update moved the scores: inspectStep did not read the new weights' scores
    const after = await trainer.score(batch);
    const moved = Math.max(...Array.from(after, (r, i) => Math.abs(r - before[i])));
    expect(moved).toBeGreaterThan(1e-4);
    // scoring overwrote the reward buffer: inspecting now is an error, until the next step
    await expect(trainer.inspectStep()).rejects.toThrow(/overwritten/);
    trainer.stepOn(batch);
    const second = await trainer.inspectStep();
    expect(second.step).toBe(2);
    expectClose(second.chosen, Array.from(after.subarray(0, P)), 'r_chosen of step 2', { atol: 1e-6, rtol: 1e-6 });
  }, 300_000); // compiling the kernels on SwiftShader dominates
});
