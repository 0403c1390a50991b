// planOnlineRun (src/train/online-run.ts), without a GPU: the one setup `rlhf online` and the notebook's online-run
// share. The notebook's OnlineSettings is a run's settings as they are; the defaults (sample batch, bootstrap, PM
// epochs and sequence length, PPO's prompt budget) are filled in; the PM's preset is its starting checkpoint's;
// and every refusal comes before the GPU, naming the setting as the caller names it (the CLI: its flags).

import { describe, expect, it } from 'vitest';
import type { Comparison } from '../../src/data/comparisons.ts';
import { synthPrompts } from '../../src/data/synth.ts';
import { byteTokenizer } from '../../src/data/tokenizer.ts';
import type { Checkpoint } from '../../src/models/checkpoint.ts';
import { PRESETS } from '../../src/models/config.ts';
import { headTable, initHeadParams } from '../../src/models/head-table.ts';
import { initParams, paramTable } from '../../src/models/params.ts';
import type { OnlineSettings } from '../../src/protocol.ts';
import { planOnlineRun, type OnlineRunConfig } from '../../src/train/online-run.ts';
import { promptTokenBudget } from '../../src/train/ppo-data.ts';
import { DEFAULT_PPO } from '../../src/train/ppo.ts';
import { randn } from '../helpers/random.ts';

const cfg = PRESETS.nano;
const trunk = initParams(paramTable(cfg), cfg, (n) => randn(n, 1));
const policy: Checkpoint = {
  cfg,
  packed: trunk,
  heads: {},
  metadata: { tokenizer: 'byte', kind: 'policy', preset: 'nano' },
};
const pm: Checkpoint = {
  cfg,
  packed: trunk,
  metadata: { tokenizer: 'byte', kind: 'preference-model', seq_len: '32' },
  heads: { reward_head: initHeadParams(headTable('reward_head', cfg.channels), (n) => randn(n, 2)) },
};
const prompts = synthPrompts({ seed: 3, n: 6 });
const comparisons: Comparison[] = prompts.map((context, i) => ({
  context,
  chosen: ` yes ${i}`,
  rejected: ' no',
  subset: 'helpful',
  source: { file: 'test', line: i + 1 },
}));
const settings: OnlineSettings = {
  rounds: 2,
  iterations: 3,
  labelPrompts: 4,
  eloPrompts: 3,
  pmSteps: 5,
  pmPairsPerBatch: 2,
  pmLr: 0.01,
  batchSize: 2,
  minibatches: 1,
  epochs: 1,
  maxTokens: 4,
  klCoef: 0.05,
  lr: 1e-4,
  seed: 7,
};
const run = (o: Partial<OnlineRunConfig> = {}, s: Partial<OnlineRunConfig['settings']> = {}): OnlineRunConfig => ({
  policy: { name: 'policy', checkpoint: policy },
  labeller: { kind: 'gold' },
  pmInit: null,
  prompts,
  comparisons,
  ...o,
  settings: { ...settings, ...s },
});

