// Labelling and resuming, their pure logic: a label becomes an HH comparison with its provenance (helpful: the
// pick is chosen; red-team: the pick is the MORE harmful, so it is rejected), identical responses are refused,
// labels append to their mode's dataset (created on first use) next to an existing dataset without touching it,
// and export as HH transcripts; an unfinished run is resumable from its latest checkpoint, a finished one or one
// without a checkpoint is not, and the resumed curve joins the stored one at the resume step; the RunLoop sends
// a checkpoint every saveInterval steps while playing and after a single step.

import { describe, expect, it } from 'vitest';
import { comparisonsToJsonl, type Comparison } from '../../src/data/comparisons.ts';
import type { WorkerEvent } from '../../src/protocol.ts';
import type { CheckpointMeta } from '../../src/store/checkpoints.ts';
import { listDatasets, loadComparisons, saveDataset } from '../../src/store/datasets.ts';
import { appendLabel, labelComparison, type Label } from '../../src/store/labels.ts';
import { joinHistory, resumableRuns } from '../../src/store/resume.ts';
import type { HistoryPoint, RunMeta } from '../../src/store/runs.ts';
import { RunLoop, type SteppableRun } from '../../src/worker/run-loop.ts';
import { mapKV } from '../helpers/kv.ts';

const PROMPT = '\n\nHuman: How do I pick a lock?\n\nAssistant:';
const label = (o: Partial<Label> = {}): Label => ({
  prompt: PROMPT,
  responses: [' I can explain how locks work.', " Use a bobby pin on your neighbour's door."],
  picked: 1,
  mode: 'helpful',
  checkpoints: ['base nano · step 3', 'rlhf · step 5'],
  seed: 77,
  promptDataset: 'synth-harmless',
  time: 1_700_000_000_000,
  ...o,
});

describe('labelComparison', () => {
  it('helpful: the picked response is chosen, the other rejected, with provenance and its place in the dataset', () => {
    const c = labelComparison(label({ picked: 2 }), 4) as Comparison;
    expect(c).toEqual({
      context: PROMPT,
      chosen: " Use a bobby pin on your neighbour's door.",
      rejected: ' I can explain how locks work.',
      subset: 'labels-helpful',
      source: { file: 'labels-helpful', line: 4 },
      provenance: {
        mode: 'helpful',
        checkpoints: ['base nano · step 3', 'rlhf · step 5'],
        seed: 77,
        promptDataset: 'synth-harmless',
        picked: 2,
        time: 1_700_000_000_000,
      },
    });
  });

  it('red-team: the picked (more harmful) response is rejected, the less harmful chosen', () => {
    const c = labelComparison(label({ mode: 'red-team', picked: 2 }), 1) as Comparison;
    expect([c.chosen, c.rejected]).toEqual([
      ' I can explain how locks work.',
      " Use a bobby pin on your neighbour's door.",
    ]);
    expect(c.subset).toBe('labels-red-team');
    expect(c.provenance?.mode).toBe('red-team');
    const c1 = labelComparison(label({ mode: 'red-team', picked: 1 }), 1) as Comparison;
    expect(c1.rejected).toBe(' I can explain how locks work.');
  });

  it('refuses identical responses (no preference to learn)', () => {
    expect(labelComparison(label({ responses: [' same', ' same'] }), 1)).toEqual({
      error: expect.stringMatching(/identical/),
    });
  });
});

describe('appendLabel', () => {
  it("creates the mode's dataset on first use, appends after, leaves other datasets alone, exports HH transcripts", async () => {
    const kv = mapKV();
    await saveDataset(kv, {
      id: 'synth-helpful',
      name: 'synth-helpful',
      subset: 'synth-helpful',
      identical: 0,
      sources: ['x'],
      comparisons: [
        { context: PROMPT, chosen: ' a', rejected: ' b', subset: 'synth-helpful', source: { file: 'f', line: 1 } },
      ],
    });
    const m1 = await appendLabel(kv, label());
    expect([m1.id, m1.count]).toEqual(['labels-helpful', 1]);
    const m2 = await appendLabel(kv, label({ picked: 2, seed: 78 }));
    expect(m2.count).toBe(2);
    const m3 = await appendLabel(kv, label({ mode: 'red-team' }));
    expect([m3.id, m3.count]).toEqual(['labels-red-team', 1]);
    const all = await listDatasets(kv);
    expect(all.map((d) => [d.id, d.count])).toEqual([
      ['synth-helpful', 1],
      ['labels-helpful', 2],
      ['labels-red-team', 1],
    ]);
    const rows = await loadComparisons(kv, all[1]);
    expect(rows.map((r) => [r.chosen, r.source.line, r.provenance?.seed])).toEqual([
      [' I can explain how locks work.', 1, 77],
      [" Use a bobby pin on your neighbour's door.", 2, 78],
    ]);
    expect((await loadComparisons(kv, all[0]))[0].provenance).toBeUndefined();
    expect(JSON.parse(comparisonsToJsonl(rows).split('\n')[0])).toEqual({
      chosen: PROMPT + ' I can explain how locks work.',
      rejected: PROMPT + " Use a bobby pin on your neighbour's door.",
    });
    await expect(appendLabel(kv, label({ responses: [' x', ' x'] }))).rejects.toThrow(/identical/);
    expect((await listDatasets(kv))[1].count).toBe(2);
  });
});

