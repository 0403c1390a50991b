// One RLHF run with PPO (Bai et al. 2022, §4), set up identically for the command line (`rlhf ppo`), the
// notebook's Worker (worker/ppo-session.ts) and the tension explorer, from one PPORunConfig:
//   policy  the checkpoint the run starts from, also the frozen reference π0 (its value head too when it has
//           one; else a fresh one on the shared trunk); a preference model is refused: its trunk was never
//           trained to write text
//   reward  a preference model's score (pmReward) or the synthetic world's gold scorer; optionally a test PM
//           that scores every iteration's responses without being optimised against (§4.2), and the gold
//           scorer's metrics beside the reward
//   prompts drawn B per iteration from a shuffle seeded with seed + PPO_SEEDS.prompts (PromptCycle), read up
//           to the prompt budget: the longest prompt, at most what the context leaves after maxTokens
//           (promptTokenBudget), unless the config names one; the trainer keys its sampling and minibatch draws
//           by (seed, iteration)
//   resume  the policy and value head from a stored checkpoint, whose `ppo_state` metadata puts the trainer at
//           its iteration, λ_KL and score moments, π0 still the initial policy; the prompt stream skips the
//           prompts already used. AdamW's moments restart from zero.
// planPPORun checks the settings without a GPU (the CLI reports its errors as usage errors); new PPORun(gpu, plan)
// builds the trainer and the reward models in a GPU scope of its own, which dispose() frees.
// Nothing here imports the DOM or Node: it runs unchanged in the Worker and in the CLI.

import type { Tokenizer } from '../data/tokenizer.ts';
import { tokenizerOfCheckpoint } from '../data/tokenizers.ts';
import type { Gpu } from '../kernels/gpu.ts';
import { checkpointBytes, loadCheckpoint, type Checkpoint } from '../models/checkpoint.ts';
import type { GPTConfig } from '../models/config.ts';
import { checkPPOConfig } from './ppo-config.ts';
import { goldReward, goldSummary, PromptCycle, promptTokenBudget } from './ppo-data.ts';
import { PPOTrainer, pmReward, type PPOConfig, type PPOIteration, type PPOResumeState, type RewardFn } from './ppo.ts';

/** What each random draw of a run is seeded with beyond the trainer's own: the run's seed plus this offset. */
export const PPO_SEEDS = { prompts: 1 } as const;

/** A checkpoint and the name its messages use (a file path, or the notebook's label). */
export interface NamedCheckpoint {
  name: string;
  checkpoint: Checkpoint;
}

/** What a run optimises: a preference model's score, or the synthetic world's gold scorer. */
export type PPORewardSource = ({ kind: 'pm' } & NamedCheckpoint) | { kind: 'gold' };

/** Everything a PPO run is built from. */
export interface PPORunConfig {
  /** The initial policy, also the frozen reference π0. */
  policy: NamedCheckpoint;
  reward: PPORewardSource;
  /** A second preference model scoring every iteration's responses (test_pm/scores), not optimised against. */
  testPm?: NamedCheckpoint | null;
  /** The gold scorer's metrics (gold/*) beside the reward: true always, false never, absent when a prompt of
   * the iteration is the synthetic world's. */
  gold?: boolean;
  prompts: readonly string[];
  iterations: number;
  /** PPO's settings; maxPromptTokens 0: the prompt budget (promptTokenBudget). */
  ppo: PPOConfig;
  /** A stored checkpoint of this run after `step` iterations (with its ppo_state metadata) to go on from. */
  resume?: { bytes: Uint8Array; step: number };
}

/** A checked run: what PPORun builds on the GPU. */
export interface PPORunPlan {
  readonly run: PPORunConfig;
  readonly cfg: GPTConfig;
  readonly tokenizer: Tokenizer;
  /** The run's PPO config, its prompt budget resolved. */
  readonly ppo: PPOConfig;
  /** The policy's preset (its `preset` metadata, else 'custom'). */
  readonly preset: string;
  /** Prompts longer than the budget (cut from the left: the policy reads their end). */
  readonly promptsCut: number;
  /** The stored checkpoint and trainer state of a resumed run. */
  readonly resume: { checkpoint: Checkpoint; state: PPOResumeState } | null;
}

