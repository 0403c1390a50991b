// The RLHF stage in the Worker (Bai et al. 2022, §4): translates `rlhf-create` into a PPORun (src/train/ppo-run.ts,
// the same setup as `rlhf ppo`: the policy checkpoint the UI sends is also the frozen reference π0; the reward a
// preference-model checkpoint or the synthetic world's gold scorer) and runs it under a RunLoop: one step = one
// PPO iteration (rollout, score, KL-penalised rewards, GAE, K epochs × M minibatch updates).
//
// Per iteration it sends, in this order: `rlhf-samples` (every rollout's prompt, response and score), with
// `rlhf-inspect` first when the iteration was inspected (every rollout's per-token trace, tokens decoded), then
// the RunLoop's `trainer-metrics` (TRL's names as PPOTrainer reports them, plus `gold/*` when the prompts come
// from the synthetic world, so a preference model's score can be compared with the truth). The checkpoint is
// the policy in GPT-2 layout with its value head (metadata kind: policy, and the ppo_state a resume needs).
//
// An iteration reads back from the GPU (the sampler, the scores, the metrics), so it is a promise: `takeStep`
// starts it and `settle` / `readMetrics` wait for it. A loop that reads metrics after every step (evalInterval 1)
// never has two iterations in flight.
//
// Resume (`rlhf-create` with `resume`): the run is rebuilt from its settings, prompts and initial policy, which
// stays π0, and goes on from the stored checkpoint (PPORun: the next iteration's rollouts are those of the
// uninterrupted run). Deviation: AdamW's moments restart from zero, so the updates after a resume differ a little.

import { loadCheckpoint } from '../models/checkpoint.ts';
import type { Gpu } from '../kernels/gpu.ts';
import type { Command, MetricPoint, RLHFRunSettings, RLHFSample, RLHFTrace } from '../protocol.ts';
import { checkPPOConfig } from '../train/ppo-config.ts';
import { DEFAULT_PPO, type PPOConfig, type PPOIteration, type PPOTokenizer } from '../train/ppo.ts';
import { planPPORun, PPORun, type PPORunConfig, type PPORunIteration } from '../train/ppo-run.ts';
import { checkResumeStep, RunLoop, type Post, type SteppableRun } from './run-loop.ts';

type RLHFCreate = Extract<Command, { type: 'rlhf-create' }>;

/**
 * The adaptive-KL controller's horizon in iterations (× B rollouts): λ_KL moves by at most ±0.2/10 = ±2% per
 * iteration. Ziegler et al.'s 10,000 rollouts at their batch of 512 is about 20 iterations; at our B of 4–16
 * the same number of rollouts would be hundreds of iterations, too slow to see in a notebook run.
 */
export const ADAPTIVE_KL_HORIZON_ITERATIONS = 10;

/**
 * The PPO config of the notebook's settings: DEFAULT_PPO (the paper's / TRL's values) with the knobs applied;
 * maxPromptTokens 0 lets the run take the prompt budget (the longest prompt, as `rlhf ppo` does).
 */
export function ppoConfigOf(s: RLHFRunSettings, maxPromptTokens = 0): PPOConfig {
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

/** The run an `rlhf-create` command asks for (the same PPORunConfig `rlhf ppo` builds from its options). */
export function ppoRunConfigOf(command: RLHFCreate): PPORunConfig {
  const { settings: s, policy, reward } = command;
  return {
    policy: { name: policy.name, checkpoint: loadCheckpoint(policy.bytes, policy.name) },
    reward:
      reward.kind === 'pm'
        ? { kind: 'pm', name: reward.name, checkpoint: loadCheckpoint(reward.bytes, reward.name) }
        : { kind: 'gold' },
    prompts: command.prompts,
    iterations: s.iterations,
    ppo: ppoConfigOf(s),
    resume: command.resume,
  };
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
export function traceForUI(
  it: Pick<PPOIteration, 'iteration' | 'inspect' | 'samples'>,
  tokenizer: PPOTokenizer,
  klCoef: number,
  cliprange: number,
): RLHFTrace {
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
      logp: r.logp,
      refLogp: r.refLogp,
      kl: r.kl,
      entropy: r.entropy,
      value: r.value,
      reward: r.reward,
      advantage: r.advantage,
      return: r.return,
      ratio: r.ratio,
      clipped: r.clipped,
      minibatch: r.minibatch,
      score: it.samples[b].score,
      ended: it.samples[b].ended,
    })),
  };
}

