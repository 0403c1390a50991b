// The notebook's preference-model run in the Worker (src/worker/pm-session.ts), driven on Dawn as the
// Worker drives it: built from two datasets and a base checkpoint, it reports what it was built from
// and a held-out evaluation at step 0; its trunk is the base model's exactly and its head fresh; one
// step reports that step's batch (pairs from the training split only, rewards and losses consistent)
// before the held-out evaluation; the final checkpoint carries the reward head and the metadata the
// Evaluate stage needs, and scoring it (evaluatePM) on the held-out pairs reproduces the run's own
// last evaluation. Bad settings fail with a message saying what to change.

import { describe, expect, it } from 'vitest';
import { toComparisons } from '../../src/data/comparisons.ts';
import { generateSynthWorld } from '../../src/data/synth.ts';
import { randn } from '../../src/kernels/random.ts';
import { checkpointBytes, loadCheckpoint } from '../../src/models/checkpoint.ts';
import { PRESETS } from '../../src/models/config.ts';
import { headTable, initHeadParams } from '../../src/models/head-table.ts';
import { initParams, paramTable } from '../../src/models/params.ts';
import type { Command, PMDataset, WorkerEvent } from '../../src/protocol.ts';
import { cellPairs } from '../../src/ui/eval-heatmap.ts';
import { createPMLoop, evaluatePM, splitDatasets } from '../../src/worker/pm-session.ts';
import { testGpu } from '../helpers/gpu.ts';

type Create = Extract<Command, { type: 'pm-create' }>;
type Of<T extends WorkerEvent['type']> = Extract<WorkerEvent, { type: T }>;

const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

function datasets(): PMDataset[] {
  const world = generateSynthWorld({ seed: 3, pairs: 30 });
  return (['helpful', 'harmless'] as const).map((subset) => {
    const { comparisons } = toComparisons(world[subset].map((p, i) => ({ ...p, line: i + 1 })), { file: `synth-${subset}`, subset });
    return { id: `synth-${subset}`, comparisons: comparisons.map(({ context, chosen, rejected }) => ({ context, chosen, rejected, subset })) };
  });
}

function recorder() {
  const events: WorkerEvent[] = [];
  const of = <T extends WorkerEvent['type']>(type: T) => events.filter((e): e is Of<T> => e.type === type);
  return { events, of, post: (e: WorkerEvent) => void events.push(e) };
}

const settings = { preset: 'nano' as const, steps: 3, pairsPerBatch: 4, seqLen: 32, lr: 1e-3, evalInterval: 2, seed: 9 };

