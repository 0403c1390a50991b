// The Evaluate stage's policy analyses in the Worker (src/worker/eval-session.ts) on Dawn, without a browser:
// nano policies and a nano preference model as safetensors bytes (what the notebook's store holds),
// synthetic-world prompts.
//   leaderboard  every policy is ranked; each interval holds its estimate; the responses are the ones
//                policyResponses samples (as `rlhf elo` and the labelling view); two copies of one checkpoint
//                answer alike and tie every game; the gold judge's scores, win rates, mean scores and
//                behaviour are goldValue / goldBehaviour of the responses; a PM judge's scores are pmReward's
//   tax          a checkpoint against itself has a tax of exactly 0, different weights a different loss, and
//                each loss is the held-out loss of lmData's batches computed directly
//   errors       a PM as a policy, a policy as the judge, no prompts, one policy: named
// Elo intervals and human-judged Elo have their unit tests (test/unit/human-elo.test.ts, tournament tests).

import { beforeAll, describe, expect, it } from 'vitest';
import { byteTokenizer } from '../../src/data/tokenizer.ts';
import { synthPrompts } from '../../src/data/synth.ts';
import { goldBehaviour } from '../../src/eval/gold-behaviour.ts';
import { policyResponses } from '../../src/eval/policy-responses.ts';
import { winRateMatrix } from '../../src/eval/tournament.ts';
import type { Gpu } from '../../src/kernels/gpu.ts';
import { randn } from '../../src/util/random.ts';
import { checkpointBytes, loadCheckpoint } from '../../src/models/checkpoint.ts';
import { PRESETS } from '../../src/models/config.ts';
import { GPT } from '../../src/models/gpt.ts';
import { headTable, initHeadParams } from '../../src/models/head-table.ts';
import { initParams, paramTable } from '../../src/models/params.ts';
import type { Command, EloSettings } from '../../src/protocol.ts';
import { lmData } from '../../src/train/lm-run.ts';
import { heldOutLoss } from '../../src/eval/lm-loss.ts';
import { goldValue } from '../../src/train/ppo-data.ts';
import { pmReward } from '../../src/train/ppo.ts';
import { lmLosses, rankPolicies } from '../../src/worker/eval-session.ts';
import { testGpu } from '../helpers/gpu.ts';

const cfg = PRESETS.nano; // byte tokenizer, context 32
const policy = (seed: number, scale?: number) =>
  checkpointBytes(
    cfg,
    initParams(paramTable(cfg), cfg, (n) => randn(n, seed, scale)),
    { tokenizer: 'byte', preset: 'nano' },
  );
const A = { name: 'base nano · step 2', bytes: policy(1) };
const copyOfA = { name: 'copy of base', bytes: A.bytes.slice() };
const B = { name: 'rlhf nano · gold · iteration 3', bytes: policy(5, 0.5) };
const PM = {
  name: 'pm nano · step 1',
  bytes: checkpointBytes(
    cfg,
    initParams(paramTable(cfg), cfg, (n) => randn(n, 2, 0.3)),
    { tokenizer: 'byte', kind: 'preference-model', seq_len: '32' },
    {
      reward_head: initHeadParams(headTable('reward_head', cfg.channels), (n) => randn(n, 3, 0.5)),
    },
  ),
};
const prompts = synthPrompts({ seed: 4, n: 10 });
const settings: EloSettings = { maxTokens: 6, temperature: 1, topK: 0, batch: 4, bootstrap: 50, seed: 3 };
type EloRank = Extract<Command, { type: 'elo-rank' }>;
const rank = (over: Partial<EloRank> = {}): EloRank => ({
  type: 'elo-rank',
  request: 'r',
  policies: [A, copyOfA, B],
  judge: { kind: 'gold' },
  prompts,
  settings,
  ...over,
});
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

let gpu: Gpu;
beforeAll(async () => {
  gpu = await testGpu();
});

