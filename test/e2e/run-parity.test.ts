// One run layer for the command line and the notebook (src/train/pm-run.ts, ppo-run.ts, online-run.ts): the same
// settings built through `rlhf pm` / `rlhf ppo` / `rlhf online` and through the Worker's sessions (pm-create /
// rlhf-create / online-run, as the notebook sends them) give the same first step, bit for bit: the PM's first-step
// loss, accuracy and held-out evaluation; PPO's first-iteration scores, KL, losses and statistics (every metric but
// the clocks); the online loop's first round: its labels, its PM's loss and evaluation, its PPO iteration, its
// Elo, and the round's policy and PM checkpoints byte for byte.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { online } from '../../src/cli/online.ts';
import { pm } from '../../src/cli/pm.ts';
import { ppo } from '../../src/cli/ppo.ts';
import { readComparisonFiles } from '../../src/cli/files.ts';
import { trainingPairs } from '../../src/data/comparisons.ts';
import { checkpointBytes } from '../../src/models/checkpoint.ts';
import { headTable, initHeadParams } from '../../src/models/head-table.ts';
import { PRESETS } from '../../src/models/config.ts';
import { initParams, paramTable } from '../../src/models/params.ts';
import type { MetricPoint, OnlineRoundResult, OnlineSettings, WorkerEvent } from '../../src/protocol.ts';
import { runOnline } from '../../src/worker/online-session.ts';
import { createPMLoop } from '../../src/worker/pm-session.ts';
import { createPPOLoop } from '../../src/worker/ppo-session.ts';
import { runCommand } from '../helpers/cli.ts';
import { testGpu } from '../helpers/gpu.ts';
import { randn } from '../helpers/random.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dir = tempDir('run-parity');

