// The Evaluate stage's out-of-distribution detection in the Worker (src/worker/ood-session.ts detectOod), on Dawn
// as the Worker runs it:
// 1. The same inputs as `rlhf ood` give the CLI's numbers: fit on one synthetic world's benign prompts, evaluate
//    another world's benign prompts against its harmful ones, with a random one-block GPT-2-tokenizer model and
//    mean pooling (the model and worlds of test/e2e/cli-ood.test.ts), a seeded sample of 64 prompts per set. Every
//    AUROC, count and most-outlying prompt equals the report of the `ood` command run on the same prompts written as
//    files with `--n 64`, and the bar holds on the notebook's path too: AUROC ≥ 0.9 for harmful vs benign
//    (plain and relative distance).
// 2. The notebook's default: one dataset (synth-helpful) both fitted and evaluated is split, the fit and evaluation
//    prompts disjoint and together the dataset's; AUROCs lie in [0, 1] and equal the area under the ROC curve
//    sent; the least outlying prompts come in ascending order; a preference model's file (trunk + reward head)
//    gives the same numbers as the bare trunk.
// 3. Bad requests fail before any GPU work with a message saying what to change (the layer names the model's
//    block count).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ood } from '../../src/cli/ood.ts';
import { toComparisons } from '../../src/data/comparisons.ts';
import { generateSynthWorld, pairsToJsonl, type SynthPair } from '../../src/data/synth.ts';
import { GPT2_VOCAB } from '../../src/data/tokenizer-gpt2.ts';
import { rocArea } from '../../src/eval/ood.ts';
import type { OodPromptSet, OodSettings } from '../../src/eval/ood-run.ts';
import { randn } from '../../src/util/random.ts';
import { checkpointBytes } from '../../src/models/checkpoint.ts';
import { PRESETS, type GPTConfig } from '../../src/models/config.ts';
import { headTable, initHeadParams } from '../../src/models/head-table.ts';
import { initParams, paramTable } from '../../src/models/params.ts';
import { ppoPrompts } from '../../src/data/prompts.ts';
import { detectOod, splitFitAndEval } from '../../src/worker/ood-session.ts';
import { testGpu } from '../helpers/gpu.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dir = tempDir('ood-session');
const prompts = (pairs: readonly SynthPair[]) =>
  ppoPrompts(
    toComparisons(
      pairs.map((p, i) => ({ ...p, line: i + 1 })),
      { file: 'x', subset: 'x' },
    ).comparisons,
  );
const settings: OodSettings = { layer: null, pool: 'mean', expose: 0, heldOut: 0.5, maxPrompts: 0, seed: 3 };
/**
 * Prompts per set in the comparison with `rlhf ood` (a seeded sample, as `--n`): SwiftShader reads ~8 prompts a second
 * here.
 */
const N = 64;

