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
// Files: this one builds the GPU graphs and runs steps 3–5 (`update`); ppo-rollout.ts steps 1–2 (`rollout`),
// ppo-slots.ts the CPU packing of rows into minibatch slots, ppo-metrics.ts the metrics and score shaping,
// ppo-inspect.ts the per-token trace, ppo-types.ts the types, pm-reward.ts the preference-model reward, and
// ppo.ref.ts the float64 reference of one whole update that test/gpu/ppo-step-ref.test.ts holds `update` to.
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
import {
  PPO_STATS,
  PpoStat,
  ppoLossBackward,
  ppoLossForward,
  ppoLossParams,
  ppoLossScratch,
  setPpoLoss,
} from '../kernels/ppo_loss.ts';
import { addInPlace, residualForward } from '../kernels/residual.ts';
import { whitenForward, whitenStats } from '../kernels/whiten.ts';
import type { GPTConfig } from '../models/config.ts';
import { GPT } from '../models/gpt.ts';
import { headTable, initHeadParams, ValueHead } from '../models/heads.ts';
import { Sampler } from '../models/sampler.ts';
import { Weights } from '../models/weights.ts';
import { randn, rng, shuffleInPlace } from '../util/random.ts';
import { mixSeed, SEED_SALT } from '../util/seed.ts';
import { adaptKlCoef, checkPPOConfig, type PPOConfig } from './ppo-config.ts';
import { inspectRows } from './ppo-inspect.ts';
import { PPO_LOSS_METRICS, ppoMetrics, shapeScores, type PPOLossMetric } from './ppo-metrics.ts';
import { encodePrompt, sampleRollout } from './ppo-rollout.ts';
import { packSlots, slotLayout } from './ppo-slots.ts';
import type { PPOInit, PPOIteration, PPOResumeState, PPORollout, PPOTokenizer, RewardFn } from './ppo-types.ts';
import { RunningMoments } from './running-moments.ts';

