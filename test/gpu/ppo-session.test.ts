// The RLHF stage's Worker session (src/worker/ppo-session.ts) on Dawn, without a browser: a nano policy and a
// nano preference model as safetensors bytes (what the notebook's store holds), synthetic-world prompts.
//   (a) PM reward: an inspected iteration sends its trace, then its samples, then its metrics (TRL's names and
//       the gold scores), in that order; the trace is consistent (π = π0 in the first iteration, so KL = 0,
//       and the last token's reward is the score); the samples' scores are the PM's own scores of those
//       responses; the last iteration ends the run with a policy checkpoint that loads, value head included.
//   (b) gold reward: every sample's score is the gold scorer's, and objective/scores = gold/scores.
//   (c) bad input is named before any iteration: a preference model as the policy, no room for a prompt.
//   (d) resume: a run resumed from its automatic checkpoint after iteration 1 (adaptive λ_KL) draws iteration 2's
//       rollouts exactly as the uninterrupted run did (same prompts, responses, KL to the original π0, λ_KL).

import { beforeAll, describe, expect, it } from 'vitest';
import { synthPrompts } from '../../src/data/synth.ts';
import type { Gpu } from '../../src/kernels/gpu.ts';
import { randn } from '../../src/util/random.ts';
import { checkpointBytes, loadCheckpoint } from '../../src/models/checkpoint.ts';
import { PRESETS } from '../../src/models/config.ts';
import { headTable, initHeadParams } from '../../src/models/head-table.ts';
import { initParams, paramTable } from '../../src/models/params.ts';
import type { Command, RLHFRunSettings, WorkerEvent } from '../../src/protocol.ts';
import { goldValue } from '../../src/train/ppo-data.ts';
import { PPO_METRICS, pmReward } from '../../src/train/ppo.ts';
import { createPPOLoop } from '../../src/worker/ppo-session.ts';
import { testGpu } from '../helpers/gpu.ts';

const cfg = PRESETS.nano; // byte tokenizer, context 32
const policyBytes = checkpointBytes(
  cfg,
  initParams(paramTable(cfg), cfg, (n) => randn(n, 1)),
  { tokenizer: 'byte', preset: 'nano' },
);
const pmBytes = checkpointBytes(
  cfg,
  initParams(paramTable(cfg), cfg, (n) => randn(n, 2, 0.3)),
  { tokenizer: 'byte', kind: 'preference-model', seq_len: '32' },
  {
    reward_head: initHeadParams(headTable('reward_head', cfg.channels), (n) => randn(n, 3, 0.5)),
  },
);
const prompts = synthPrompts({ seed: 4, n: 6 });
const settings: RLHFRunSettings = {
  iterations: 2,
  batchSize: 4,
  minibatches: 2,
  epochs: 1,
  maxTokens: 6,
  klCoef: 0.01,
  klTarget: 0,
  lr: 1e-3,
  reward: 'pm',
  seed: 3,
};
type Create = Extract<Command, { type: 'rlhf-create' }>;
const create = (over: Partial<Create> = {}): Create => ({
  type: 'rlhf-create',
  run: 'r1',
  settings,
  policy: { name: 'base nano · step 2', bytes: policyBytes },
  reward: { kind: 'pm', name: 'pm nano', bytes: pmBytes },
  prompts,
  ...over,
});

let gpu: Gpu;
beforeAll(async () => {
  gpu = await testGpu();
});

function recorder() {
  const events: WorkerEvent[] = [];
  return { events, post: (e: WorkerEvent) => void events.push(e) };
}