describe('out-of-distribution detection in the Worker', () => {
  it("gives `rlhf ood`'s numbers on the same prompts, and AUROC ≥ 0.9 for harmful vs benign", async () => {
    const gpu = await testGpu();
    const cfg: GPTConfig = { vocabSize: GPT2_VOCAB, maxSeqLen: 64, numLayers: 1, numHeads: 2, channels: 64 };
    const bytes = checkpointBytes(
      cfg,
      initParams(paramTable(cfg), cfg, (n) => randn(n, 1)),
      { tokenizer: 'gpt2' },
    );
    const fitWorld = generateSynthWorld({ seed: 1, pairs: 200 });
    const evalWorld = generateSynthWorld({ seed: 2, pairs: 100 });
    const files = {
      model: join(dir, 'bpe.safetensors'),
      fit: join(dir, 'fit.jsonl'),
      in: join(dir, 'in.jsonl'),
      out: join(dir, 'out.jsonl'),
      report: join(dir, 'r.json'),
    };
    writeFileSync(files.model, bytes);
    writeFileSync(files.fit, pairsToJsonl(fitWorld.helpful));
    writeFileSync(files.in, pairsToJsonl(evalWorld.helpful));
    writeFileSync(files.out, pairsToJsonl(evalWorld.harmless));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await ood([
        '--model',
        files.model,
        '--fit',
        files.fit,
        '--eval-in',
        files.in,
        '--eval-out',
        files.out,
        '--pool',
        'mean',
        '--expose',
        '5',
        '--seed',
        '3',
        '--n',
        String(N),
        '--report',
        files.report,
      ]);
    } finally {
      vi.restoreAllMocks();
    }
    const cli = JSON.parse(readFileSync(files.report, 'utf8'));

    const report = await detectOod(gpu, {
      checkpoint: { name: 'bpe', bytes },
      settings: { ...settings, expose: 5, maxPrompts: N },
      fit: [{ id: 'fit-helpful', prompts: prompts(fitWorld.helpful) }],
      evalIn: [{ id: 'eval-helpful', prompts: prompts(evalWorld.helpful) }],
      evalOut: [{ id: 'eval-harmless', prompts: prompts(evalWorld.harmless) }],
    });
    expect(report.layer).toBe(1);
    expect(report.numLayers).toBe(1);
    expect(report.channels).toBe(64);
    expect(report.methods.mahalanobis.auroc).toBeCloseTo(cli.auroc, 12);
    expect(report.methods.relative.auroc).toBeCloseTo(cli.auroc_relative, 12);
    expect(report.methods.exposed!.auroc).toBeCloseTo(cli.auroc_exposed, 12);
    expect(report.methods.mahalanobis.meanOut).toBeCloseTo(cli.methods.mahalanobis.mean_out, 6);
    expect(report.counts).toEqual({
      fit: cli.counts.fit,
      evalIn: cli.counts.eval_in,
      evalOut: cli.counts.eval_out,
      exposed: 5,
      background: cli.counts.background,
      heldOut: 0,
      evalInDroppedInFit: cli.counts.eval_in_dropped_in_fit,
      truncated: cli.counts.truncated,
    });
    expect(report.mostOutlying.map((t) => [t.prompt, t.set])).toEqual(
      cli.top_outlying.map((t: { prompt: string; set: string }) => [t.prompt, t.set]),
    );
    // the bar, on the notebook's path
    expect(report.methods.mahalanobis.auroc).toBeGreaterThanOrEqual(0.9);
    expect(report.methods.relative.auroc).toBeGreaterThanOrEqual(0.9);
  }, 600_000);

  it("splits a dataset that is both fitted and evaluated, and reads only the trunk of any stage's checkpoint", async () => {
    const gpu = await testGpu();
    const cfg = PRESETS.nano;
    const trunk = initParams(paramTable(cfg), cfg, (n) => randn(n, 5, 4));
    const base = checkpointBytes(cfg, trunk, { tokenizer: 'byte', preset: 'nano' });
    const pm = checkpointBytes(
      cfg,
      trunk,
      { tokenizer: 'byte', kind: 'preference-model' },
      { reward_head: initHeadParams(headTable('reward_head', cfg.channels), (n) => randn(n, 6)) },
    );
    const world = generateSynthWorld({ seed: 3, pairs: 20 });
    const helpful: OodPromptSet = { id: 'synth-helpful', prompts: prompts(world.helpful) };
    const harmless: OodPromptSet = { id: 'synth-harmless', prompts: prompts(world.harmless) };

    // the split: disjoint, together the dataset, half held out
    const split = splitFitAndEval([helpful], [helpful], 0.5, settings.seed);
    expect(split.heldOut).toBe(Math.round(helpful.prompts.length / 2));
    expect(split.evalIn).toHaveLength(split.heldOut);
    expect(split.fit.filter((p) => split.evalIn.includes(p))).toEqual([]);
    expect([...split.fit, ...split.evalIn].sort()).toEqual([...helpful.prompts].sort());

    const request = { settings: { ...settings, expose: 2 }, fit: [helpful], evalIn: [helpful], evalOut: [harmless] };
    const report = await detectOod(gpu, { ...request, checkpoint: { name: 'base-nano', bytes: base } });
    expect(report.counts).toEqual({
      fit: split.fit.length,
      evalIn: split.evalIn.length,
      evalOut: harmless.prompts.length - 2,
      exposed: 2,
      background: helpful.prompts.length + harmless.prompts.length,
      heldOut: split.heldOut,
      evalInDroppedInFit: 0,
      truncated: expect.any(Number),
    });
    expect(report.counts.truncated).toBeGreaterThan(0); // the nano model reads 32 bytes
    for (const m of [report.methods.mahalanobis, report.methods.relative, report.methods.exposed!]) {
      expect(m.auroc).toBeGreaterThanOrEqual(0);
      expect(m.auroc).toBeLessThanOrEqual(1);
      expect(m.roc[0]).toMatchObject({ fpr: 0, tpr: 0 });
      expect(m.roc.at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
      expect(rocArea(m.roc)).toBeCloseTo(m.auroc, 12); // fewer than 201 corners: the whole curve
    }
    const shown = [...report.mostOutlying, ...report.leastOutlying];
    expect(report.mostOutlying).toHaveLength(5);
    expect(report.leastOutlying).toHaveLength(5);
    for (const t of shown)
      expect((t.set === 'in' ? split.evalIn : harmless.prompts).includes(t.prompt), t.prompt).toBe(true);
    for (let i = 1; i < 5; i++) {
      expect(report.mostOutlying[i].mahalanobis).toBeLessThanOrEqual(report.mostOutlying[i - 1].mahalanobis);
      expect(report.leastOutlying[i].mahalanobis).toBeGreaterThanOrEqual(report.leastOutlying[i - 1].mahalanobis);
    }
    expect(report.leastOutlying[4].mahalanobis).toBeLessThanOrEqual(report.mostOutlying[4].mahalanobis);

    // a preference model's file: the same trunk, the same numbers
    const fromPm = await detectOod(gpu, { ...request, checkpoint: { name: 'pm-nano', bytes: pm } });
    expect(fromPm.methods.mahalanobis.auroc).toBe(report.methods.mahalanobis.auroc);
    expect(fromPm.mostOutlying).toEqual(report.mostOutlying);
  }, 600_000);

  it("says what to change: the layer (naming the model's blocks), missing or too few prompts, a dataset on both sides", async () => {
    const gpu = await testGpu();
    const cfg = PRESETS.nano;
    const checkpoint = {
      name: 'base-nano',
      bytes: checkpointBytes(
        cfg,
        initParams(paramTable(cfg), cfg, (n) => randn(n, 5)),
        { tokenizer: 'byte' },
      ),
    };
    const world = generateSynthWorld({ seed: 3, pairs: 20 });
    const helpful: OodPromptSet = { id: 'synth-helpful', prompts: prompts(world.helpful) };
    const harmless: OodPromptSet = { id: 'synth-harmless', prompts: prompts(world.harmless) };
    const ok = { checkpoint, settings, fit: [helpful], evalIn: [helpful], evalOut: [harmless] };
    await expect(detectOod(gpu, { ...ok, settings: { ...settings, layer: 3 } })).rejects.toThrow(
      'layer 3 does not exist in base-nano: it has 1 block, so the layer is 0 (embeddings) … 1 (after the last block) or lnf',
    );
    await expect(detectOod(gpu, { ...ok, evalOut: [{ id: 'empty', prompts: [] }] })).rejects.toThrow(
      'out-of-distribution evaluation: no prompts',
    );
    await expect(detectOod(gpu, { ...ok, fit: [] })).rejects.toThrow('choose at least one dataset to fit');
    await expect(
      detectOod(gpu, {
        ...ok,
        fit: [{ id: 'few', prompts: helpful.prompts.slice(0, 3) }],
        evalIn: [{ id: 'rest', prompts: helpful.prompts.slice(3) }],
      }),
    ).rejects.toThrow('only 3 prompts to fit (at least 5 are needed)');
    await expect(detectOod(gpu, { ...ok, evalOut: [helpful] })).rejects.toThrow(
      'synth-helpful is chosen as out-of-distribution and as in-distribution',
    );
    await expect(detectOod(gpu, { ...ok, settings: { ...settings, expose: 20 } })).rejects.toThrow(
      'exposing 20 leaves no out-of-distribution evaluation prompt to evaluate',
    );
    await expect(detectOod(gpu, { ...ok, checkpoint: { name: 'junk', bytes: new Uint8Array(8) } })).rejects.toThrow(
      /junk/,
    );
  });
});