export { adaptKlCoef, DEFAULT_PPO, type AdaptiveKl, type PPOConfig } from './ppo-config.ts';
export { PPO_METRICS, type PPOMetricName, type PPOMetrics } from './ppo-metrics.ts';
export type {
  PPOInit,
  PPOInspection,
  PPOIteration,
  PPOResumeState,
  PPORollout,
  PPORowTrace,
  PPOSample,
  PPOTokenizer,
  RewardFn,
} from './ppo-types.ts';
export { pmReward, type ScorerReward } from './pm-reward.ts';

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
    actions: Tensor;
    mask: Tensor;
    score: Tensor;
    oldLogp: Tensor;
    oldEntropy: Tensor;
    refLogp: Tensor;
    oldValues: Tensor;
    kl: Tensor;
    rewards: Tensor;
    advantages: Tensor;
    returns: Tensor;
    whitened: Tensor;
    negKlCoef: Tensor;
    logp: Tensor;
    statsSum: Tensor;
    adamHp: Tensor;
  };
  private readonly rolloutForward: Dispatch[][] = [];
  private readonly trainStep: Dispatch[][] = [];
  private readonly rewardDispatches: Dispatch[];
  private readonly zeroStats: Dispatch;

  readonly gpu: Gpu;

  constructor(
    parent: Gpu,
    readonly cfg: GPTConfig,
    readonly config: PPOConfig,
    init: PPOInit,
    readonly tokenizer: PPOTokenizer,
    readonly reward: RewardFn,
  ) {
    checkPPOConfig(config);
    const { batchSize: B, minibatches: M, maxTokens, temperature: tau } = config;
    const { vocabSize: V, channels: C, maxSeqLen } = cfg;
    this.maxPromptTokens = config.maxPromptTokens || maxSeqLen - maxTokens;
    this.T = this.maxPromptTokens + maxTokens;
    if (this.maxPromptTokens < 1 || this.T > maxSeqLen) {
      throw new Error(
        `PPO: prompts of ${this.maxPromptTokens} tokens + ${maxTokens} new tokens do not fit the model's context of ${maxSeqLen}`,
      );
    }
    const T = this.T;
    const mb = (this.rows = B / M);
    const N = mb * T;
    const align = parent.limits.minStorageBufferOffsetAlignment / 4;
    const S = (this.slot = slotLayout(B, M, T, align).S);
    const NT = M * S;
    this.klCoef = config.klCoef;
    this.stopSequences = config.stopTexts.map((s) => tokenizer.encode(s));

    // Models: the policy (training graph over one minibatch, tied LM head), its value head on the shared
    // trunk, the frozen reference, and the sampler reading the policy's live weights.
    const gpu = (this.gpu = parent.scope('ppo trainer'));
    const policyWeights = new Weights(gpu, cfg, 'policy params');
    gpu.write(policyWeights.packed, init.policy);
    const refWeights = new Weights(gpu, cfg, 'reference params');
    gpu.write(refWeights.packed, init.reference ?? init.policy);
    this.policy = new GPT(gpu, cfg, mb, T, policyWeights);
    this.value = new ValueHead(gpu, this.policy, { zeroDlnf: false });
    gpu.write(
      this.value.params,
      init.valueHead ??
        initHeadParams(headTable('value_head', C), (n) => randn(n, mixSeed(SEED_SALT.ppo, config.seed, -1, 7))),
    );
    this.reference = new GPT(gpu, cfg, mb, T, refWeights, { backward: false });
    this.sampler = new Sampler(policyWeights, B, T);

    // Batch buffers [M·S]: slot m holds minibatch m's rows [B/M, T] from element m·S.
    const batch = (name: string, dtype: 'f32' | 'u32' = 'f32') => gpu.tensor(`ppo.${name}`, [NT], dtype);
    const buf = (this.buf = {
      actions: batch('actions', 'u32'),
      mask: batch('mask'),
      score: batch('score'),
      oldLogp: batch('old_logp'),
      oldEntropy: batch('old_entropy'),
      refLogp: batch('ref_logp'),
      oldValues: batch('old_values'),
      kl: batch('kl'),
      rewards: batch('rewards'),
      advantages: batch('advantages'),
      returns: batch('returns'),
      whitened: batch('whitened'),
      negKlCoef: gpu.tensor('ppo.neg_kl_coef', [1, 1]),
      logp: gpu.tensor('ppo.logp', [mb, T]),
      statsSum: gpu.tensor('ppo.stats_sum', [PPO_STATS]),
      adamHp: adamwHyperparams(gpu),
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
      ...gradNormOver(
        gpu,
        norm,
        [
          { grads: policy.grads, P: nPolicy },
          { grads: value.grads, P: nHead },
        ],
        gradNormScratchOver(gpu, [nPolicy, nHead]),
        normParams,
      ),
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
        ...ppoLossForward(
          gpu,
          stats,
          partials,
          buf.logp,
          oldLogp,
          whitened,
          value.values,
          oldValues,
          returns,
          entropy,
          mask,
          lossParams,
          N,
        ),
        ...ppoLossBackward(
          gpu,
          dlogp,
          value.dvalues,
          dentropy,
          buf.logp,
          oldLogp,
          whitened,
          value.values,
          oldValues,
          returns,
          mask,
          stats,
          lossParams,
          N,
        ),
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
      ...Array.from({ length: M }, (_, m) =>
        gaeForward(
          gpu,
          at(buf.advantages, m),
          at(buf.returns, m),
          at(buf.rewards, m),
          at(buf.oldValues, m),
          at(buf.mask, m),
          gae,
          mb,
          T,
        ),
      ),
      ...whitenForward(gpu, buf.whitened, buf.advantages, buf.mask, whitenStats(gpu), NT, false),
    ];
  }

  /**
   * Destroys every GPU buffer this trainer created: policy, value head, reference, sampler and batch buffers.
   * The reward function belongs to whoever made it.
   */
  dispose(): void {
    this.gpu.dispose();
  }

  /**
   * A prompt's tokens: end-of-text (what precedes every transcript in pretraining), then the text, cut from the left.
   */
  encodePrompt(text: string): number[] {
    return encodePrompt(this.tokenizer, text, this.maxPromptTokens);
  }

  /** One PPO iteration on B prompts (steps 1–5); `inspect` adds every rollout's per-token trace. */
  async step(prompts: readonly string[], opts: { inspect?: boolean } = {}): Promise<PPOIteration> {
    return this.update(await this.rollout(prompts), opts);
  }

  /** Steps 1–2 of the next iteration: a response to each of B prompts from the current policy, and its raw score. */
  async rollout(prompts: readonly string[]): Promise<PPORollout> {
    const { config } = this;
    const B = config.batchSize;
    if (prompts.length !== B)
      throw new Error(`PPO: an iteration takes batchSize = ${B} prompts, got ${prompts.length}`);
    const seed = mixSeed(SEED_SALT.ppo, config.seed, this.iteration + 1, 1);
    const { sampler, tokenizer, reward, stopSequences, maxPromptTokens } = this;
    return sampleRollout({ sampler, tokenizer, reward, config, stopSequences, maxPromptTokens, seed }, prompts);
  }

  /**
   * Steps 3–5 of the next iteration on a rollout (`rollout`'s, or B prompts and responses given by the caller):
   * score shaping, log-probabilities, rewards, GAE and whitening, K epochs × M minibatch steps; then the metrics,
   * and the run moves on by one iteration.
   */
  async update(rollout: PPORollout, { inspect = false } = {}): Promise<PPOIteration> {
    const { gpu, config, T, buf } = this;
    const { batchSize: B, minibatches: M, epochs: K } = config;
    const { promptIds, actions, scores, ended } = rollout;
    const sizes = [rollout.prompts, promptIds, actions, rollout.responseTokens, rollout.responses, scores, ended].map(
      (x) => x.length,
    );
    if (sizes.some((n) => n !== B))
      throw new Error(`PPO: a rollout of batchSize = ${B} rows, got lists of ${sizes.join(', ')}`);
    const iteration = this.iteration + 1;
    const klCoef = this.klCoef;
    const clock = () => performance.now() / 1000;
    const t2 = clock();

    // 3. sequences into the slots; log π_old, values, log π0; KL and rewards; 4. GAE and whitening
    const shaped = shapeScores(scores, ended, config, this.moments);
    const slots = packSlots(
      { M, rows: this.rows, T, S: this.slot },
      promptIds,
      actions,
      shaped,
      this.tokenizer.endOfText,
    );
    gpu.write(buf.actions, slots.actions);
    gpu.write(buf.mask, slots.mask);
    gpu.write(buf.score, slots.score);
    gpu.write(buf.negKlCoef, [-klCoef]);
    for (let m = 0; m < M; m++) {
      gpu.write(this.policy.tokens, slots.tokens[m]);
      gpu.write(this.reference.tokens, slots.tokens[m]);
      gpu.run(this.rolloutForward[m], 'ppo rollout forward');
    }
    gpu.run(this.rewardDispatches, 'ppo rewards + gae');
    await gpu.sync();
    const t3 = clock();

    // 5. K epochs × M minibatches of PPO (minibatch order reshuffled every epoch)
    gpu.run([this.zeroStats], 'ppo zero stats');
    const random = rng(mixSeed(SEED_SALT.ppo, config.seed, iteration, 2));
    const order: number[][] = [];
    const newLogp: Float32Array[][] = [];
    for (let k = 0; k < K; k++) {
      const perm = shuffleInPlace(
        Array.from({ length: M }, (_, m) => m),
        random,
      );
      order.push(perm);
      newLogp.push([]);
      for (const m of perm) {
        gpu.write(this.policy.tokens, slots.tokens[m]);
        this.optimizerSteps++;
        const { lr, beta1, beta2, eps, weightDecay } = config;
        setAdamW(gpu, buf.adamHp, { lr, beta1, beta2, eps, weightDecay, t: this.optimizerSteps });
        gpu.run(this.trainStep[m], 'ppo minibatch step');
        if (inspect) newLogp[k][m] = (await gpu.read(buf.logp)) as Float32Array;
      }
    }
    const read = async (t: Tensor) => Float64Array.from(await gpu.read(t));
    const [kl, entropy, values, returns] = [
      await read(buf.kl),
      await read(buf.oldEntropy),
      await read(buf.oldValues),
      await read(buf.returns),
    ];
    const stats = await read(buf.statsSum);
    const t4 = clock();

    const metrics = ppoMetrics({
      scores,
      shaped,
      klCoef,
      responseLengths: rollout.responseTokens.map((r) => r.length),
      ended,
      spans: actions.map((a, b) => ({ first: slots.first[b], length: a.length })),
      kl,
      entropy,
      values,
      returns,
      lossSums: Object.fromEntries(PPO_LOSS_METRICS.map((name) => [name, stats[PpoStat[name]]])) as Record<
        PPOLossMetric,
        number
      >,
      steps: K * M,
      seconds: { ...rollout.seconds, logprobs: t3 - t2, update: t4 - t3 },
    });
    if (!Number.isFinite(metrics['loss/policy']) || !Number.isFinite(metrics['loss/value'])) {
      throw new Error(
        `PPO diverged at iteration ${iteration}: loss/policy ${metrics['loss/policy']}, loss/value ${metrics['loss/value']} (lower the learning rate)`,
      );
    }
    if (config.adaptiveKl) this.klCoef = adaptKlCoef(klCoef, metrics['objective/kl'], B, config.adaptiveKl);
    this.iteration = iteration;
    const samples = rollout.prompts.map((prompt, b) => ({
      prompt,
      response: rollout.responses[b],
      score: scores[b],
      ended: ended[b],
    }));
    const result: PPOIteration = { iteration, metrics, samples };
    if (inspect) {
      const [oldLogp, refLogp, rewards, advantages] = [
        await read(buf.oldLogp),
        await read(buf.refLogp),
        await read(buf.rewards),
        await read(buf.whitened),
      ];
      result.inspect = inspectRows(
        {
          promptIds,
          actions,
          samplerLogp: rollout.samplerLogp,
          rows: this.rows,
          S: this.slot,
          first: slots.first,
          order,
          newLogp,
          cliprange: config.cliprange,
        },
        { oldLogp, refLogp, kl, entropy, values, rewards, advantages, returns },
      );
    }
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
    if (!Number.isInteger(iteration) || iteration < 0)
      throw new Error(`resumeAt: iteration ${iteration} is not a count`);
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
}
