// The RLHF stage in the Worker (Bai et al. 2022, §4): builds a PPOTrainer (src/train/ppo.ts, the same trainer
// as `rlhf ppo`) from the policy checkpoint the UI sends (it is also the frozen reference π0), the reward (a
// preference-model checkpoint through pmReward, or the synthetic world's gold scorer) and the prompts, and runs
// it under a RunLoop: one step = one PPO iteration (rollout, score, KL-penalised rewards, GAE, K epochs × M
// minibatch updates).
//
// Per iteration it sends, in this order: `rlhf-samples` (every rollout's prompt, response and score), with
// `rlhf-inspect` first when the iteration was inspected (every rollout's per-token trace, tokens decoded), then
// the RunLoop's `trainer-metrics` (TRL's names as PPOTrainer reports them, plus `gold/*` when the prompts come
// from the synthetic world, so a preference model's score can be compared with the truth). The checkpoint is
// the policy in GPT-2 layout with its value head (metadata kind: policy).
//
// PPOTrainer.step reads back from the GPU (the sampler, the scores, the metrics), so an iteration is a
// promise: `takeStep` starts it and `settle` / `readMetrics` wait for it. A loop that reads metrics after
// every step (evalInterval 1) never has two iterations in flight.
//
// Resume (`rlhf-create` with `resume`): the run is rebuilt from its settings, prompts and initial policy, which
// stays π0; the policy and value head start from the stored checkpoint, whose `ppo_state` metadata puts the
// trainer at its iteration (the sampling and minibatch draws are keyed by it), λ_KL and score moments; the
// prompt stream skips the prompts already used. The next iteration's rollouts are then those of the
// uninterrupted run. Deviation: AdamW's moments restart from zero, so the updates after a resume differ a little.

import { tokenizerOfCheckpoint } from '../data/tokenizers.ts';
import type { Gpu } from '../kernels/gpu.ts';
import { checkpointBytes, loadCheckpoint, type Checkpoint } from '../models/checkpoint.ts';
import type { Command, MetricPoint, RLHFRunSettings, RLHFSample, RLHFTrace } from '../protocol.ts';
import { PromptCycle, goldReward, goldSummary, promptTokenBudget } from '../train/ppo-data.ts';
import { checkPPOConfig } from '../train/ppo-config.ts';
import { DEFAULT_PPO, PPOTrainer, pmReward, type PPOConfig, type PPOIteration, type PPOResumeState, type PPOTokenizer, type RewardFn } from '../train/ppo.ts';
import { checkResumeStep, RunLoop, type Post, type SteppableRun } from './run-loop.ts';

type RLHFCreate = Extract<Command, { type: 'rlhf-create' }>;

/**
 * The adaptive-KL controller's horizon in iterations (× B rollouts): λ_KL moves by at most ±0.2/10 = ±2% per
 * iteration. Ziegler et al.'s 10,000 rollouts at their batch of 512 is about 20 iterations; at our B of 4–16
 * the same number of rollouts would be hundreds of iterations, too slow to see in a notebook run.
 */
export const ADAPTIVE_KL_HORIZON_ITERATIONS = 10;

/** The PPO config of the notebook's settings: DEFAULT_PPO (the paper's / TRL's values) with the knobs applied. */
export function ppoConfigOf(s: RLHFRunSettings, maxPromptTokens: number): PPOConfig {
  const config: PPOConfig = {
    ...DEFAULT_PPO,
    batchSize: s.batchSize,
    minibatches: s.minibatches,
    epochs: s.epochs,
    maxTokens: s.maxTokens,
    maxPromptTokens,
    klCoef: s.klCoef,
    adaptiveKl: s.klTarget > 0 ? { target: s.klTarget, horizon: ADAPTIVE_KL_HORIZON_ITERATIONS * s.batchSize } : null,
    lr: s.lr,
    seed: s.seed,
  };
  checkPPOConfig(config);
  return config;
}

/**
 * One token's text. A token that is not valid UTF-8 on its own (a byte of a multi-byte character: the byte
 * tokenizer's ids ≥ 128, or a partial GPT-2 byte-level token) decodes to U+FFFD; it is shown as its byte
 * (\xNN) or its id (<#id>) instead, so the table shows what the policy actually chose.
 */
export function tokenText(tokenizer: PPOTokenizer & { name?: string }, id: number): string {
  const text = tokenizer.decode([id]);
  if (!text.includes('\uFFFD')) return text;
  return tokenizer.name === 'byte' && id < 256 ? `\\x${id.toString(16).padStart(2, '0')}` : `<#${id}>`;
}