/** One PPO iteration per step of the RunLoop. */
class PPOSession implements SteppableRun {
  /** Inspect the next iteration (set by PPOLoop.inspectOnce). */
  inspectNext = false;
  private pending: Promise<PPORunIteration> | null = null;

  constructor(
    private readonly runId: string,
    readonly run: PPORun,
    private readonly post: Post,
  ) {}

  get step(): number {
    // iterations started (the trainer counts them when they finish)
    return this.started;
  }

  readonly steps = this.run.plan.run.iterations;
  /** Iterations started so far (a resumed run: those done before it stopped). */
  private started = this.run.iteration;

  takeStep(): void {
    this.started++;
    const { trainer } = this.run;
    this.pending = this.run.iterate({ inspect: this.inspectNext }).then((it) => {
      if (it.inspect)
        this.post({
          type: 'rlhf-inspect',
          run: this.runId,
          trace: traceForUI(it, trainer.tokenizer, it.klCoef, trainer.config.cliprange),
        });
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
    const gold = it.goldScores;
    const samples: RLHFSample[] = it.samples.map((s, b) => ({
      prompt: s.prompt,
      response: s.response,
      score: s.score,
      ended: s.ended,
      ...(gold ? { gold: gold[b] } : {}),
    }));
    this.post({ type: 'rlhf-samples', run: this.runId, iteration: it.iteration, samples });
    return { step: it.iteration, ...it.metrics };
  }

  stopClock(): void {}

  /** Frees the run: its trainer and the reward's preference model. */
  dispose(): void {
    this.run.dispose();
  }

  async checkpoint(): Promise<{ bytes: Uint8Array; metadata: Record<string, string> }> {
    await this.pending?.catch(() => undefined);
    const metadata = this.run.metadata();
    return { bytes: await this.run.checkpoint(metadata), metadata };
  }
}

/** The RunLoop of an RLHF run, plus the step-through: one iteration with its per-token trace. */
export class PPOLoop extends RunLoop {
  constructor(
    run: string,
    private readonly session: PPOSession,
    post: Post,
    saveInterval = 0,
  ) {
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
  const { run: runId, settings: s } = command;
  const preparing = 'loading the models and compiling the kernels';
  post({
    type: 'trainer-status',
    trainer: 'rlhf',
    run: runId,
    status: 'preparing',
    step: command.resume?.step ?? 0,
    steps: s.iterations,
    message: preparing,
  });
  if (command.resume) checkResumeStep(command.resume.step, s.iterations);
  const plan = planPPORun(ppoRunConfigOf(command));
  const run = new PPORun(gpu, plan);
  const { policy } = plan.run;
  const resumed = plan.resume?.state;
  post({
    type: 'trainer-info',
    trainer: 'rlhf',
    run: runId,
    info: {
      'policy (and π0)': policy.name,
      parameters: run.trainer.policy.table.count,
      reward: run.rewardName,
      'value head': policy.checkpoint.heads.value_head ? 'from the checkpoint' : 'fresh (shared trunk)',
      'distinct prompts': plan.run.prompts.length,
      'prompt tokens (at most)': plan.ppo.maxPromptTokens,
      'prompts cut from the left': plan.promptsCut,
      'tokens per sequence T': run.trainer.T,
      tokenizer: plan.tokenizer.name,
      ...(resumed ? { 'resumed at iteration': resumed.iteration, 'λ_KL at resume': resumed.klCoef } : {}),
    },
  });
  return new PPOLoop(runId, new PPOSession(runId, run, post), post, s.saveInterval ?? 0);
}