describe('the RLHF session', () => {
  it("runs inspected and plain iterations against a PM: trace, samples, metrics in order; scores are the PM's; a loadable checkpoint at the end", async () => {
    const { events, post } = recorder();
    const loop = await createPPOLoop(gpu, create(), post);
    expect(events[0]).toMatchObject({ type: 'trainer-status', status: 'preparing', steps: 2 });
    const info = events.find((e) => e.type === 'trainer-info');
    expect(info).toMatchObject({
      trainer: 'rlhf',
      run: 'r1',
      info: {
        'policy (and π0)': 'base nano · step 2',
        reward: 'preference model pm nano',
        'distinct prompts': 6,
        'value head': 'fresh (shared trunk)',
      },
    });

    events.length = 0;
    await loop.inspectOnce();
    const kinds = events.map((e) => e.type).filter((t) => t !== 'trainer-status');
    expect(kinds).toEqual(['rlhf-inspect', 'rlhf-samples', 'trainer-metrics']);
    const trace = (events.find((e) => e.type === 'rlhf-inspect') as Extract<WorkerEvent, { type: 'rlhf-inspect' }>)
      .trace;
    const samples = (events.find((e) => e.type === 'rlhf-samples') as Extract<WorkerEvent, { type: 'rlhf-samples' }>)
      .samples;
    const point = (
      events.find((e) => e.type === 'trainer-metrics') as Extract<WorkerEvent, { type: 'trainer-metrics' }>
    ).point;
    expect(trace.iteration).toBe(1);
    expect(trace.rows).toHaveLength(4);
    expect(samples).toHaveLength(4);
    for (const [b, r] of trace.rows.entries()) {
      expect(r.tokens.length).toBeGreaterThan(0);
      for (const xs of [r.logp, r.refLogp, r.kl, r.value, r.reward, r.advantage, r.return, r.ratio[0]])
        expect(xs).toHaveLength(r.tokens.length);
      expect(r.kl.every((k) => k === 0)).toBe(true); // π = π0 when the first rollout is drawn
      expect(r.reward.at(-1)).toBeCloseTo(samples[b].score, 5); // −λ·0 + the score, at the last token
      expect(r.score).toBe(samples[b].score);
      // the tokens, read back as bytes (\xNN for a byte that is no character on its own), begin with the response
      const bytes = r.tokens.flatMap((t) =>
        /^\\x[0-9a-f]{2}$/.test(t)
          ? [parseInt(t.slice(2), 16)]
          : t === '<|endoftext|>'
            ? []
            : [...new TextEncoder().encode(t)],
      );
      expect(new TextDecoder().decode(Uint8Array.from(bytes)).startsWith(samples[b].response)).toBe(true);
      expect(samples[b].gold).toBe(goldValue(samples[b].prompt, samples[b].response));
    }
    // the samples' scores are the preference model's own scores of those responses
    const pm = pmReward(gpu, loadCheckpoint(pmBytes, 'pm'), 'pm', 4);
    const again = await pm(
      samples.map((s) => s.prompt),
      samples.map((s) => s.response),
      [],
    );
    again.forEach((s, b) => expect(samples[b].score).toBeCloseTo(s, 4));
    expect(new Set(samples.map((s) => s.score)).size).toBeGreaterThan(1);
    expect(point.step).toBe(1);
    for (const name of [...PPO_METRICS, 'gold/scores', 'gold/unknown_rate']) expect(name in point, name).toBe(true);
    expect(point['objective/scores']).toBeCloseTo(samples.reduce((a, s) => a + s.score, 0) / 4, 5);
    expect(point['objective/kl']).toBe(0);

    events.length = 0;
    await loop.stepOnce();
    expect(events.some((e) => e.type === 'rlhf-inspect')).toBe(false);
    expect(events.filter((e) => e.type === 'rlhf-samples')).toMatchObject([{ iteration: 2 }]);
    expect(loop.status).toBe('done');
    const ckpt = events.find((e) => e.type === 'trainer-checkpoint') as Extract<
      WorkerEvent,
      { type: 'trainer-checkpoint' }
    >;
    expect(ckpt).toMatchObject({
      trainer: 'rlhf',
      run: 'r1',
      step: 2,
      metadata: {
        kind: 'policy',
        tokenizer: 'byte',
        preset: 'nano',
        ppo_iterations: '2',
        reward: 'pm:pm nano',
        init: 'base nano · step 2',
      },
    });
    const saved = loadCheckpoint(ckpt.bytes, 'rlhf.safetensors');
    expect(saved.cfg).toEqual(cfg);
    expect(saved.heads.value_head).toBeDefined();
    expect(saved.packed).not.toEqual(loadCheckpoint(policyBytes, 'policy').packed); // PPO moved the policy
  }, 600_000);

  it('scores with the gold scorer when asked: every score is the gold value, and objective/scores = gold/scores', async () => {
    const { events, post } = recorder();
    const loop = await createPPOLoop(
      gpu,
      create({ run: 'r2', reward: { kind: 'gold' }, settings: { ...settings, reward: 'gold', iterations: 1 } }),
      post,
    );
    await loop.stepOnce();
    const samples = (events.find((e) => e.type === 'rlhf-samples') as Extract<WorkerEvent, { type: 'rlhf-samples' }>)
      .samples;
    for (const s of samples) expect(s.score).toBe(goldValue(s.prompt, s.response));
    const point = (
      events.find((e) => e.type === 'trainer-metrics') as Extract<WorkerEvent, { type: 'trainer-metrics' }>
    ).point;
    expect(point['gold/scores']).toBeCloseTo(point['objective/scores'], 12);
    expect(events.find((e) => e.type === 'trainer-checkpoint')).toMatchObject({
      metadata: { reward: 'gold', ppo_iterations: '1' },
    });
  }, 600_000);

  it("resumes after an automatic checkpoint: the next iteration's rollouts, KL to the original π0 and λ_KL are the uninterrupted run's", async () => {
    const s: RLHFRunSettings = { ...settings, reward: 'gold', klTarget: 2, saveInterval: 1 };
    const a = recorder();
    const full = await createPPOLoop(gpu, create({ run: 'a', reward: { kind: 'gold' }, settings: s }), a.post);
    await full.stepOnce();
    await full.stepOnce();
    const checkpoints = a.events.filter(
      (e): e is Extract<WorkerEvent, { type: 'trainer-checkpoint' }> => e.type === 'trainer-checkpoint',
    );
    expect(checkpoints.map((e) => e.step)).toEqual([1, 2]);
    expect(JSON.parse(checkpoints[0].metadata.ppo_state)).toMatchObject({ iteration: 1 });
    const samplesOf = (events: WorkerEvent[], iteration: number) =>
      (
        events.find((e) => e.type === 'rlhf-samples' && e.iteration === iteration) as Extract<
          WorkerEvent,
          { type: 'rlhf-samples' }
        >
      ).samples;
    const metricsOf = (events: WorkerEvent[], step: number) =>
      (
        events.find((e) => e.type === 'trainer-metrics' && e.point.step === step) as Extract<
          WorkerEvent,
          { type: 'trainer-metrics' }
        >
      ).point;

    const b = recorder();
    const resumed = await createPPOLoop(
      gpu,
      create({ run: 'b', reward: { kind: 'gold' }, settings: s, resume: { bytes: checkpoints[0].bytes, step: 1 } }),
      b.post,
    );
    expect(b.events.find((e) => e.type === 'trainer-info')).toMatchObject({ info: { 'resumed at iteration': 1 } });
    await resumed.stepOnce();
    expect(resumed.status).toBe('done');
    const [sa, sb] = [samplesOf(a.events, 2), samplesOf(b.events, 2)];
    expect(sb.map((x) => [x.prompt, x.response])).toEqual(sa.map((x) => [x.prompt, x.response]));
    const [pa, pb] = [metricsOf(a.events, 2), metricsOf(b.events, 2)];
    expect(pa['objective/kl']).not.toBe(0); // the policy moved in iteration 1 …
    expect(pb['objective/kl']).toBeCloseTo(pa['objective/kl'], 4); // … and the resumed run measures KL to the same π0
    expect(pa['objective/kl_coef']).not.toBe(settings.klCoef); // the adaptive controller moved λ_KL …
    expect(pb['objective/kl_coef']).toBe(pa['objective/kl_coef']); // … and the checkpoint carried it
    // a checkpoint stored without the trainer's state cannot resume
    await expect(
      createPPOLoop(gpu, create({ run: 'c', resume: { bytes: policyBytes, step: 1 } }), b.post),
    ).rejects.toThrow(/no ppo_state metadata/);
  }, 600_000);

  it('names bad input before any iteration', async () => {
    const { post } = recorder();
    await expect(
      createPPOLoop(gpu, create({ policy: { name: 'pm.safetensors', bytes: pmBytes } }), post),
    ).rejects.toThrow(/pm\.safetensors is a preference model/);
    await expect(createPPOLoop(gpu, create({ settings: { ...settings, maxTokens: 32 } }), post)).rejects.toThrow(
      /32 new tokens leave no room for a prompt in the model's context of 32/,
    );
    await expect(createPPOLoop(gpu, create({ prompts: [] }), post)).rejects.toThrow(/no prompts/);
    await expect(createPPOLoop(gpu, create({ settings: { ...settings, minibatches: 3 } }), post)).rejects.toThrow(
      /minibatches must be a divisor/,
    );
  }, 120_000);
});