describe('the preference-model run in the Worker', () => {
  it('starts from the base checkpoint, steps through one batch, and its checkpoint scores as it did in training', async () => {
    const gpu = await testGpu();
    const cfg = PRESETS.nano;
    const base = initParams(paramTable(cfg), cfg, (n) => randn(n, 11));
    const init = { checkpoint: 'base-x-step3', bytes: checkpointBytes(cfg, base, { tokenizer: 'byte', preset: 'nano' }) };
    const data = datasets();
    const { of, post } = recorder();
    const loop = await createPMLoop(gpu, { type: 'pm-create', run: 'r1', settings, datasets: data, init } satisfies Create, post);

    // 1. what it was built from: 27 + 27 training pairs, 3 + 3 held out (10% of each dataset)
    const [info] = of('trainer-info');
    expect(info.info).toMatchObject({ 'model': 'nano', 'trunk from': 'base-x-step3', 'training pairs': 54, 'held-out pairs': 6, 'held-out pairs scored': 6, 'sequence length': 32 });
    const [m0] = of('trainer-metrics');
    expect(m0.point.step).toBe(0);
    for (const k of ['eval/loss', 'eval/accuracy', 'eval/ece', 'eval/length_baseline_accuracy']) expect(Number.isFinite(m0.point[k]), k).toBe(true);
    expect(of('pm-report')[0].report.calibration).toHaveLength(10);
    expect(of('pm-report')[0].report.n).toBe(6);

    // 2. at step 0 the trunk is the base model's, the head fresh from seed + 3
    await loop.save();
    const start = loadCheckpoint(of('trainer-checkpoint')[0].bytes, 'step 0');
    expect(start.packed).toEqual(base);
    expect(start.heads.reward_head).toEqual(initHeadParams(headTable('reward_head', cfg.channels), (n) => randn(n, settings.seed + 3)));

    // 3. one step: its batch, from the training split only, with rewards and losses that agree
    await loop.stepOnce();
    const [ins] = of('pm-inspect');
    expect(ins.step).toBe(1);
    expect(ins.pairs).toHaveLength(4);
    const { train, heldOut } = splitDatasets(data, settings.seed);
    const key = (c: { chosen: string; rejected: string }) => `${c.chosen}|${c.rejected}`;
    const trainKeys = new Set(train.map(key));
    const heldKeys = new Set(heldOut.map(key));
    for (const p of ins.pairs) {
      expect(trainKeys.has(key(p)) && !heldKeys.has(key(p))).toBe(true);
      expect(p.loss).toBeCloseTo(softplus(-(p.rChosen - p.rRejected)), 5);
    }
    const m1 = of('trainer-metrics')[1].point;
    expect(m1.step).toBe(1);
    expect(m1['train/loss']).toBeCloseTo(ins.pairs.reduce((s, p) => s + p.loss, 0) / 4, 5);
    expect(m1['train/accuracy']).toBeCloseTo(ins.pairs.filter((p) => p.rChosen > p.rRejected).length / 4, 6);

    // 4. play to the end: metrics at step 2 (the interval) and 3 (the last), then the final checkpoint
    loop.play();
    for (let i = 0; i < 600 && loop.status !== 'done' && loop.status !== 'failed'; i++) await new Promise((r) => setTimeout(r, 50));
    expect(loop.status).toBe('done');
    expect(of('trainer-metrics').map((e) => e.point.step)).toEqual([0, 1, 2, 3]);
    const final = of('trainer-checkpoint').at(-1)!;
    expect(final.step).toBe(3);
    expect(final.metadata).toMatchObject({ kind: 'preference-model', tokenizer: 'byte', seq_len: '32', seed: '9', datasets: 'synth-helpful,synth-harmless', init: 'base-x-step3' });

    // 5. the Evaluate stage's scoring of that file, on the same held-out pairs, gives the run's last evaluation
    const lastReport = of('pm-report').at(-1)!;
    expect(lastReport.step).toBe(3);
    const sets = data.map((d) => ({ id: d.id, comparisons: cellPairs(d.comparisons.length, settings.seed).map((i) => d.comparisons[i]) }));
    expect(sets.map((s) => s.comparisons.length)).toEqual([3, 3]);
    const cells = await evaluatePM(gpu, final.bytes, sets, 'final');
    expect(cells.map((c) => [c.dataset, c.n])).toEqual([['synth-helpful', 3], ['synth-harmless', 3]]);
    const pooled = (cells[0].accuracy * 3 + cells[1].accuracy * 3) / 6;
    expect(pooled).toBeCloseTo(lastReport.report.accuracy, 6);
    const all = await evaluatePM(gpu, final.bytes, [{ id: 'all', comparisons: sets.flatMap((s) => s.comparisons) }], 'final');
    expect(all[0].accuracy).toBeCloseTo(lastReport.report.accuracy, 6);
    expect(all[0].ece).toBeCloseTo(lastReport.report.ece, 4);
  }, 300_000); // compiling the kernels on SwiftShader dominates

  it('says what to change when the settings cannot work', async () => {
    const gpu = await testGpu();
    const { post } = recorder();
    const create = (s: Partial<typeof settings>, d = datasets()) => createPMLoop(gpu, { type: 'pm-create', run: 'r2', settings: { ...settings, ...s }, datasets: d, init: null }, post);
    await expect(create({ seqLen: 64 })).rejects.toThrow('sequence length 64 exceeds the nano model\'s context of 32 tokens');
    await expect(create({ pairsPerBatch: 60 })).rejects.toThrow('54 training pairs, fewer than one batch of 60');
    const gpt2Trunk = { checkpoint: 'gpt2-lm', bytes: checkpointBytes(PRESETS.nano, new Float32Array(paramTable(PRESETS.nano).size), { tokenizer: 'gpt2' }) };
    await expect(createPMLoop(gpu, { type: 'pm-create', run: 'r3', settings, datasets: datasets(), init: gpt2Trunk }, post))
      .rejects.toThrow("gpt2-lm was trained with the gpt2 tokenizer; the notebook's models read bytes");
    await expect(evaluatePM(gpu, checkpointBytes(PRESETS.nano, new Float32Array(paramTable(PRESETS.nano).size), { tokenizer: 'byte' }), [], 'base.safetensors'))
      .rejects.toThrow('base.safetensors: no reward head');
  });
});