/** One iteration as a run reports it: the trainer's, with the evaluators' scores added. */
export interface PPORunIteration extends Omit<PPOIteration, 'metrics'> {
  /** PPO's metrics (TRL's names), then test_pm/scores and gold/* when measured. */
  metrics: Record<string, number>;
  /** λ_KL the iteration's rewards used (the adaptive controller may have moved it since). */
  klCoef: number;
  /** Each sample's test-PM score and gold score, when measured. */
  testPmScores: number[] | null;
  goldScores: number[] | null;
  /** Seconds the evaluators (test PM, gold) took. */
  evalSeconds: number;
}

/** A stored checkpoint checked against the run's policy, and the trainer state its ppo_state metadata carries. */
function resumeFrom(
  resume: { bytes: Uint8Array; step: number },
  cfg: GPTConfig,
): { checkpoint: Checkpoint; state: PPOResumeState } {
  const file = `the run's checkpoint at iteration ${resume.step}`;
  const checkpoint = loadCheckpoint(resume.bytes, file, cfg);
  const raw = checkpoint.metadata.ppo_state;
  if (!raw) throw new Error(`${file} has no ppo_state metadata (it was stored before runs could resume)`);
  let state: PPOResumeState;
  try {
    state = JSON.parse(raw) as PPOResumeState;
  } catch {
    throw new Error(`${file}: its ppo_state metadata is not JSON`);
  }
  if (state.iteration !== resume.step)
    throw new Error(`${file} records iteration ${state.iteration}, not ${resume.step}`);
  return { checkpoint, state };
}

