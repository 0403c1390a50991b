// PPO against a reward model with a KL penalty to the frozen initial policy: the RLHF stage of Bai et al.
// 2022 (§4), written like CleanRL's ppo.py and TRL's PPO trainer, every numeric step on the GPU.
//
// One iteration (`PPOTrainer.step`):
//   1. rollout  B prompts (end-of-text + the conversation up to the final "Assistant:", cut from the left)
//               → the Sampler draws one response each from the current policy with the KV cache; a response
//               ends at end-of-text, at a stop text ("\n\nHuman:") or after maxTokens.
//   2. score    the injected reward function scores (prompt, response) texts: a preference model (pmReward
//               below), the synthetic world's gold scorer, or a toy rule. Optional shaping on these B
//               scalars: missing-ending penalty, running normalisation, clipping.
//   3. logprobs teacher-forced forward of prompt + response through the policy (log π_old, entropy, values)
//               and the frozen reference π0 (log π0), then per token KL_t = log π − log π0 (k1, TRL) and
//               rewards r_t = −λ_KL·KL_t, plus the score at the last response token (Ziegler et al., TRL).
//   4. GAE      advantages and returns from rewards and values (γ, λ), advantages whitened over the batch.
//   5. PPO      K epochs × M minibatches: forward, clipped surrogate + clipped value loss − entropy bonus,
//               backward through log-prob → tied LM head → trunk, plus the value head into the same dlnf,
//               one global gradient norm over trunk and head, AdamW on both.
// Metrics use TRL's names (PPO_METRICS); the only reads are the sampler's, the reward function's and, at the
// end of the iteration, the per-token buffers (B·T floats each) the metrics are averaged from.
//
// Design decisions:
// - Shared trunk. The value head reads the policy's own final layer norm (TRL's
//   AutoModelForCausalLMWithValueHead, its long-time default; InstructGPT used a separate value model). Why:
//   one trunk forward and backward per minibatch instead of two and half the parameters and AdamW state, which
//   matters at SwiftShader speed; vfCoef = 0.1 keeps the value gradients from dominating the trunk. The cost:
//   the value loss also moves the policy's features. The reference model π0 is a separate, frozen copy of the
//   initial weights, built without backward.
// - Reward placement: the (shaped) score is added at the last response token, −λ_KL·KL_t at every response
//   token; γ = 1 and λ = 0.95 by default, so the score reaches every earlier token through GAE.
// - Layout. The sampler left-pads prompts; the training graphs hold each sequence right-padded (prompt, then
//   response, then padding), with positions counted from the first prompt token exactly as the sampler
//   counts them from start[b], so the logits are the same (test/gpu/ppo-trainer.test.ts checks the
//   log-probabilities against the sampler's). A per-token quantity of response token i sits at the column
//   that predicts it, t = p − 1 + i (p = prompt length): the `mask` is 1 there and 0 elsewhere. The B rows
//   live in M minibatch "slots" of B/M rows × T columns, each slot starting at a 256-byte boundary so it can be
//   bound as a storage view of the batch buffers.
//
// Deviations from the paper / TRL:
// - A minibatch is a fixed slot of rows for the whole iteration (rows in rollout order; the caller's prompts
//   are shuffled, so rows are exchangeable); the order of the minibatches is reshuffled every epoch. TRL
//   reshuffles rows across minibatches every epoch, which would need a row gather of every per-token buffer.
// - The actions include the stop text's tokens when one ended the response (the policy wrote them, so its
//   decision to stop is trained), although the response text the reward sees does not.
// - With topK > 0 the sampler draws from the top-k distribution but PPO's log-probabilities are over the whole
//   vocabulary (as in TRL, which samples with top_k and scores with the full softmax).
// - objective/scores is the reward function's raw score (before the penalty, normalisation and clipping; TRL
//   reports it after its missing-EOS penalty); objective/entropy sums the exact per-token entropy over the
//   response (TRL sums −log π of the sampled tokens, an estimate of the same quantity).
// - Constant learning rate, no warm-up. The score shaping runs on the CPU: it acts on the B scalars the reward
//   function returned there.

