// The notebook's preference-model run in the Worker (src/worker/pm-session.ts), driven on Dawn as the
// Worker drives it: built from two datasets and a base checkpoint, it reports what it was built from
// and a held-out evaluation at step 0; its trunk is the base model's exactly and its head fresh; one
// step reports that step's batch (pairs from the training split only, rewards and losses consistent)
// before the held-out evaluation; the final checkpoint carries the reward head and the metadata the
// Evaluate stage needs, and scoring it (evaluatePM) on the held-out pairs reproduces the run's own
// last evaluation. A run resumed from its automatic checkpoint at step 2 goes on exactly where the
// uninterrupted run was: the same held-out evaluation at step 2, and step 3's batch is the same pairs with
// the same rewards and losses (the forward before the update, on the same weights). Bad settings fail with a
// message saying what to change.

import { describe, expect, it } from 'vitest';
import { toComparisons } from '../../src/data/comparisons.ts';
import { generateSynthWorld } from '../../src/data/synth.ts';
import { randn } from '../../src/util/random.ts';
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
    const { comparisons } = toComparisons(
      world[subset].map((p, i) => ({ ...p, line: i + 1 })),
      { file: `synth-${subset}`, subset },
    );
    return {
      id: `synth-${subset}`,
      comparisons: comparisons.map(({ context, chosen, rejected }) => ({ context, chosen, rejected, subset })),
    };
  });
}

function recorder() {
  const events: WorkerEvent[] = [];
  const of = <T extends WorkerEvent['type']>(type: T) => events.filter((e): e is Of<T> => e.type === type);
  return { events, of, post: (e: WorkerEvent) => void events.push(e) };
}

const settings = {
  preset: 'nano' as const,
  steps: 3,
  pairsPerBatch: 4,
  seqLen: 32,
  lr: 1e-3,
  evalInterval: 2,
  seed: 9,
};