/** Checks a run's settings (no GPU): an Error saying what to change when they cannot work. */
export function planPPORun(run: PPORunConfig): PPORunPlan {
  const { policy } = run;
  const ckpt = policy.checkpoint;
  if (ckpt.metadata.kind === 'preference-model' || ckpt.heads.reward_head) {
    throw new Error(
      `${policy.name} is a preference model; start RLHF from a language model (a base-model or RLHF policy checkpoint)`,
    );
  }
  if (!Number.isInteger(run.iterations) || run.iterations < 1)
    throw new Error(`iterations must be a positive integer, got ${run.iterations}`);
  const tokenizer = tokenizerOfCheckpoint(ckpt.metadata, ckpt.cfg, policy.name);
  if (!run.prompts.length) throw new Error('no prompts: a run needs at least one to draw from');
  const { maxSeqLen } = ckpt.cfg;
  const { maxTokens } = run.ppo;
  const lengths = run.prompts.map((p) => tokenizer.encode(p).length);
  const maxPromptTokens = run.ppo.maxPromptTokens || promptTokenBudget(lengths, maxSeqLen, maxTokens);
  if (maxPromptTokens + maxTokens > maxSeqLen) {
    throw new Error(
      `prompts of ${maxPromptTokens} tokens + ${maxTokens} new tokens exceed the policy's context of ${maxSeqLen}`,
    );
  }
  const ppo = { ...run.ppo, maxPromptTokens };
  checkPPOConfig(ppo);
  return {
    run,
    cfg: ckpt.cfg,
    tokenizer,
    ppo,
    preset: ckpt.metadata.preset ?? 'custom',
    promptsCut: lengths.filter((n) => 1 + n > maxPromptTokens).length,
    resume: run.resume ? resumeFrom(run.resume, ckpt.cfg) : null,
  };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export class PPORun {
  /** The run's own GPU scope: the trainer and the reward models, freed by dispose(). */
  readonly gpu: Gpu;
  readonly trainer: PPOTrainer;
  readonly reward: RewardFn;
  readonly testReward: RewardFn | null;
  readonly prompts: PromptCycle;

  constructor(
    gpu: Gpu,
    readonly plan: PPORunPlan,
  ) {
    this.gpu = gpu.scope('ppo run');
    const { run, cfg, ppo, tokenizer, resume } = plan;
    const B = ppo.batchSize;
    this.reward = run.reward.kind === 'pm' ? pmReward(this.gpu, run.reward.checkpoint, run.reward.name, B) : goldReward;
    this.testReward = run.testPm ? pmReward(this.gpu, run.testPm.checkpoint, run.testPm.name, B) : null;
    const initial = run.policy.checkpoint;
    const init = resume
      ? { policy: resume.checkpoint.packed, valueHead: resume.checkpoint.heads.value_head, reference: initial.packed }
      : { policy: initial.packed, valueHead: initial.heads.value_head };
    this.trainer = new PPOTrainer(this.gpu, cfg, ppo, init, tokenizer, this.reward);
    this.prompts = new PromptCycle(run.prompts, ppo.seed + PPO_SEEDS.prompts);
    if (resume) {
      this.trainer.resumeAt(resume.state);
      this.prompts.next(resume.state.iteration * B); // the prompts the stored iterations used
    }
  }

  /** Iterations done. */
  get iteration(): number {
    return this.trainer.iteration;
  }

  get done(): boolean {
    return this.trainer.iteration >= this.plan.run.iterations;
  }

  /** What the reward is, in words. */
  get rewardName(): string {
    const r = this.plan.run.reward;
    return r.kind === 'pm'
      ? `preference model ${r.name}`
      : "the synthetic world's gold scorer (helpfulness − harmfulness)";
  }

  /**
   * One PPO iteration on the next B prompts (drawn when called), then the evaluators. Iterations must not
   * overlap: await one before starting the next.
   */
  async iterate(o: { inspect?: boolean } = {}): Promise<PPORunIteration> {
    const klCoef = this.trainer.klCoef;
    const it = await this.trainer.step(this.prompts.next(this.plan.ppo.batchSize), { inspect: o.inspect });
    const metrics: Record<string, number> = { ...it.metrics };
    const t0 = performance.now();
    let testPmScores: number[] | null = null;
    if (this.testReward) {
      testPmScores = await this.testReward(
        it.samples.map((x) => x.prompt),
        it.samples.map((x) => x.response),
        [],
      );
      metrics['test_pm/scores'] = mean(testPmScores);
    }
    let goldScores: number[] | null = null;
    const gold = this.plan.run.gold;
    if (gold !== false) {
      const g = goldSummary(it.samples);
      if (gold || g.known) {
        Object.assign(metrics, g.metrics);
        goldScores = g.scores;
      }
    }
    return { ...it, metrics, klCoef, testPmScores, goldScores, evalSeconds: (performance.now() - t0) / 1000 };
  }

  /** What a checkpoint of the run records (ppo_state: what a resumed run needs); `extra` adds to it. */
  metadata(extra: Record<string, string> = {}): Record<string, string> {
    const { run, tokenizer, preset, ppo } = this.plan;
    return {
      tokenizer: tokenizer.name,
      kind: 'policy',
      preset,
      init: run.policy.name,
      reward: run.reward.kind === 'pm' ? `pm:${run.reward.name}` : 'gold',
      seed: String(ppo.seed),
      ppo_iterations: String(this.trainer.iteration),
      ppo_state: JSON.stringify(this.trainer.resumeState()),
      ...extra,
    };
  }

  /** The policy and its value head as a GPT-2-layout safetensors checkpoint. */
  async checkpoint(metadata: Record<string, string>): Promise<Uint8Array> {
    const params = await this.trainer.policyParams();
    return checkpointBytes(this.plan.cfg, params, metadata, { value_head: await this.trainer.valueHeadParams() });
  }

  /** Frees every GPU buffer the run created: the trainer and the preference models it scores with. */
  dispose(): void {
    this.gpu.dispose();
  }
}