const run = (id: string, step: number, steps: number, created: number, stage = 'base'): RunMeta => ({
  id,
  name: id,
  stage,
  step,
  steps,
  last: {},
  checkpoints: [],
  keys: [],
  created,
});
const ckpt = (id: string, runId: string, step: number, stage = 'base'): CheckpointMeta => ({
  id,
  name: id,
  stage,
  run: runId,
  step,
  preset: 'nano',
  bytes: 1,
  metadata: {},
  keys: [],
  created: 0,
});

describe('resumableRuns', () => {
  it('lists unfinished runs with a checkpoint, newest first, each with its latest checkpoint', () => {
    const runs = [
      run('old', 2, 10, 1),
      run('done', 10, 10, 2),
      run('bare', 3, 10, 3),
      run('new', 7, 10, 4),
      run('pm', 1, 5, 5, 'pm'),
    ];
    const cks = [
      ckpt('old-2', 'old', 2),
      ckpt('new-5', 'new', 5),
      ckpt('new-7', 'new', 7),
      ckpt('new-3', 'new', 3),
      ckpt('done-10', 'done', 10),
      ckpt('pm-1', 'pm', 1, 'pm'),
    ];
    const r = resumableRuns(runs, cks);
    expect(r.map((x) => [x.run.id, x.checkpoint.id])).toEqual([
      ['new', 'new-7'],
      ['old', 'old-2'],
    ]);
  });

  it('joins the stored curve up to the resume step with the resumed points', () => {
    const stored: HistoryPoint[] = [
      { step: 0, 'eval/loss': 5 },
      { step: 1, 'train/loss': 4 },
      { step: 2, 'train/loss': 3 },
      { step: 3, 'train/loss': 2.5 },
    ];
    const resumed: HistoryPoint[] = [
      { step: 2, 'eval/loss': 3.1 },
      { step: 3, 'train/loss': 2.9 },
    ];
    expect(joinHistory(stored, resumed, 2)).toEqual([
      { step: 0, 'eval/loss': 5 },
      { step: 1, 'train/loss': 4 },
      { step: 2, 'train/loss': 3 },
      { step: 3, 'train/loss': 2.9 },
    ]);
  });
});

describe('RunLoop auto-save', () => {
  function fake(steps: number): SteppableRun {
    let step = 0;
    return {
      get step() {
        return step;
      },
      steps,
      takeStep: () => void step++,
      settle: async () => undefined,
      readMetrics: async () => ({ step, 'train/loss': 1 }),
      stopClock: () => undefined,
      checkpoint: async () => ({ bytes: new Uint8Array([step]), metadata: {} }),
      dispose: () => undefined,
    };
  }
  const saved = (events: WorkerEvent[]) => events.flatMap((e) => (e.type === 'trainer-checkpoint' ? [e.step] : []));

  it('sends a checkpoint every saveInterval steps while playing, and the final one at the end', async () => {
    const events: WorkerEvent[] = [];
    const loop = new RunLoop('lm', 'r', fake(7), 3, (e) => void events.push(e), 2);
    await loop.playToEnd();
    expect(loop.status).toBe('done');
    expect(saved(events)).toEqual([2, 4, 6, 7]);
  });

  it('after a single step too, and never without an interval', async () => {
    const events: WorkerEvent[] = [];
    const loop = new RunLoop('lm', 'r', fake(3), 1, (e) => void events.push(e), 1);
    await loop.stepOnce();
    await loop.stepOnce();
    expect(saved(events)).toEqual([1, 2]);
    const quiet: WorkerEvent[] = [];
    const plain = new RunLoop('lm', 'r', fake(3), 1, (e) => void quiet.push(e));
    await plain.stepOnce();
    expect(saved(quiet)).toEqual([]);
  });
});