describe('the preference-model run in the Worker', () => {
  it('starts from the base checkpoint, steps through one batch, and its checkpoint scores as it did in training', async () => {
    const gpu = await testGpu();
    const cfg = PRESETS.nano;
    const base = initParams(paramTable(cfg), cfg, (n) => randn(n, 11));
    const init = {
      checkpoint: 'base-x-step3',
      bytes: checkpointBytes(cfg, base, { tokenizer: 'byte', preset: 'nano' }),
    };
    const data = datasets();
    const { of, post } = recorder();
    const loop = await createPMLoop(
      gpu,
      { type: 'pm-create', run: 'r1', settings, datasets: data, init } satisfies Create,
      post,
    );

    // 1. what it was built from: 27 + 27 training pairs, 3 + 3 held out (10% of each dataset)
    const [info] = of('trainer-info');
    expect(info.info).toMatchObject({
      model: 'nano',
      'trunk from': 'base-x-step3',
      'training pairs': 54,
      'held-out pairs': 6,
      'held-out pairs scored': 6,
      'sequence length': 32,
    });
    const [m0] = of('trainer-metrics');
    expect(m0.point.step).toBe(0);
    for (const k of ['eval/loss', 'eval/accuracy', 'eval/ece', 'eval/length_baseline_accuracy'])
      expect(Number.isFinite(m0.point[k]), k).toBe(true);
    expect(of('pm-report')[0].report.calibration).toHaveLength(10);
    expect(of('pm-report')[0].report.n).toBe(6);

    // 2. at step 0 the trunk is the base model's, the head fresh from seed + 3
    await loop.save();
    const start = loadCheckpoint(of('trainer-checkpoint')[0].bytes, 'step 0');
    expect(start.packed).toEqual(base);
    expect(start.heads.reward_head).toEqual(
      initHeadParams(headTable('reward_head', cfg.channels), (n) => randn(n, settings.seed + 3)),
    );

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
    await loop.playToEnd(); // resolves after the last step's checkpoint is sent ('done' is set just before it)
    expect(loop.status).toBe('done');
    expect(of('trainer-metrics').map((e) => e.point.step)).toEqual([0, 1, 2, 3]);
    const final = of('trainer-checkpoint').at(-1)!;
    expect(final.step).toBe(3);
    expect(final.metadata).toMatchObject({
      kind: 'preference-model',
      tokenizer: 'byte',
      seq_len: '32',
      seed: '9',
      datasets: 'synth-helpful,synth-harmless',
      init: 'base-x-step3',
    });

    // 5. the Evaluate stage's scoring of that file, on the same held-out pairs, gives the run's last evaluation
    const lastReport = of('pm-report').at(-1)!;
    expect(lastReport.step).toBe(3);
    const sets = data.map((d) => ({
      id: d.id,
      comparisons: cellPairs(d.comparisons.length, settings.seed).map((i) => d.comparisons[i]),
    }));
    expect(sets.map((s) => s.comparisons.length)).toEqual([3, 3]);
    const cells = await evaluatePM(gpu, final.bytes, sets, 'final');
    expect(cells.map((c) => [c.dataset, c.n])).toEqual([
      ['synth-helpful', 3],
      ['synth-harmless', 3],
    ]);
    const pooled = (cells[0].accuracy * 3 + cells[1].accuracy * 3) / 6;
    expect(pooled).toBeCloseTo(lastReport.report.accuracy, 6);
    const all = await evaluatePM(
      gpu,
      final.bytes,
      [{ id: 'all', comparisons: sets.flatMap((s) => s.comparisons) }],
      'final',
    );
    expect(all[0].accuracy).toBeCloseTo(lastReport.report.accuracy, 6);
    expect(all[0].ece).toBeCloseTo(lastReport.report.ece, 4);
  }, 300_000); // compiling the kernels on SwiftShader dominates

  it('resumes from an automatic checkpoint where the uninterrupted run was: evaluation, batch stream, rewards', async () => {
    const gpu = await testGpu();
    const data = datasets();
    const s = { ...settings, evalInterval: 1, saveInterval: 1 };
    const a = recorder();
    const full = await createPMLoop(
      gpu,
      { type: 'pm-create', run: 'a', settings: s, datasets: data, init: null },
      a.post,
    );
    for (let i = 0; i < 3; i++) await full.stepOnce();
    expect(a.of('trainer-checkpoint').map((e) => e.step)).toEqual([1, 2, 3]); // every step, and the end
    const atTwo = a.of('trainer-checkpoint')[1];

    const b = recorder();
    const resumed = await createPMLoop(
      gpu,
      { type: 'pm-create', run: 'b', settings: s, datasets: data, init: null, resume: { bytes: atTwo.bytes, step: 2 } },
      b.post,
    );
    expect(b.events[0]).toMatchObject({ type: 'trainer-status', status: 'preparing', step: 2 });
    expect(b.of('trainer-info')[0].info['resumed at step']).toBe(2);
    const [m2] = b.of('trainer-metrics');
    expect(m2.point.step).toBe(2);
    const a2 = a.of('trainer-metrics').find((e) => e.point.step === 2)!.point;
    expect(m2.point['eval/loss']).toBeCloseTo(a2['eval/loss'], 5);
    expect(m2.point['eval/accuracy']).toBe(a2['eval/accuracy']);

    await resumed.stepOnce();
    expect(resumed.status).toBe('done');
    const [insA, insB] = [a.of('pm-inspect').at(-1)!, b.of('pm-inspect')[0]];
    expect(insB.step).toBe(3);
    expect(insB.pairs.map((p) => p.chosen)).toEqual(insA.pairs.map((p) => p.chosen));
    insB.pairs.forEach((p, i) => {
      expect(p.rChosen).toBeCloseTo(insA.pairs[i].rChosen, 4);
      expect(p.loss).toBeCloseTo(insA.pairs[i].loss, 4);
    });
    expect(b.of('trainer-checkpoint').map((e) => e.step)).toEqual([3]);
    // a checkpoint of another shape, or a step with nothing left, is refused before anything runs
    const other = checkpointBytes(PRESETS.micro, new Float32Array(paramTable(PRESETS.micro).size), {
      tokenizer: 'byte',
    });
    await expect(
      createPMLoop(
        gpu,
        { type: 'pm-create', run: 'c', settings: s, datasets: data, init: null, resume: { bytes: other, step: 2 } },
        b.post,
      ),
    ).rejects.toThrow(/checkpoint at step 2/);
    await expect(
      createPMLoop(
        gpu,
        {
          type: 'pm-create',
          run: 'c',
          settings: s,
          datasets: data,
          init: null,
          resume: { bytes: atTwo.bytes, step: 3 },
        },
        b.post,
      ),
    ).rejects.toThrow('cannot resume at step 3 of a 3-step run');
  }, 300_000);

  it('says what to change when the settings cannot work', async () => {
    const gpu = await testGpu();
    const { post } = recorder();
    const create = (s: Partial<typeof settings>, d = datasets()) =>
      createPMLoop(
        gpu,
        { type: 'pm-create', run: 'r2', settings: { ...settings, ...s }, datasets: d, init: null },
        post,
      );
    await expect(create({ seqLen: 64 })).rejects.toThrow(
      "sequence length 64 exceeds the nano model's context of 32 tokens",
    );
    await expect(create({ pairsPerBatch: 60 })).rejects.toThrow('54 training pairs, fewer than one batch of 60');
    const gpt2Trunk = {
      checkpoint: 'gpt2-lm',
      bytes: checkpointBytes(PRESETS.nano, new Float32Array(paramTable(PRESETS.nano).size), { tokenizer: 'gpt2' }),
    };
    await expect(
      createPMLoop(gpu, { type: 'pm-create', run: 'r3', settings, datasets: datasets(), init: gpt2Trunk }, post),
    ).rejects.toThrow("gpt2-lm was trained with the gpt2 tokenizer; the notebook's models read bytes");
    await expect(
      evaluatePM(
        gpu,
        checkpointBytes(PRESETS.nano, new Float32Array(paramTable(PRESETS.nano).size), { tokenizer: 'byte' }),
        [],
        'base.safetensors',
      ),
    ).rejects.toThrow('base.safetensors: no reward head');
  });
});