import { adamwHyperparams, adamwPackedUpdate, setAdamW } from '../kernels/adamw.ts';
import { fill } from '../kernels/fill.ts';
import { gaeForward, gaeParams, setGae } from '../kernels/gae.ts';
import type { Dispatch, Gpu, Tensor } from '../kernels/gpu.ts';
import { gradNormOver, gradNormParams, gradNormScratchOver, setGradNorm } from '../kernels/grad_norm.ts';
import { klForward } from '../kernels/kl.ts';
import { logprobBackward, logprobForward } from '../kernels/logprob.ts';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from '../kernels/matmul.ts';
import { PPO_STATS, PpoStat, ppoLossBackward, ppoLossForward, ppoLossParams, ppoLossScratch, setPpoLoss } from '../kernels/ppo_loss.ts';
import { randn, rng, shuffleInPlace } from '../util/random.ts';
import { addInPlace, residualForward } from '../kernels/residual.ts';
import { whitenForward, whitenStats } from '../kernels/whiten.ts';
import { encodeForPM } from '../data/pm-batches.ts';
import { tokenizerOfCheckpoint } from '../data/tokenizers.ts';
import type { Checkpoint } from '../models/checkpoint.ts';
import type { GPTConfig } from '../models/config.ts';
import { GPT } from '../models/gpt.ts';
import { headTable, initHeadParams, ValueHead } from '../models/heads.ts';
import { PMScorer } from '../models/preference-model.ts';
import { Sampler } from '../models/sampler.ts';
import { Weights } from '../models/weights.ts';
import { adaptKlCoef, checkPPOConfig, type PPOConfig } from './ppo-config.ts';

export { adaptKlCoef, DEFAULT_PPO, type AdaptiveKl, type PPOConfig } from './ppo-config.ts';

/** What the trainer needs of a tokenizer (the byte and GPT-2 tokenizers, or a test's toy alphabet). */
export interface PPOTokenizer {
  readonly endOfText: number;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}

/**
 * The score of each response: prompts (as given to `step`), response texts (without end-of-text or a
 * stop text) and the response tokens (with a final end-of-text when the policy wrote one).
 */
export type RewardFn = (prompts: string[], responses: string[], responseTokens: number[][]) => Promise<number[]>;

/** Per iteration, with TRL's names; sums over a response are averaged over the B rollouts. */
export const PPO_METRICS = [
  'objective/scores', // mean raw score of the reward function
  'objective/kl', // mean over rollouts of Σ_t KL_t (nats per response)
  'objective/sqrt_kl', // √max(0, objective/kl): the paper's x-axis
  'objective/entropy', // mean over rollouts of Σ_t H(π(·|s_t))
  'objective/non_score_reward', // mean over rollouts of Σ_t −λ_KL·KL_t
  'objective/rlhf_reward', // mean over rollouts of shaped score + Σ_t −λ_KL·KL_t: what PPO maximises
  'objective/kl_coef', // λ_KL used in this iteration
  'policy/approxkl', // ½·mean (log π − log π_old)², averaged over the K·M optimizer steps (as the five below)
  'policy/clipfrac', // fraction of tokens whose ratio clip was active
  'policy/entropy', // mean per-token entropy during the update
  'loss/policy',
  'loss/value',
  'val/ratio', // mean π/π_old
  'val/clipfrac', // fraction of tokens whose value clip was active
  'val/var_explained', // 1 − Var(returns − values)/Var(returns) over the rollout's tokens
  'response/length', // mean response tokens (end-of-text included, a stop text not)
  'response/ended_rate', // fraction of responses ended by end-of-text or a stop text
  'time/rollout', // seconds of step 1
  'time/score', // step 2
  'time/logprobs', // steps 3 and 4
  'time/update', // step 5 and the metric reads
] as const;
export type PPOMetricName = (typeof PPO_METRICS)[number];
export type PPOMetrics = Record<PPOMetricName, number>;

export interface PPOSample {
  prompt: string;
  response: string;
  /** The reward function's raw score. */
  score: number;
  ended: boolean;
}

/** One rollout's per-token trace (inspect): index i is response token i. */
export interface PPORowTrace {
  /** The prompt tokens the policy saw (end-of-text first unless cut). */
  prompt: number[];
  /** The actions: response tokens, plus a stop text's tokens when one ended it. */
  actions: number[];
  /** Log-probabilities the sampler reported (the response tokens, without a stop text). */
  samplerLogp: number[];
  /** log π_old(a_i) from the teacher-forced forward; log π0(a_i); KL_i; entropy H_i. */
  logp: number[];
  refLogp: number[];
  kl: number[];
  entropy: number[];
  /** V(s_i), r_i, whitened advantage A_i, return R_i. */
  value: number[];
  reward: number[];
  advantage: number[];
  return: number[];
  /** Per epoch: π/π_old when the row's minibatch was visited, and whether the clip was active (pg2 > pg1). */
  ratio: number[][];
  clipped: boolean[][];
  /** The minibatch slot holding the row. */
  minibatch: number;
}