describe('the policy leaderboard in the Worker', () => {
  it('ranks every policy with the gold judge: responses as policyResponses samples them, scores and behaviour by goldValue, copies tie', async () => {
    const progress: [number, number, string][] = [];
    const r = await rankPolicies(gpu, rank(), (done, total, message) => progress.push([done, total, message]));
    expect(r.judge).toBe('gold');
    expect(r.policies).toEqual([A.name, copyOfA.name, B.name]);
    expect(r.prompts).toEqual(prompts);
    expect(r.games).toBe(prompts.length * 2);
    expect(r.maxTokens).toBe(6);
    for (let p = 0; p < 3; p++) {
      expect(r.lo[p]).toBeLessThanOrEqual(r.elo[p] + 1e-9);
      expect(r.hi[p]).toBeGreaterThanOrEqual(r.elo[p] - 1e-9);
    }
    expect(mean(r.elo)).toBeCloseTo(0, 6);

    // the responses: every policy answered every prompt, exactly as the CLI's and the labelling view's sampler would
    const opts = { maxTokens: 6, temperature: 1, topK: 0, seed: 3, batch: 4 };
    expect(r.responses[0]).toEqual(await policyResponses(gpu, loadCheckpoint(A.bytes, A.name), A.name, prompts, opts));
    expect(r.responses[2]).toEqual(await policyResponses(gpu, loadCheckpoint(B.bytes, B.name), B.name, prompts, opts));
    expect(r.responses[2]).not.toEqual(r.responses[0]); // different weights answer differently

    // two copies of one checkpoint answer alike: every game between them is a tie, their ratings equal
    expect(r.responses[1]).toEqual(r.responses[0]);
    expect(r.winRate[0][1]).toBe(0.5);
    expect(r.elo[1]).toBeCloseTo(r.elo[0], 6);

    // the gold judge is goldValue of the responses; win rates, mean scores and behaviour follow from them
    const gold = r.responses.map((resp) => prompts.map((p, q) => goldValue(p, resp[q])));
    expect(r.scores).toEqual(gold);
    r.meanScore.forEach((m, p) => expect(m).toBeCloseTo(mean(gold[p]), 12));
    expect(r.winRate).toEqual(winRateMatrix(gold));
    expect(r.behaviour).toEqual(r.responses.map((resp) => goldBehaviour(prompts, resp)));
    expect(r.behaviour![0].benign + r.behaviour![0].harmful).toBe(prompts.length); // synthetic prompts are all known requests

    // progress: one step per policy, then the judge, then done
    expect(progress.map(([d, t]) => [d, t])).toEqual([
      [0, 4],
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
    expect(progress[3][2]).toMatch(/gold scorer/);
  }, 300_000);

  it("judges with a preference model: its scores are pmReward's; a policy against itself ties", async () => {
    const r = await rankPolicies(gpu, rank({ policies: [A, B], judge: { kind: 'pm', ...PM } }));
    expect(r.judge).toBe(`pm:${PM.name}`);
    expect(r.behaviour).toBeUndefined();
    const reward = pmReward(gpu, loadCheckpoint(PM.bytes, PM.name), PM.name, 4);
    for (let p = 0; p < 2; p++) {
      const expected = await reward(prompts, r.responses[p], []);
      r.scores[p].forEach((s, q) => expect(s).toBeCloseTo(expected[q], 5));
    }
    expect(r.winRate[0][1] + r.winRate[1][0]).toBeCloseTo(1, 12);
    // the same checkpoint twice: identical responses, identical PM scores, every game tied
    const self = await rankPolicies(
      gpu,
      rank({ policies: [A, { ...A, name: 'A again' }], judge: { kind: 'pm', ...PM } }),
    );
    expect(self.scores[1]).toEqual(self.scores[0]);
    expect(self.winRate[0][1]).toBe(0.5);
    expect(self.elo[0]).toBeCloseTo(0, 6);
    expect(self.elo[1]).toBeCloseTo(0, 6);
  }, 300_000);

  it('names what is wrong: a PM as a policy, a policy as the judge, no prompts, a single policy', async () => {
    await expect(rankPolicies(gpu, rank({ policies: [A, PM] }))).rejects.toThrow(
      /pm nano · step 1 is a preference model, not a policy/,
    );
    await expect(rankPolicies(gpu, rank({ judge: { kind: 'pm', ...B } }))).rejects.toThrow(
      /the judge rlhf nano · gold · iteration 3 is not a preference model/,
    );
    await expect(rankPolicies(gpu, rank({ prompts: [] }))).rejects.toThrow(/no prompts/);
    await expect(rankPolicies(gpu, rank({ policies: [A] }))).rejects.toThrow(/at least two policies, got 1/);
  });
});

describe('the alignment tax in the Worker', () => {
  const transcripts = synthPrompts({ seed: 6, n: 40 }).map((p) => `${p} Sure, here you go.`);
  const lmSettings = { batchSize: 4, seqLen: 32, seed: 7, assistantOnly: false };
  type LMEvaluate = Extract<Command, { type: 'lm-evaluate' }>;
  const evaluate = (over: Partial<LMEvaluate> = {}): LMEvaluate => ({
    type: 'lm-evaluate',
    request: 't',
    models: [A, copyOfA, B],
    transcripts,
    settings: lmSettings,
    ...over,
  });

  it('a checkpoint against itself pays no tax; different weights a different loss, each the held-out loss of the same batches', async () => {
    const progress: number[] = [];
    const ev = await lmLosses(gpu, evaluate(), (done) => progress.push(done));
    expect(ev.results.map((x) => x.model)).toEqual([A.name, copyOfA.name, B.name]);
    expect(ev.results[0].alignment_tax).toBe(0);
    expect(ev.results[1].loss).toBe(ev.results[0].loss);
    expect(ev.results[1].alignment_tax).toBe(0);
    expect(ev.results[2].loss).not.toBe(ev.results[0].loss);
    expect(ev.results[2].alignment_tax).toBeCloseTo(ev.results[2].loss - ev.results[0].loss, 12);
    expect(progress).toEqual([0, 1, 2, 3]);

    // the same batches lmData holds out under the seed, evaluated directly
    const data = lmData(transcripts, {
      tokenizer: byteTokenizer,
      assistantOnly: false,
      batchSize: 4,
      seqLen: 32,
      seed: 7,
    });
    expect([ev.transcripts, ev.heldOutTranscripts, ev.batches]).toEqual([
      data.transcripts,
      data.heldOutTranscripts,
      data.heldOut.length,
    ]);
    for (const [i, c] of [A, B].entries()) {
      const ckpt = loadCheckpoint(c.bytes, c.name);
      const model = new GPT(gpu, cfg, 4, 32, undefined, { backward: false });
      gpu.write(model.params, ckpt.packed);
      expect(ev.results[2 * i].loss).toBeCloseTo(await heldOutLoss(model, data.heldOut), 6);
    }
    // an untrained byte model is near uniform over its 258 tokens
    expect(Math.abs(ev.results[0].loss - Math.log(258))).toBeLessThan(0.5);
  }, 300_000);

  it('names what is wrong: a PM, no transcripts, a sequence longer than the context', async () => {
    await expect(lmLosses(gpu, evaluate({ models: [A, PM] }))).rejects.toThrow(
      /pm nano · step 1 is a preference model, not a policy/,
    );
    await expect(lmLosses(gpu, evaluate({ transcripts: [] }))).rejects.toThrow(/no transcripts/);
    await expect(lmLosses(gpu, evaluate({ settings: { ...lmSettings, seqLen: 64 } }))).rejects.toThrow(
      /sequence length 64 must be between 2 and the shortest model context, 32/,
    );
  });
});