/** An iteration's trace for the UI: tokens decoded one by one (tokenText), each row with its score. */
export function traceForUI(it: PPOIteration, tokenizer: PPOTokenizer, klCoef: number, cliprange: number): RLHFTrace {
  const inspect = it.inspect;
  if (!inspect) throw new Error(`iteration ${it.iteration} was not inspected`);
  return {
    iteration: it.iteration,
    klCoef,
    cliprange,
    order: inspect.order,
    rows: inspect.rows.map((r, b) => ({
      prompt: tokenizer.decode(r.prompt),
      tokens: r.actions.map((id) => tokenText(tokenizer, id)),
      logp: r.logp, refLogp: r.refLogp, kl: r.kl, entropy: r.entropy, value: r.value, reward: r.reward,
      advantage: r.advantage, return: r.return, ratio: r.ratio, clipped: r.clipped, minibatch: r.minibatch,
      score: it.samples[b].score, ended: it.samples[b].ended,
    })),
  };
}

/** One PPO iteration per step of the RunLoop. */
class PPOSession implements SteppableRun {
  /** Inspect the next iteration (set by PPOLoop.inspectOnce). */
  inspectNext = false;
  private pending: Promise<PPOIteration> | null = null;

  constructor(
    private readonly runId: string,
    readonly trainer: PPOTrainer,
    private readonly prompts: PromptCycle,
    readonly steps: number,
    private readonly post: Post,
    private readonly metadata: Record<string, string>,
    /** Iterations started so far (a resumed run: those done before it stopped). */
    private started = 0,
  ) {}

  get step(): number {
    return this.started;
  }


  takeStep(): void {
    this.started++;
    const klCoef = this.trainer.klCoef;
    this.pending = this.trainer.step(this.prompts.next(this.trainer.config.batchSize), { inspect: this.inspectNext }).then((it) => {
      if (it.inspect) this.post({ type: 'rlhf-inspect', run: this.runId, trace: traceForUI(it, this.trainer.tokenizer, klCoef, this.trainer.config.cliprange) });
      return it;
    });
    this.pending.catch(() => undefined); // the failure is reported where the iteration is awaited
  }

  async settle(): Promise<void> {
    await this.pending;
  }

  async readMetrics(): Promise<MetricPoint> {
    if (!this.pending) throw new Error('no PPO iteration was started');
    const it = await this.pending;
    const gold = goldSummary(it.samples);
    const samples: RLHFSample[] = it.samples.map((s, b) => ({ prompt: s.prompt, response: s.response, score: s.score, ended: s.ended, ...(gold.known ? { gold: gold.scores[b] } : {}) }));
    this.post({ type: 'rlhf-samples', run: this.runId, iteration: it.iteration, samples });
    return { step: it.iteration, ...it.metrics, ...(gold.known ? gold.metrics : {}) };
  }

  stopClock(): void {}

  async checkpoint(): Promise<{ bytes: Uint8Array; metadata: Record<string, string> }> {
    await this.pending?.catch(() => undefined);
    const metadata = { ...this.metadata, ppo_iterations: String(this.trainer.iteration), ppo_state: JSON.stringify(this.trainer.resumeState()) };
    const bytes = checkpointBytes(this.trainer.cfg, await this.trainer.policyParams(), metadata, { value_head: await this.trainer.valueHeadParams() });
    return { bytes, metadata };
  }
}

/** The RunLoop of an RLHF run, plus the step-through: one iteration with its per-token trace. */
export class PPOLoop extends RunLoop {
  constructor(run: string, private readonly session: PPOSession, post: Post, saveInterval = 0) {
    super('rlhf', run, session, 1, post, saveInterval);
  }

  /** One iteration (inspected), then its trace, samples and metrics. Ignored while playing, like a step. */
  async inspectOnce(): Promise<void> {
    this.session.inspectNext = true;
    try {
      await this.stepOnce();
    } finally {
      this.session.inspectNext = false;
    }
  }
}