export interface PPOInspection {
  /** The order the M minibatches were visited in, per epoch. */
  order: number[][];
  rows: PPORowTrace[];
}

export interface PPOIteration {
  /** 1-based. */
  iteration: number;
  metrics: PPOMetrics;
  samples: PPOSample[];
  inspect?: PPOInspection;
}

export interface PPOInit {
  /** The initial policy's packed parameters (paramTable(cfg)); also the frozen reference π0 unless `reference` is given. */
  policy: Float32Array;
  /** The value head's packed parameters (headTable('value_head', C)); a fresh head when absent. */
  valueHead?: Float32Array;
  /** π0 when the policy does not start at it: a resumed run starts from its stored policy, π0 stays the run's initial one. */
  reference?: Float32Array;
}

/**
 * What a checkpoint must carry besides the weights for a run to go on where it stopped (PPOTrainer.resumeState /
 * resumeAt): the iteration (every random draw is keyed by it), λ_KL (the adaptive controller moves it) and the
 * running score moments (score normalisation). AdamW's moments are not kept: they restart at zero.
 */
export interface PPOResumeState {
  iteration: number;
  klCoef: number;
  scoreMoments: { count: number; mean: number; m2: number };
}

/** Running mean and variance over all scores so far (Chan et al.'s parallel update; TRL's RunningMoments). */
class RunningMoments {
  count = 0;
  mean = 0;
  m2 = 0;
  update(xs: readonly number[]): void {
    const n = xs.length;
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const m2 = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
    const total = this.count + n;
    const delta = mean - this.mean;
    this.m2 += m2 + (delta * delta * this.count * n) / total;
    this.mean += (delta * n) / total;
    this.count = total;
  }
  get std(): number {
    return this.count > 1 ? Math.sqrt(this.m2 / (this.count - 1)) : 1;
  }
}