describe('planOnlineRun', () => {
  it("takes the notebook's settings as they are and fills in the defaults", () => {
    const plan = planOnlineRun(run());
    const { config } = plan;
    expect(config).toMatchObject({ labelPrompts: 4, iterations: 3, sampleBatch: 16, bootstrap: 200, pmEpochs: 1 });
    expect(config.seed).toBe(7);
    expect(config.pm).toMatchObject({ pairsPerBatch: 2, steps: 5, lr: 0.01, seqLen: cfg.maxSeqLen });
    const budget = promptTokenBudget(
      prompts.map((p) => byteTokenizer.encode(p).length),
      cfg.maxSeqLen,
      4,
    );
    expect(config.ppo).toEqual({
      ...DEFAULT_PPO,
      batchSize: 2,
      minibatches: 1,
      epochs: 1,
      maxTokens: 4,
      klCoef: 0.05,
      lr: 1e-4,
      seed: 7,
      maxPromptTokens: budget,
    });
    expect(plan.units).toBe(2 * (3 + 3));
    expect(plan.eloPrompts).toHaveLength(3);
    expect(new Set(plan.eloPrompts).size).toBe(3);
    expect(plan.initial.train.length + plan.initial.heldOut.length).toBe(comparisons.length);
    expect(plan.initial.heldOut.length).toBe(1);
    expect(plan.warnings).toEqual([]);
  });

  it('takes the options only the command line sets, and a held-out set as given', () => {
    const heldOut = comparisons.slice(0, 2);
    const plan = planOnlineRun(
      run(
        { heldOut },
        {
          pmSteps: undefined,
          pmEpochs: 2,
          pmSeqLen: 16,
          pmWeightDecay: 0,
          sampleBatch: 3,
          bootstrap: 9,
          ppo: { temperature: 0.5, maxPromptTokens: 10 },
        },
      ),
    );
    expect(plan.config).toMatchObject({ sampleBatch: 3, bootstrap: 9, pmEpochs: 2 });
    expect(plan.config.pm).toMatchObject({ steps: null, seqLen: 16, weightDecay: 0 });
    expect(plan.config.ppo).toMatchObject({ temperature: 0.5, maxPromptTokens: 10 });
    expect(plan.initial).toEqual({ train: comparisons, heldOut });
  });

  it("records the preset of the PM's start: the policy's for a random trunk or the policy, else the init's", () => {
    expect(planOnlineRun(run()).pmPreset).toBe('nano');
    expect(planOnlineRun(run({ pmInit: { name: 'policy', checkpoint: policy } })).pmPreset).toBe('nano');
    expect(planOnlineRun(run({ pmInit: { name: 'pm', checkpoint: pm } })).pmPreset).toBe('custom');
  });

  it('refuses before the GPU, naming each setting as the caller names it', () => {
    const flags = { nameOf: (k: string) => `--${k}` };
    expect(() => planOnlineRun(run({}, { rounds: 0 }))).toThrow('rounds must be a positive integer, got 0');
    expect(() => planOnlineRun(run(flags, { labelPrompts: 1.5 }))).toThrow('--labelPrompts must be a positive integer');
    expect(() => planOnlineRun(run({}, { pmLr: 0 }))).toThrow('pmLr must be positive');
    const context = `the PM's context of ${cfg.maxSeqLen}`;
    expect(() => planOnlineRun(run({}, { pmSeqLen: 64 }))).toThrow(`pmSeqLen 64 exceeds ${context}`);
    const pmPolicy = { name: 'a-pm', checkpoint: pm };
    expect(() => planOnlineRun(run({ policy: pmPolicy }))).toThrow('a-pm is a preference model');
    expect(() => planOnlineRun(run({ ...flags, labeller: { kind: 'pm', name: 'lm', checkpoint: policy } }))).toThrow(
      '--labeller lm is not a preference model',
    );
    expect(() => planOnlineRun(run({}, { maxTokens: 40 }))).toThrow(/no room for a prompt/);
    // the labeller is named first, as `rlhf online` names it, whatever else is wrong
    const notPM = { ...flags, labeller: { kind: 'pm' as const, name: 'lm', checkpoint: policy } };
    expect(() => planOnlineRun(run(notPM, { maxTokens: 40 }))).toThrow('--labeller lm is not a preference model');
    // 5 initial training comparisons (1 of 6 held out) and 3 of 4 labelled ones (1 held out): fewer than 9 pairs
    expect(() => planOnlineRun(run({}, { pmPairsPerBatch: 9 }))).toThrow(
      /round 1's PM has at most 5 initial \+ 3 labelled/,
    );
    expect(() => planOnlineRun(run({ prompts: [] }))).toThrow(/no prompts/);
  });

  it("refuses the gold labeller when no prompt is the synthetic world's, and warns when some are not", () => {
    const outside = '\n\nHuman: What is 2+2?\n\nAssistant:';
    expect(() => planOnlineRun(run({ prompts: [outside] }))).toThrow('gold judges synthetic-world prompts only');
    const byPM = planOnlineRun(run({ prompts: [outside], labeller: { kind: 'pm', name: 'pm', checkpoint: pm } }));
    expect(byPM.warnings).toEqual([]);
    const some = planOnlineRun(run({ prompts: [...prompts, outside] }));
    expect(some.warnings).toEqual([expect.stringMatching(/^1 of 7 prompts are outside the synthetic world/)]);
  });
});