export async function createPPOLoop(gpu: Gpu, command: RLHFCreate, post: Post): Promise<PPOLoop> {
  const { run: runId, settings: s, prompts } = command;
  post({ type: 'trainer-status', trainer: 'rlhf', run: runId, status: 'preparing', step: command.resume?.step ?? 0, steps: s.iterations, message: 'loading the models and compiling the kernels' });

  // 1. the policy (also π0) and its tokenizer
  const policy = loadCheckpoint(command.policy.bytes, command.policy.name);
  if (policy.metadata.kind === 'preference-model' || policy.heads.reward_head) {
    throw new Error(`${command.policy.name} is a preference model; start RLHF from a base-model (or RLHF policy) checkpoint`);
  }
  const tokenizer = tokenizerOfCheckpoint(policy.metadata, policy.cfg, command.policy.name);

  // 2. prompts and how much of them the policy reads
  if (!prompts.length) throw new Error('no prompts: choose at least one dataset of comparisons');
  const lengths = prompts.map((p) => tokenizer.encode(p).length);
  const maxPromptTokens = promptTokenBudget(lengths, policy.cfg.maxSeqLen, s.maxTokens);
  const cut = lengths.filter((n) => 1 + n > maxPromptTokens).length;

  // 3. the reward
  const config = ppoConfigOf(s, maxPromptTokens);
  let reward: RewardFn;
  let rewardName: string;
  if (command.reward.kind === 'pm') {
    const pm = loadCheckpoint(command.reward.bytes, command.reward.name);
    reward = pmReward(gpu, pm, command.reward.name, config.batchSize);
    rewardName = `preference model ${command.reward.name}`;
  } else {
    reward = goldReward;
    rewardName = "the synthetic world's gold scorer (helpfulness − harmfulness)";
  }

  // 4. the trainer (a resumed run: the stored policy and value head, π0 the initial policy)
  const stored = command.resume ? resumeFrom(command.resume, policy, s.iterations) : null;
  const trainer = stored
    ? new PPOTrainer(gpu, policy.cfg, config, { policy: stored.checkpoint.packed, valueHead: stored.checkpoint.heads.value_head, reference: policy.packed }, tokenizer, reward)
    : new PPOTrainer(gpu, policy.cfg, config, { policy: policy.packed, valueHead: policy.heads.value_head }, tokenizer, reward);
  const promptCycle = new PromptCycle(prompts, s.seed + 1);
  if (stored) {
    trainer.resumeAt(stored.state);
    promptCycle.next(stored.state.iteration * config.batchSize); // the prompts the stored iterations used
  }
  const preset = policy.metadata.preset ?? 'custom';
  post({
    type: 'trainer-info', trainer: 'rlhf', run: runId,
    info: {
      'policy (and π0)': command.policy.name,
      'parameters': trainer.policy.table.count,
      'reward': rewardName,
      'value head': policy.heads.value_head ? 'from the checkpoint' : 'fresh (shared trunk)',
      'distinct prompts': prompts.length,
      'prompt tokens (at most)': maxPromptTokens,
      'prompts cut from the left': cut,
      'tokens per sequence T': trainer.T,
      'tokenizer': tokenizer.name,
      ...(stored ? { 'resumed at iteration': stored.state.iteration, 'λ_KL at resume': stored.state.klCoef } : {}),
    },
  });
  const metadata = {
    tokenizer: tokenizer.name, kind: 'policy', preset, init: command.policy.name,
    reward: command.reward.kind === 'pm' ? `pm:${command.reward.name}` : 'gold', seed: String(s.seed),
  };
  const session = new PPOSession(runId, trainer, promptCycle, s.iterations, post, metadata, stored?.state.iteration ?? 0);
  return new PPOLoop(runId, session, post, s.saveInterval ?? 0);
}

/** The stored checkpoint a run resumes from, checked against the run's policy, and the trainer state it carries. */
function resumeFrom(resume: { bytes: Uint8Array; step: number }, policy: Checkpoint, iterations: number): { checkpoint: Checkpoint; state: PPOResumeState } {
  checkResumeStep(resume.step, iterations);
  const file = `the run's checkpoint at iteration ${resume.step}`;
  const checkpoint = loadCheckpoint(resume.bytes, file, policy.cfg);
  const raw = checkpoint.metadata.ppo_state;
  if (!raw) throw new Error(`${file} has no ppo_state metadata (it was stored before runs could resume)`);
  let state: PPOResumeState;
  try {
    state = JSON.parse(raw) as PPOResumeState;
  } catch {
    throw new Error(`${file}: its ppo_state metadata is not JSON`);
  }
  if (state.iteration !== resume.step) throw new Error(`${file} records iteration ${state.iteration}, not ${resume.step}`);
  return { checkpoint, state };
}