/** A u32 from (seed, iteration, stream), so every iteration and use draws independently. */
function mix(seed: number, iteration: number, stream: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(iteration + 1, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
}

export class PPOTrainer {
  /** Tokens per sequence in the training graphs (prompt + response). */
  readonly T: number;
  /** Longest prompt in tokens (longer ones are cut from the left). */
  readonly maxPromptTokens: number;
  /** Rows per minibatch (B/M). */
  readonly rows: number;
  readonly policy: GPT;
  readonly value: ValueHead;
  readonly reference: GPT;
  readonly sampler: Sampler;
  /** Iterations done. */
  iteration = 0;
  /** λ_KL for the next iteration (changes under the adaptive controller). */
  klCoef: number;

  private optimizerSteps = 0;
  private readonly moments = new RunningMoments();
  private readonly stopSequences: number[][];
  /** Elements per minibatch slot of the batch buffers (B/M·T rounded up to the storage alignment). */
  private readonly slot: number;
  private readonly buf: {
    actions: Tensor; mask: Tensor; score: Tensor; oldLogp: Tensor; oldEntropy: Tensor; refLogp: Tensor; oldValues: Tensor;
    kl: Tensor; rewards: Tensor; advantages: Tensor; returns: Tensor; whitened: Tensor; negKlCoef: Tensor;
    logp: Tensor; statsSum: Tensor; adamHp: Tensor;
  };
  private readonly rolloutForward: Dispatch[][] = [];
  private readonly trainStep: Dispatch[][] = [];
  private readonly rewardDispatches: Dispatch[];
  private readonly zeroStats: Dispatch;

  constructor(readonly gpu: Gpu, readonly cfg: GPTConfig, readonly config: PPOConfig, init: PPOInit, readonly tokenizer: PPOTokenizer, readonly reward: RewardFn) {
    checkPPOConfig(config);
    const { batchSize: B, minibatches: M, maxTokens, temperature: tau } = config;
    const { vocabSize: V, channels: C, maxSeqLen } = cfg;
    this.maxPromptTokens = config.maxPromptTokens || maxSeqLen - maxTokens;
    this.T = this.maxPromptTokens + maxTokens;
    if (this.maxPromptTokens < 1 || this.T > maxSeqLen) {
      throw new Error(`PPO: prompts of ${this.maxPromptTokens} tokens + ${maxTokens} new tokens do not fit the model's context of ${maxSeqLen}`);
    }
    const T = this.T;
    const mb = (this.rows = B / M);
    const N = mb * T;
    const align = gpu.limits.minStorageBufferOffsetAlignment / 4;
    const S = (this.slot = Math.ceil(N / align) * align);
    const NT = M * S;
    this.klCoef = config.klCoef;
    this.stopSequences = config.stopTexts.map((s) => tokenizer.encode(s));

    // Models: the policy (training graph over one minibatch, tied LM head), its value head on the shared
    // trunk, the frozen reference, and the sampler reading the policy's live weights.
    const policyWeights = new Weights(gpu, cfg, 'policy params');
    gpu.write(policyWeights.packed, init.policy);
    const refWeights = new Weights(gpu, cfg, 'reference params');
    gpu.write(refWeights.packed, init.reference ?? init.policy);
    this.policy = new GPT(gpu, cfg, mb, T, policyWeights);
    this.value = new ValueHead(gpu, this.policy, { zeroDlnf: false });
    gpu.write(this.value.params, init.valueHead ?? initHeadParams(headTable('value_head', C), (n) => randn(n, mix(config.seed, -1, 7))));
    this.reference = new GPT(gpu, cfg, mb, T, refWeights, { backward: false });
    this.sampler = new Sampler(policyWeights, B, T);

    // Batch buffers [M·S]: slot m holds minibatch m's rows [B/M, T] from element m·S.
    const batch = (name: string, dtype: 'f32' | 'u32' = 'f32') => gpu.tensor(`ppo.${name}`, [NT], dtype);
    const buf = (this.buf = {
      actions: batch('actions', 'u32'), mask: batch('mask'), score: batch('score'), oldLogp: batch('old_logp'),
      oldEntropy: batch('old_entropy'), refLogp: batch('ref_logp'), oldValues: batch('old_values'), kl: batch('kl'),
      rewards: batch('rewards'), advantages: batch('advantages'), returns: batch('returns'), whitened: batch('whitened'),
      negKlCoef: gpu.tensor('ppo.neg_kl_coef', [1, 1]),
      logp: gpu.tensor('ppo.logp', [mb, T]), statsSum: gpu.tensor('ppo.stats_sum', [PPO_STATS]), adamHp: adamwHyperparams(gpu),
    });
    const at = (t: Tensor, m: number) => gpu.view(t, `${t.label}[${m}]`, m * S, [mb, T]);
    const scratch = (name: string, shape = [mb, T]) => gpu.tensor(`ppo.${name}`, shape);
    const entropy = scratch('entropy');
    const refEntropy = scratch('ref_entropy');
    const dlogp = scratch('dlogp');
    const dentropy = scratch('dentropy');
    const zeros = scratch('zeros');
    const dlogits = scratch('dlogits', [mb, T, V]);
    const stats = gpu.tensor('ppo.stats', [PPO_STATS]);
    const partials = ppoLossScratch(gpu, N);
    const lossParams = ppoLossParams(gpu);
    setPpoLoss(gpu, lossParams, config);
    const gae = gaeParams(gpu);
    setGae(gpu, gae, config);
    const norm = gpu.tensor('ppo.grad_norm', [2]);
    const normParams = gradNormParams(gpu);
    setGradNorm(gpu, normParams, { maxNorm: config.gradClip });
    this.zeroStats = fill(gpu, buf.statsSum);

    const { policy, value, reference } = this;
    const nPolicy = policy.table.size;
    const nHead = value.table.size;
    const adam = (params: Tensor, grads: Tensor, n: number, decayEnd: number, label: string) => {
      const m = gpu.tensor(`${label} adam m`, [n]);
      const v = gpu.tensor(`${label} adam v`, [n]);
      return adamwPackedUpdate(gpu, params, m, v, grads, norm, buf.adamHp, n, decayEnd);
    };
    const update = [
      ...gradNormOver(gpu, norm, [{ grads: policy.grads, P: nPolicy }, { grads: value.grads, P: nHead }], gradNormScratchOver(gpu, [nPolicy, nHead]), normParams),
      ...adam(policy.params, policy.grads, nPolicy, policy.table.decayEnd, 'policy'),
      ...adam(value.params, value.grads, nHead, value.table.decayEnd, 'value head'),
    ];
    const wte = policyWeights.get('transformer.wte.weight');

    for (let m = 0; m < M; m++) {
      const actions = at(buf.actions, m);
      const mask = at(buf.mask, m);
      const oldLogp = at(buf.oldLogp, m);
      const oldValues = at(buf.oldValues, m);
      const whitened = at(buf.whitened, m);
      const returns = at(buf.returns, m);
      // 3. (per slot) log π_old, entropy and values of the rollout; log π0 of the same tokens
      this.rolloutForward.push([
        ...policy.forwardDispatches,
        ...value.forwardDispatches,
        logprobForward(gpu, oldLogp, at(buf.oldEntropy, m), policy.logits, actions, N, V, tau),
        residualForward(gpu, oldValues, value.values, zeros, N), // a copy: values + 0
        ...reference.forwardDispatches,
        logprobForward(gpu, at(buf.refLogp, m), refEntropy, reference.logits, actions, N, V, tau),
      ]);
      // 5. (per slot) one PPO optimizer step
      this.trainStep.push([
        ...policy.forwardDispatches,
        ...value.forwardDispatches,
        logprobForward(gpu, buf.logp, entropy, policy.logits, actions, N, V, tau),
        ...ppoLossForward(gpu, stats, partials, buf.logp, oldLogp, whitened, value.values, oldValues, returns, entropy, mask, lossParams, N),
        ...ppoLossBackward(gpu, dlogp, value.dvalues, dentropy, buf.logp, oldLogp, whitened, value.values, oldValues, returns, mask, stats, lossParams, N),
        addInPlace(gpu, buf.statsSum, stats, PPO_STATS),
        // forward was: logp = log softmax(logits/τ)[action], entropy = H(softmax(logits/τ)); so now:
        fill(gpu, dlogits),
        logprobBackward(gpu, dlogits, policy.logits, actions, dlogp, dentropy, N, V, tau),
        // forward was: logits = lnf · wteᵀ; so now (dlnf zeroed here, the value head adds to it):
        fill(gpu, policy.dlnf),
        matmulBackwardWeight(gpu, policy.grad('transformer.wte.weight'), dlogits, policy.lnf, N, C, V),
        matmulBackwardInput(gpu, policy.dlnf, dlogits, wte, N, C, V),
        ...value.backwardDispatches,
        ...policy.trunkBackwardDispatches,
        ...update,
      ]);
    }
    // 3.–4. (whole batch) KL, rewards = −λ·KL + score at the last token, GAE per slot, whitening
    const col = (t: Tensor) => gpu.view(t, `${t.label} column`, 0, [NT, 1]);
    this.rewardDispatches = [
      klForward(gpu, buf.kl, buf.oldLogp, buf.refLogp, NT, config.klEstimator),
      matmulForward(gpu, col(buf.rewards), col(buf.kl), buf.negKlCoef, null, NT, 1, 1), // rewards = kl·(−λ)
      addInPlace(gpu, buf.rewards, buf.score, NT),
      ...Array.from({ length: M }, (_, m) => gaeForward(gpu, at(buf.advantages, m), at(buf.returns, m), at(buf.rewards, m), at(buf.oldValues, m), at(buf.mask, m), gae, mb, T)),
      ...whitenForward(gpu, buf.whitened, buf.advantages, buf.mask, whitenStats(gpu), NT, false),
    ];
  }

  /** A prompt's tokens: end-of-text (what precedes every transcript in pretraining), then the text, cut from the left. */
  encodePrompt(text: string): number[] {
    const ids = [this.tokenizer.endOfText, ...this.tokenizer.encode(text)];
    return ids.slice(Math.max(0, ids.length - this.maxPromptTokens));
  }

  /** One PPO iteration on B prompts; `inspect` adds every rollout's per-token trace. */
  async step(prompts: readonly string[], { inspect = false } = {}): Promise<PPOIteration> {
    const { gpu, config, T, rows: mb, slot: S, buf } = this;
    const { batchSize: B, minibatches: M, epochs: K } = config;
    const eot = this.tokenizer.endOfText;
    if (prompts.length !== B) throw new Error(`PPO: an iteration takes batchSize = ${B} prompts, got ${prompts.length}`);
    const iteration = this.iteration + 1;
    const klCoef = this.klCoef;
    const clock = () => performance.now() / 1000;
    const t0 = clock();

    // 1. rollout
    const promptIds = prompts.map((p) => this.encodePrompt(p));
    const gen = await this.sampler.generate(promptIds, {
      maxTokens: config.maxTokens, temperature: config.temperature, topK: config.topK, seed: mix(config.seed, iteration, 1),
      stopTokens: [eot], stopSequences: this.stopSequences,
    });
    const actions = await this.withStopTexts(gen.tokens, gen.ended, promptIds);
    const t1 = clock();

    // 2. score
    const texts = gen.tokens.map((r) => this.tokenizer.decode(r.at(-1) === eot ? r.slice(0, -1) : r));
    const scores = await this.reward([...prompts], texts, gen.tokens.map((r) => [...r]));
    if (scores.length !== B || scores.some((s) => !Number.isFinite(s))) throw new Error(`PPO: the reward function returned ${scores.length} scores for ${B} responses (${scores.filter((s) => !Number.isFinite(s)).length} not finite)`);
    const shaped = this.shape(scores, gen.ended);
    const t2 = clock();

    // 3. sequences into the slots; log π_old, values, log π0; KL and rewards; 4. GAE and whitening
    const slotTokens = Array.from({ length: M }, () => new Uint32Array(mb * T).fill(eot));
    const actionIds = new Uint32Array(M * S);
    const mask = new Float32Array(M * S);
    const score = new Float32Array(M * S);
    const base = (b: number) => Math.floor(b / mb) * S + (b % mb) * T;
    for (let b = 0; b < B; b++) {
      const p = promptIds[b].length;
      const seq = [...promptIds[b], ...actions[b]];
      if (seq.length > T || actions[b].length === 0) throw new Error(`PPO: rollout ${b} has ${actions[b].length} actions and ${seq.length} tokens (1..${T - p} actions fit)`);
      slotTokens[Math.floor(b / mb)].set(seq, (b % mb) * T);
      for (let i = 0; i < actions[b].length; i++) {
        actionIds[base(b) + p - 1 + i] = seq[p + i];
        mask[base(b) + p - 1 + i] = 1;
      }
      score[base(b) + p - 2 + actions[b].length] = shaped[b];
    }
    gpu.write(buf.actions, actionIds);
    gpu.write(buf.mask, mask);
    gpu.write(buf.score, score);
    gpu.write(buf.negKlCoef, [-klCoef]);
    for (let m = 0; m < M; m++) {
      gpu.write(this.policy.tokens, slotTokens[m]);
      gpu.write(this.reference.tokens, slotTokens[m]);
      gpu.run(this.rolloutForward[m], 'ppo rollout forward');
    }
    gpu.run(this.rewardDispatches, 'ppo rewards + gae');
    await gpu.sync();
    const t3 = clock();

    // 5. K epochs × M minibatches of PPO (minibatch order reshuffled every epoch)
    gpu.run([this.zeroStats], 'ppo zero stats');
    const random = rng(mix(config.seed, iteration, 2));
    const order: number[][] = [];
    const newLogp: Float32Array[][] = [];
    for (let k = 0; k < K; k++) {
      const perm = shuffleInPlace(Array.from({ length: M }, (_, m) => m), random);
      order.push(perm);
      newLogp.push([]);
      for (const m of perm) {
        gpu.write(this.policy.tokens, slotTokens[m]);
        this.optimizerSteps++;
        setAdamW(gpu, buf.adamHp, { lr: config.lr, beta1: config.beta1, beta2: config.beta2, eps: config.eps, weightDecay: config.weightDecay, t: this.optimizerSteps });
        gpu.run(this.trainStep[m], 'ppo minibatch step');
        if (inspect) newLogp[k][m] = (await gpu.read(buf.logp)) as Float32Array;
      }
    }
    const read = async (t: Tensor) => Float64Array.from(await gpu.read(t));
    const [kl, entropy, values, returns, stats] = [await read(buf.kl), await read(buf.oldEntropy), await read(buf.oldValues), await read(buf.returns), await read(buf.statsSum)];
    const t4 = clock();

    // metrics: sums over each response, averaged over the batch; the loss statistics averaged over the K·M steps
    let klSum = 0;
    let entropySum = 0;
    const resid: number[] = [];
    const rets: number[] = [];
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < actions[b].length; i++) {
        const n = base(b) + promptIds[b].length - 1 + i;
        klSum += kl[n];
        entropySum += entropy[n];
        resid.push(returns[n] - values[n]);
        rets.push(returns[n]);
      }
    }
    const steps = K * M;
    const meanKl = klSum / B;
    const meanOf = (xs: readonly number[]) => xs.reduce((a, c) => a + c, 0) / xs.length;
    const varOf = (xs: readonly number[]) => meanOf(xs.map((x) => (x - meanOf(xs)) ** 2));
    const stat = (name: keyof typeof PpoStat) => stats[PpoStat[name]] / steps;
    const metrics: PPOMetrics = {
      'objective/scores': meanOf(scores),
      'objective/kl': meanKl,
      'objective/sqrt_kl': Math.sqrt(Math.max(0, meanKl)),
      'objective/entropy': entropySum / B,
      'objective/non_score_reward': -klCoef * meanKl,
      'objective/rlhf_reward': meanOf(shaped) - klCoef * meanKl,
      'objective/kl_coef': klCoef,
      'policy/approxkl': stat('policy/approxkl'),
      'policy/clipfrac': stat('policy/clipfrac'),
      'policy/entropy': stat('policy/entropy'),
      'loss/policy': stat('loss/policy'),
      'loss/value': stat('loss/value'),
      'val/ratio': stat('val/ratio'),
      'val/clipfrac': stat('val/clipfrac'),
      'val/var_explained': 1 - varOf(resid) / varOf(rets),
      'response/length': meanOf(gen.tokens.map((r) => r.length)),
      'response/ended_rate': meanOf(gen.ended.map(Number)),
      'time/rollout': t1 - t0,
      'time/score': t2 - t1,
      'time/logprobs': t3 - t2,
      'time/update': t4 - t3,
    };
    if (!Number.isFinite(metrics['loss/policy']) || !Number.isFinite(metrics['loss/value'])) {
      throw new Error(`PPO diverged at iteration ${iteration}: loss/policy ${metrics['loss/policy']}, loss/value ${metrics['loss/value']} (lower the learning rate)`);
    }
    if (config.adaptiveKl) this.klCoef = adaptKlCoef(klCoef, meanKl, B, config.adaptiveKl);
    this.iteration = iteration;
    const samples = prompts.map((prompt, b) => ({ prompt, response: texts[b], score: scores[b], ended: gen.ended[b] }));
    const result: PPOIteration = { iteration, metrics, samples };
    if (inspect) result.inspect = await this.trace(promptIds, actions, gen.logprobs, order, newLogp, { kl, entropy, values, returns });
    return result;
  }

  /** Where the run stands, for a checkpoint a later run resumes from. */
  resumeState(): PPOResumeState {
    const { count, mean, m2 } = this.moments;
    return { iteration: this.iteration, klCoef: this.klCoef, scoreMoments: { count, mean, m2 } };
  }

  /** Goes on after `state.iteration` iterations (before the first step of a trainer built from the stored weights). */
  resumeAt(state: PPOResumeState): void {
    if (this.iteration !== 0) throw new Error(`resumeAt: this trainer has already run ${this.iteration} iterations`);
    const { iteration, klCoef, scoreMoments } = state;
    if (!Number.isInteger(iteration) || iteration < 0) throw new Error(`resumeAt: iteration ${iteration} is not a count`);
    if (!(klCoef >= 0)) throw new Error(`resumeAt: λ_KL ${klCoef} is not a non-negative number`);
    this.iteration = iteration;
    this.klCoef = klCoef;
    this.optimizerSteps = iteration * this.config.epochs * this.config.minibatches;
    Object.assign(this.moments, scoreMoments);
  }

  /** The policy's packed parameters now. */
  async policyParams(): Promise<Float32Array> {
    return (await this.gpu.read(this.policy.params)) as Float32Array;
  }

  /** The value head's packed parameters now. */
  async valueHeadParams(): Promise<Float32Array> {
    return (await this.gpu.read(this.value.params)) as Float32Array;
  }

  /** Missing-ending penalty, running normalisation and clipping of the B scores (each optional). */
  private shape(scores: readonly number[], ended: readonly boolean[]): number[] {
    const c = this.config;
    let s = scores.map((x, b) => (ended[b] ? x : x - c.missingEosPenalty));
    if (c.scoreNorm) {
      this.moments.update(s);
      const { mean, std } = this.moments;
      s = s.map((x) => (x - mean) / Math.max(std, 1e-8));
    }
    if (c.scoreClip > 0) s = s.map((x) => Math.min(Math.max(x, -c.scoreClip), c.scoreClip));
    return s;
  }

  /**
   * The actions of each rollout: its tokens, plus the stop text that ended it (the sampler removes it from
   * the output; it is still in the sampler's token buffer, right after the response).
   */
  private async withStopTexts(tokens: number[][], ended: boolean[], prompts: number[][]): Promise<number[][]> {
    const eot = this.tokenizer.endOfText;
    const stopped = tokens.map((r, b) => ended[b] && r.at(-1) !== eot);
    if (!stopped.some(Boolean)) return tokens.map((r) => [...r]);
    const Tmax = this.sampler.Tmax;
    const P = Math.max(...prompts.map((p) => p.length));
    const buffer = (await this.gpu.read(this.sampler.tokens)) as Uint32Array;
    // the shortest stop text found right after the response is the one the sampler stopped at
    const bySize = [...this.stopSequences].sort((a, b) => a.length - b.length);
    return tokens.map((r, b) => {
      if (!stopped[b]) return [...r];
      const at = b * Tmax + P + r.length;
      const seq = bySize.find((s) => s.every((x, i) => buffer[at + i] === x));
      if (!seq) throw new Error(`PPO: rollout ${b} ended without end-of-text, yet no stop text follows it in the sampler's buffer`);
      return [...r, ...seq];
    });
  }

  /** Per-token traces of the iteration's rollouts (inspect). */
  private async trace(
    promptIds: number[][], actions: number[][], samplerLogp: number[][], order: number[][], newLogp: Float32Array[][],
    read: { kl: Float64Array; entropy: Float64Array; values: Float64Array; returns: Float64Array },
  ): Promise<PPOInspection> {
    const { gpu, rows: mb, slot: S, T, buf } = this;
    const f64 = async (t: Tensor) => Float64Array.from(await gpu.read(t));
    const [logp, refLogp, rewards, advantage] = [await f64(buf.oldLogp), await f64(buf.refLogp), await f64(buf.rewards), await f64(buf.whitened)];
    const eps = this.config.cliprange;
    return {
      order,
      rows: actions.map((a, b) => {
        const m = Math.floor(b / mb);
        const first = m * S + (b % mb) * T + promptIds[b].length - 1;
        const pick = (x: ArrayLike<number>, offset = first) => Array.from({ length: a.length }, (_, i) => x[offset + i]);
        const ratio = newLogp.map((perSlot) => pick(perSlot[m], first - m * S).map((lp, i) => Math.exp(lp - logp[first + i])));
        const clipped = ratio.map((rs) => rs.map((r, i) => {
          const A = advantage[first + i];
          return -A * Math.min(Math.max(r, 1 - eps), 1 + eps) > -A * r;
        }));
        return {
          prompt: promptIds[b], actions: a, samplerLogp: samplerLogp[b], minibatch: m,
          logp: pick(logp), refLogp: pick(refLogp), kl: pick(read.kl), entropy: pick(read.entropy), value: pick(read.values),
          reward: pick(rewards), advantage: pick(advantage), return: pick(read.returns), ratio, clipped,
        };
      }),
    };
  }
}

