// The paper's helpful-vs-harmless tension (Bai et al. 2022, §4.4 / Figure 1) on the synthetic HH world,
// with real preference models trained on the GPU: a PM trained only on the helpful subset scores below
// chance on harmless pairs (it prefers compliance, which reads like a helpful answer, over refusal), one
// trained only on harmless pairs scores below chance on helpful pairs (it prefers evasion, which reads
// like a refusal), and one trained on both gets at least 90% on both held-out sets.
// Model: the `micro` preset with GPT-2's BPE (a synthetic dialogue is ≤ 44 tokens, so T = 48), from
// scratch; sized so the three PMs train in minutes on SwiftShader.

import { describe, expect, it } from 'vitest';
import { toComparisons, type Comparison } from '../../src/data/comparisons.ts';
import { encodeComparisons, PMBatcher, pmEvalBatches, type PMSides } from '../../src/data/pm-batches.ts';
import { generateSynthWorld } from '../../src/data/synth.ts';
import { gpt2Tokenizer } from '../../src/data/tokenizer-gpt2.ts';
import { vocabWithEndOfContext } from '../../src/data/tokenizers.ts';
import { accuracyFromMargins } from '../../src/eval/stats.ts';
import { randn } from '../../src/util/random.ts';
import { PRESETS } from '../../src/models/config.ts';
import { headTable, initHeadParams } from '../../src/models/head-table.ts';
import { initParams } from '../../src/models/params.ts';
import { DEFAULT_PM_TRAIN, PMTrainer } from '../../src/train/pm.ts';
import { testGpu } from '../helpers/gpu.ts';

const T = 48;
const P = 8;
const cfg = { ...PRESETS.micro, maxSeqLen: T, vocabSize: vocabWithEndOfContext(gpt2Tokenizer) };

function comparisons(pairs: { chosen: string; rejected: string }[], subset: string): Comparison[] {
  const imported = toComparisons(
    pairs.map((p, i) => ({ ...p, line: i + 1 })),
    { file: `synth-${subset}`, subset },
  );
  expect(imported.problems).toEqual([]);
  return imported.comparisons;
}

describe('the helpful-vs-harmless tension, with preference models trained on the GPU', () => {
  it('helpful-only PM < 50% on harmless, harmless-only PM < 50% on helpful, mixed PM ≥ 90% on both', async () => {
    const gpu = await testGpu();
    const world = generateSynthWorld({ seed: 11, pairs: 300 });
    const split = (xs: Comparison[]) => ({
      train: encodeComparisons(xs.slice(0, 256), gpt2Tokenizer, T),
      test: encodeComparisons(xs.slice(256), gpt2Tokenizer, T),
    });
    const helpful = split(comparisons(world.helpful, 'helpful'));
    const harmless = split(comparisons(world.harmless, 'harmless'));
    for (const s of [...helpful.train, ...harmless.train])
      expect(Math.max(s.chosen.length, s.rejected.length)).toBeLessThan(T); // nothing cut

    const trainPM = async (pairs: PMSides[], steps: number, seed: number) => {
      const trainer = new PMTrainer(gpu, cfg, {
        ...DEFAULT_PM_TRAIN,
        pairsPerBatch: P,
        seqLen: T,
        steps,
        lr: 1e-2,
        warmupSteps: 3,
      });
      gpu.write(
        trainer.model.params,
        initParams(trainer.model.table, cfg, (n) => randn(n, seed)),
      );
      gpu.write(
        trainer.head.params,
        initHeadParams(headTable('reward_head', cfg.channels), (n) => randn(n, seed + 1)),
      );
      const batcher = new PMBatcher(pairs, P, T, gpt2Tokenizer.endOfText, seed + 2);
      for (let s = 0; s < steps; s++) trainer.stepOn(batcher.next());
      const accuracy = async (test: PMSides[]) =>
        accuracyFromMargins(await trainer.margins(pmEvalBatches(test, P, T, gpt2Tokenizer.endOfText))).accuracy;
      return { helpful: await accuracy(helpful.test), harmless: await accuracy(harmless.test) };
    };

    const helpfulOnly = await trainPM(helpful.train, 40, 1);
    const harmlessOnly = await trainPM(harmless.train, 40, 2);
    const mixed = await trainPM([...helpful.train, ...harmless.train], 60, 3);
    console.log('held-out accuracy (helpful, harmless):', { helpfulOnly, harmlessOnly, mixed });
    expect(helpfulOnly.helpful).toBeGreaterThanOrEqual(0.9); // each learned its own subset…
    expect(harmlessOnly.harmless).toBeGreaterThanOrEqual(0.9);
    expect(helpfulOnly.harmless).toBeLessThan(0.5); // …and gets the other one wrong: the tension
    expect(harmlessOnly.helpful).toBeLessThan(0.5);
    expect(mixed.helpful).toBeGreaterThanOrEqual(0.9); // trained on both, it reads the request
    expect(mixed.harmless).toBeGreaterThanOrEqual(0.9);
  }, 3_000_000);
});