/** Pairs whose chosen and rejected answers differ in length and letters, so the losses are not trivial. */
function writePairs(n: number): string {
  const lines = Array.from({ length: n }, (_, i) => {
    const q = `\n\nHuman: is ${i} ok?\n\nAssistant:`;
    return JSON.stringify({ chosen: `${q} yes, ${'a'.repeat(i % 5)}`, rejected: `${q} no${'!'.repeat(i % 3)}` });
  });
  const file = join(dir, 'pairs.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** The first metrics point after step 1 of a Worker run. */
function firstStep(events: WorkerEvent[]): MetricPoint {
  const point = events.find(
    (e): e is Extract<WorkerEvent, { type: 'trainer-metrics' }> => e.type === 'trainer-metrics' && e.point.step === 1,
  );
  if (!point) throw new Error(`no metrics of step 1 among ${events.map((e) => e.type).join(', ')}`);
  return point.point;
}

const notClock = (k: string) => !k.startsWith('time/') && !k.includes('per_second');
/** A point as a report stores it: JSON writes NaN as null and −0 as 0, and every other double exactly. */
const asJson = (point: MetricPoint): Record<string, number | null> => JSON.parse(JSON.stringify(point));

describe('the CLI and the Worker build the same run', () => {
  const pairs = writePairs(40);
  const comparisons = trainingPairs(readComparisonFiles([pairs], false, () => {}).comparisons);
  const pmFile = join(dir, 'pm.safetensors');

  it('rlhf pm and pm-create: the same first-step loss, accuracy and held-out evaluation', async () => {
    const report = join(dir, 'pm.json');
    await runCommand(
      pm,
      '--train',
      pairs,
      '--preset',
      'nano',
      '--steps',
      '1',
      '--batch',
      '4',
      '--seq',
      '32',
      '--lr',
      '0.01',
      '--eval-interval',
      '1',
      '--seed',
      '3',
      '--out',
      pmFile,
      '--report',
      report,
    );
    const cli = JSON.parse(readFileSync(report, 'utf8')).history[0] as Record<string, number | null>;

    const events: WorkerEvent[] = [];
    const loop = await createPMLoop(
      await testGpu(),
      {
        type: 'pm-create',
        run: 'parity',
        datasets: [{ id: pairs, comparisons }],
        init: null,
        settings: { preset: 'nano', steps: 1, pairsPerBatch: 4, seqLen: 32, lr: 0.01, evalInterval: 1, seed: 3 },
      },
      (e) => events.push(e),
    );
    await loop.stepOnce();
    const worker = asJson(firstStep(events));
    const keys = Object.keys(worker).filter(notClock);
    expect(keys).toEqual(expect.arrayContaining(['train/loss', 'train/accuracy', 'eval/loss', 'eval/accuracy']));
    for (const k of keys) expect(worker[k], k).toBe(cli[k]);
    await loop.reset();
  });

  it('rlhf ppo and rlhf-create: the same first iteration, metric for metric', async () => {
    const cfg = PRESETS.nano;
    const policyFile = join(dir, 'policy.safetensors');
    const policyBytes = checkpointBytes(
      cfg,
      initParams(paramTable(cfg), cfg, (n) => randn(n, 9)),
      { tokenizer: 'byte', kind: 'policy', preset: 'nano' },
    );
    writeFileSync(policyFile, policyBytes);
    const report = join(dir, 'ppo.json');
    await runCommand(
      ppo,
      '--policy',
      policyFile,
      '--pm',
      pmFile,
      '--prompts',
      pairs,
      '--iterations',
      '1',
      '--batch',
      '4',
      '--minibatches',
      '1',
      '--epochs',
      '1',
      '--max-tokens',
      '4',
      '--kl-coef',
      '0.05',
      '--lr',
      '0.0001',
      '--seed',
      '3',
      '--out',
      join(dir, 'rlhf.safetensors'),
      '--report',
      report,
    );
    const cli = JSON.parse(readFileSync(report, 'utf8')).iterations[0] as Record<string, number | null>;

    const events: WorkerEvent[] = [];
    const loop = await createPPOLoop(
      await testGpu(),
      {
        type: 'rlhf-create',
        run: 'parity',
        policy: { name: policyFile, bytes: policyBytes },
        reward: { kind: 'pm', name: pmFile, bytes: new Uint8Array(readFileSync(pmFile)) },
        prompts: [...new Set(comparisons.map((c) => c.context))],
        settings: {
          iterations: 1,
          batchSize: 4,
          minibatches: 1,
          epochs: 1,
          maxTokens: 4,
          klCoef: 0.05,
          klTarget: 0,
          lr: 1e-4,
          reward: 'pm',
          seed: 3,
        },
      },
      (e) => events.push(e),
    );
    await loop.stepOnce();
    const worker = asJson(firstStep(events));
    const keys = Object.keys(worker).filter((k) => notClock(k) && k !== 'step');
    expect(keys).toEqual(expect.arrayContaining(['objective/scores', 'objective/kl', 'loss/policy', 'loss/value']));
    for (const k of keys) expect(worker[k], k).toBe(cli[k]);
    await loop.reset();
  });

  it('rlhf online and online-run: the same first round, labels, PM, PPO iteration, Elo and checkpoints', async () => {
    const cfg = PRESETS.nano;
    const policyFile = join(dir, 'online-policy.safetensors');
    const trunk = (seed: number) => initParams(paramTable(cfg), cfg, (n) => randn(n, seed));
    const policyBytes = checkpointBytes(cfg, trunk(9), { tokenizer: 'byte', kind: 'policy', preset: 'nano' });
    writeFileSync(policyFile, policyBytes);
    // a random PM as the labeller: its scores differ between two answers, so the round adds comparisons
    const labellerFile = join(dir, 'labeller.safetensors');
    const head = initHeadParams(headTable('reward_head', cfg.channels), (n) => randn(n, 11));
    const pmMeta = { tokenizer: 'byte', kind: 'preference-model', preset: 'nano', seq_len: '32' };
    const labellerBytes = checkpointBytes(cfg, trunk(10), pmMeta, { reward_head: head });
    writeFileSync(labellerFile, labellerBytes);
    const out = join(dir, 'online');
    const report = join(dir, 'online.json');
    // the notebook's PMs start from its policy: --pm-init the policy
    await runCommand(
      online,
      '--policy',
      policyFile,
      '--prompts',
      pairs,
      '--train',
      pairs,
      '--labeller',
      labellerFile,
      '--pm-init',
      policyFile,
      '--rounds',
      '1',
      '--iterations',
      '1',
      '--n-label',
      '3',
      '--n-elo',
      '3',
      '--pm-steps',
      '1',
      '--pm-batch',
      '4',
      '--pm-lr',
      '0.01',
      '--batch',
      '2',
      '--minibatches',
      '1',
      '--epochs',
      '1',
      '--max-tokens',
      '4',
      '--kl-coef',
      '0.05',
      '--lr',
      '0.0001',
      '--seed',
      '3',
      '--out',
      out,
      '--report',
      report,
    );
    const cli = JSON.parse(readFileSync(report, 'utf8')).rounds[0];

    const settings: OnlineSettings = {
      rounds: 1,
      iterations: 1,
      labelPrompts: 3,
      eloPrompts: 3,
      pmSteps: 1,
      pmPairsPerBatch: 4,
      pmLr: 0.01,
      batchSize: 2,
      minibatches: 1,
      epochs: 1,
      maxTokens: 4,
      klCoef: 0.05,
      lr: 1e-4,
      seed: 3,
    };
    const rounds: OnlineRoundResult[] = [];
    const scope = (await testGpu()).scope('online parity');
    await runOnline(
      scope,
      {
        type: 'online-run',
        request: 'parity',
        policy: { name: policyFile, bytes: policyBytes },
        labeller: { kind: 'pm', name: labellerFile, bytes: labellerBytes },
        comparisons: readComparisonFiles([pairs], false, () => {}).comparisons,
        settings,
      },
      (r) => rounds.push(r),
      () => {},
    );
    expect(scope.ownedBytes).toBe(0); // the run freed what it built: the loop's trainers and the labeller's PM
    scope.dispose();
    expect(rounds).toHaveLength(1);
    const worker = JSON.parse(JSON.stringify(rounds[0].report));
    expect(worker.comparisons_added).toBeGreaterThan(0);
    expect(worker.comparisons_added).toBe(cli.comparisons_added);
    expect(worker.labelling).toEqual(cli.labelling);
    expect(Object.keys(worker.pm)).toEqual(expect.arrayContaining(['train/loss', 'train/accuracy', 'eval']));
    expect(worker.pm).toEqual(cli.pm);
    const [w, c] = [worker.ppo.iterations[0], cli.ppo.iterations[0]];
    const keys = Object.keys(w).filter(notClock);
    expect(keys).toEqual(expect.arrayContaining(['objective/scores', 'objective/kl', 'loss/policy', 'loss/value']));
    for (const k of keys) expect(w[k], k).toBe(c[k]);
    expect(worker.elo.elo).toEqual(cli.elo.elo);
    expect(worker.elo.meanScore).toEqual(cli.elo.meanScore);
    // the round's checkpoints: the same weights and the same metadata (the PM's preset is its starting point's)
    expect(rounds[0].pm.metadata).toMatchObject({ preset: 'nano', kind: 'preference-model', online_round: '1' });
    const stored = (name: string) => readFileSync(join(out, 'round-1', name));
    expect(Buffer.from(rounds[0].pm.bytes).equals(stored('pm.safetensors'))).toBe(true);
    expect(Buffer.from(rounds[0].policy.bytes).equals(stored('policy.safetensors'))).toBe(true);
  });
});