/**
 * A reward function scoring with a preference model checkpoint (trunk + reward_head): the PM's score of
 * prompt + response + <|endofcontext|>, cut from the left to the PM's sequence length (its `seq_len`
 * metadata, else its context), `rows` sequences per forward pass.
 */
export function pmReward(gpu: Gpu, ckpt: Checkpoint, file: string, rows: number): RewardFn {
  const head = ckpt.heads.reward_head;
  if (!head) throw new Error(`${file}: not a preference model (no reward_head tensors)`);
  const tokenizer = tokenizerOfCheckpoint(ckpt.metadata, ckpt.cfg, file);
  if (tokenizer.endOfContext >= ckpt.cfg.vocabSize) throw new Error(`${file}: a vocabulary of ${ckpt.cfg.vocabSize} has no <|endofcontext|> (${tokenizer.endOfContext})`);
  const seqLen = Number(ckpt.metadata.seq_len);
  const T = Number.isInteger(seqLen) && seqLen >= 2 && seqLen <= ckpt.cfg.maxSeqLen ? seqLen : ckpt.cfg.maxSeqLen;
  const P = Math.ceil(rows / 2);
  const scorer = new PMScorer(gpu, ckpt.cfg, P, T, ckpt.packed, head);
  return async (prompts, responses) => {
    const out: number[] = [];
    for (let at = 0; at < prompts.length; at += 2 * P) {
      const n = Math.min(2 * P, prompts.length - at);
      const tokens = new Uint32Array(2 * P * T).fill(tokenizer.endOfText);
      const eocIndex = new Uint32Array(2 * P);
      for (let r = 0; r < 2 * P; r++) {
        const i = at + (r < n ? r : 0);
        const seq = encodeForPM(prompts[i], responses[i], tokenizer, T);
        tokens.set(seq, r * T);
        eocIndex[r] = seq.length - 1;
      }
      const scores = await scorer.score({ tokens, eocIndex, count: P });
      for (let r = 0; r < n; r++) out.push(scores[r]);
    }
    return out;
  };
}
