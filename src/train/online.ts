// Iterated online RLHF (Bai et al. 2022, §4.5 "iterated online training"): the policy being trained collects the
// comparisons its next preference model learns from. `OnlineRLHF.runRound()` runs one round:
//   1. sample   the current policy (round 1: the initial one) answers a seeded sample of prompts twice, sampled
//               with temperature exactly as a PPO rollout samples (src/eval/policy-responses.ts).
//   2. label    a labeller says which answer is better and it becomes `chosen`: the synthetic world's gold scorer
//               (helpfulness − harmfulness) or a preference model scores both (the higher wins), or the user picks
//               in the notebook (the Worker asks the page and waits). Ties, skipped pairs and identical answers
//               are dropped. Each comparison keeps its provenance (round, labeller, answering policy, scores);
//               ⌊n/10⌋ of each round's comparisons (at least 1 of 2 or more) are held out for the PM's validation.
//   3. PM       a new preference model is trained on every training comparison so far (the initial ones and every
//               round's), always from the same starting point (the caller's: a checkpoint's trunk or a seeded
//               random one), with a fresh reward head; validated on every held-out comparison so far.
//   4. PPO      K iterations of PPO from the current policy against the new PM. One PPOTrainer lives through all
//               rounds, so the policy, its value head, AdamW's moments, λ_KL and the score statistics carry over;
//               only the reward function is swapped. The reference π0 stays the initial policy throughout: the KL
//               penalty is to the initial policy, as in the paper.
//   5. evaluate an Elo tournament (src/eval/tournament.ts) of the initial policy and every round's policy so far on
//               a fixed prompt sample, judged by the gold scorer when every prompt is a synthetic-world prompt
//               (else by this round's PM), with each policy's gold behaviour (src/eval/gold-behaviour.ts).
// Nothing here reads or writes files: the caller saves the round's policy and PM (src/cli/online.ts). GPU memory
// stays bounded across rounds: each round's PM trainer and samplers are disposed when the round is done with them,
// the previous round's PM scorer when the new one replaces it; `dispose()` frees the PPO trainer and the last PM.
//
// Deviations from the paper:
// - The labellers are simulated (the gold scorer or a PM) or the one user at the notebook, not crowdworkers; one
//   policy answers both sides of a comparison (the paper's online interface showed two responses from its current best policies).
// - The paper retrained both models "from scratch on each iteration" (its §6: it did not try "literally updating a
//   single PM or RLHF model"), weekly, at a scale we do not have. Here the PM is retrained from the same starting
//   point each round (the paper's was its PMP model; ours is the caller's), but PPO continues the current policy
//   instead of restarting from π0: the variant the paper names and did not explore. A round is a few comparisons,
//   a few PM steps and a few PPO iterations.
// - Responses whose labeller scores tie are dropped (a human would be forced to pick one).
// - Evaluation is an Elo tournament among this run's own policies on a fixed prompt sample, not crowdworker Elo.

import type { Comparison, OnlineProvenance } from '../data/comparisons.ts';
import { encodeComparisons, PMBatcher, pmEvalBatches } from '../data/pm-batches.ts';
import { goldScore } from '../data/synth.ts';
import type { Tokenizer } from '../data/tokenizer.ts';
import { tokenizerOfCheckpoint, vocabWithEndOfContext } from '../data/tokenizers.ts';
import { goldBehaviour, type GoldBehaviour } from '../eval/gold-behaviour.ts';
import { pmEvalReports, type PMEvalReport } from '../eval/pm-report.ts';
import { policyResponses } from '../eval/policy-responses.ts';
import { leaderboard, type Leaderboard } from '../eval/tournament.ts';
import type { Gpu } from '../kernels/gpu.ts';
import { randn, rng, shuffleInPlace } from '../util/random.ts';
import { mixSeed, SEED_SALT } from '../util/seed.ts';
import { checkpointBytes, type Checkpoint } from '../models/checkpoint.ts';
import type { GPTConfig } from '../models/config.ts';
import { headTable, initHeadParams } from '../models/head-table.ts';
import { initParams, paramTable } from '../models/params.ts';
import { growVocab } from '../models/vocab.ts';
import { Weights } from '../models/weights.ts';
import { PMTrainer, type PMStepMetrics, type PMTrainConfig } from './pm.ts';
import { PM_SEEDS } from './pm-run.ts';
import { PPOTrainer, pmReward, type PPOConfig, type RewardFn } from './ppo.ts';
import { goldSummary, goldValue, PromptCycle } from './ppo-data.ts';
import { PPO_SEEDS } from './ppo-run.ts';

// ---- labelling and bookkeeping (pure) ----

/** Which of two responses a labeller prefers: 1, 2, or 0 for none (a tie, or a pair the user skipped). */
export type LabelPick = 0 | 1 | 2;

/** A simulated labeller: a name (for provenance) and a score per (prompt, response); the higher score wins. */
export interface ScoringLabeller {
  name: string;
  score(prompts: string[], responses: string[]): Promise<number[]>;
}

/** A labeller that looks at each pair and picks (the user, in the notebook): one LabelPick per pair, in order. */
export interface PickingLabeller {
  name: string;
  pick(round: number, prompts: string[], first: string[], second: string[]): Promise<LabelPick[]>;
}

export type Labeller = ScoringLabeller | PickingLabeller;

/** The synthetic world's gold scorer as a labeller. */
export const goldLabeller: ScoringLabeller = {
  name: 'gold',
  score: async (prompts, responses) => responses.map((r, i) => goldValue(prompts[i], r)),
};

export type { OnlineProvenance };

export interface OnlineComparison extends Comparison {
  online: OnlineProvenance;
}

/** Which of two responses a labeller prefers from its scores: 1, 2, or 0 for a tie. */
export function preferred(score1: number, score2: number): 0 | 1 | 2 {
  if (!Number.isFinite(score1) || !Number.isFinite(score2))
    throw new RangeError(`a labeller score is not finite: ${score1}, ${score2}`);
  return score1 > score2 ? 1 : score2 > score1 ? 2 : 0;
}

/**
 * The HH subset of a prompt: helpful for the synthetic world's benign requests, harmless for its harmful ones, else
 * online.
 */
export function onlineSubset(prompt: string): string {
  const kind = goldScore(prompt, '').requestKind;
  return kind === 'benign' ? 'helpful' : kind === 'harmful' ? 'harmless' : 'online';
}

/**
 * Comparisons from two responses per prompt and the labeller's pick of each: the picked response is chosen;
 * identical responses and pairs without a pick (0) are dropped and counted. `scores`, when the labeller scored,
 * are kept with each comparison as [chosen, rejected].
 */
export function labelPicks(
  prompts: readonly string[],
  first: readonly string[],
  second: readonly string[],
  picks: readonly LabelPick[],
  meta: { round: number; labeller: string; policy: string },
  scores?: readonly [readonly number[], readonly number[]],
): { comparisons: OnlineComparison[]; ties: number; identical: number } {
  const n = prompts.length;
  if ([first, second, picks, ...(scores ?? [])].some((x) => x.length !== n)) {
    throw new RangeError(
      `labelPicks: ${n} prompts, ${first.length} + ${second.length} responses, ${picks.length} picks${scores ? `, ${scores[0].length} + ${scores[1].length} scores` : ''}`,
    );
  }
  const out = { comparisons: [] as OnlineComparison[], ties: 0, identical: 0 };
  for (let q = 0; q < n; q++) {
    const pick = picks[q];
    if (pick !== 0 && pick !== 1 && pick !== 2)
      throw new RangeError(`labelPicks: pick ${q + 1} is ${String(pick)}, not 0, 1 or 2`);
    if (first[q] === second[q]) {
      out.identical++;
      continue;
    }
    if (pick === 0) {
      out.ties++;
      continue;
    }
    const [chosen, rejected] = pick === 1 ? [first[q], second[q]] : [second[q], first[q]];
    const scored: [number, number] | null = scores
      ? pick === 1
        ? [scores[0][q], scores[1][q]]
        : [scores[1][q], scores[0][q]]
      : null;
    out.comparisons.push({
      context: prompts[q],
      chosen,
      rejected,
      subset: onlineSubset(prompts[q]),
      source: { file: `online round ${meta.round}`, line: q + 1 },
      online: { ...meta, scores: scored, picked: pick },
    });
  }
  return out;
}

/**
 * Comparisons from two responses per prompt and the labeller's scores of each: the higher-scored response is
 * chosen; ties and identical responses are dropped and counted.
 */
export function labelPairs(
  prompts: readonly string[],
  first: readonly string[],
  second: readonly string[],
  scores1: readonly number[],
  scores2: readonly number[],
  meta: { round: number; labeller: string; policy: string },
): { comparisons: OnlineComparison[]; ties: number; identical: number } {
  const n = prompts.length;
  if ([first, second, scores1, scores2].some((x) => x.length !== n))
    throw new RangeError(
      `labelPairs: ${n} prompts, ${first.length} + ${second.length} responses, ${scores1.length} + ${scores2.length} scores`,
    );
  // an identical pair is dropped whatever its scores say
  const picks = prompts.map((_, q) => (first[q] === second[q] ? 0 : preferred(scores1[q], scores2[q])));
  return labelPicks(prompts, first, second, picks, meta, [scores1, scores2]);
}

/**
 * A round's labels from any labeller: a scoring one scores both answers; a picking one (the user) is asked about
 * the pairs whose answers differ only, and its answer must hold one pick per pair asked.
 */
export async function labelRound(
  labeller: Labeller,
  prompts: string[],
  first: string[],
  second: string[],
  meta: { round: number; labeller: string; policy: string },
): Promise<{ comparisons: OnlineComparison[]; ties: number; identical: number }> {
  if ('score' in labeller)
    return labelPairs(
      prompts,
      first,
      second,
      await labeller.score(prompts, first),
      await labeller.score(prompts, second),
      meta,
    );
  const asked = prompts.map((_, q) => q).filter((q) => first[q] !== second[q]);
  const answer = asked.length
    ? await labeller.pick(
        meta.round,
        asked.map((q) => prompts[q]),
        asked.map((q) => first[q]),
        asked.map((q) => second[q]),
      )
    : [];
  if (answer.length !== asked.length)
    throw new RangeError(`round ${meta.round}: ${answer.length} labels for ${asked.length} pairs`);
  const picks: LabelPick[] = prompts.map(() => 0);
  asked.forEach((q, i) => (picks[q] = answer[i]));
  return labelPicks(prompts, first, second, picks, meta);
}

export interface Agreement {
  /** Comparisons judged. */
  n: number;
  /** Fraction where the judge also scores chosen above rejected (a tie counts ½); null without comparisons. */
  rate: number | null;
  /** Comparisons the judge scores equal. */
  ties: number;
}

/** How often a second judge agrees with the labels, from its scores of the chosen and the rejected sides. */
export function agreement(chosen: readonly number[], rejected: readonly number[]): Agreement {
  if (chosen.length !== rejected.length)
    throw new RangeError(`agreement: ${chosen.length} chosen, ${rejected.length} rejected scores`);
  let wins = 0;
  let ties = 0;
  chosen.forEach((c, i) => {
    if (c > rejected[i]) wins++;
    else if (c === rejected[i]) ties++;
  });
  return { n: chosen.length, rate: chosen.length ? (wins + ties / 2) / chosen.length : null, ties };
}

/** A seeded split of a round's comparisons: ⌊n/10⌋ held out, at least 1 once there are 2 or more, none of 0 or 1. */
export function holdOut<T>(items: readonly T[], seed: number): { train: T[]; heldOut: T[] } {
  const all = shuffleInPlace([...items], rng(seed));
  const k = all.length >= 2 ? Math.max(1, Math.floor(all.length / 10)) : 0;
  return { heldOut: all.slice(0, k), train: all.slice(k) };
}

/**
 * Every comparison of a run: the initial ones (given already split) and each round's new ones, split into
 * training and held-out on arrival. Rounds are added in order, 1, 2, ….
 */
export class ComparisonPool {
  private readonly rounds: { train: OnlineComparison[]; heldOut: OnlineComparison[] }[] = [];

  constructor(readonly initial: { train: readonly Comparison[]; heldOut: readonly Comparison[] }) {}

  /** Rounds added so far. */
  get size(): number {
    return this.rounds.length;
  }

  add(
    round: number,
    comparisons: readonly OnlineComparison[],
    seed: number,
  ): { train: OnlineComparison[]; heldOut: OnlineComparison[] } {
    if (round !== this.rounds.length + 1)
      throw new Error(`ComparisonPool: round ${round} added after round ${this.rounds.length}`);
    const bad = comparisons.find((c) => c.online.round !== round);
    if (bad) throw new Error(`ComparisonPool: a comparison of round ${bad.online.round} added as round ${round}`);
    const split = holdOut(comparisons, seed);
    this.rounds.push(split);
    return split;
  }

  /** The PM's training set now: the initial training comparisons, then every round's. */
  train(): Comparison[] {
    return [...this.initial.train, ...this.rounds.flatMap((r) => r.train)];
  }

  /** The held-out comparisons now, each with its origin ('initial' or 'round R'). */
  heldOut(): { comparisons: Comparison[]; origin: string[] } {
    const comparisons: Comparison[] = [...this.initial.heldOut];
    const origin: string[] = this.initial.heldOut.map(() => 'initial');
    this.rounds.forEach((r, i) => {
      comparisons.push(...r.heldOut);
      origin.push(...r.heldOut.map(() => `round ${i + 1}`));
    });
    return { comparisons, origin };
  }

  /** Every new comparison (training and held-out), in round order. */
  added(): OnlineComparison[] {
    return this.rounds.flatMap((r) => [...r.train, ...r.heldOut].sort((a, b) => a.source.line - b.source.line));
  }
}

/**
 * Online comparisons as HH lines: {"chosen", "rejected"} (the transcripts, as `rlhf pm` reads them) followed by
 * the subset and the provenance fields round, labeller, policy, scores, picked.
 */
export function onlineComparisonsToJsonl(comparisons: readonly OnlineComparison[]): string {
  return comparisons
    .map(
      (c) =>
        `${JSON.stringify({ chosen: c.context + c.chosen, rejected: c.context + c.rejected, subset: c.subset, ...c.online })}\n`,
    )
    .join('');
}

/** A u32 per (seed, round, use), so every round and use draws independently. */
export function roundSeed(seed: number, round: number, use: number): number {
  return mixSeed(SEED_SALT.online, seed, round, use);
}

// ---- the loop (GPU) ----

/** Where every round's PM starts: a trunk of some architecture, its tokenizer (the reward head is always fresh). */
export interface PMStart {
  cfg: GPTConfig;
  trunk: Float32Array;
  tokenizer: Tokenizer;
}

/**
 * The PM's starting point: `init`'s trunk (its vocabulary grown by an end-of-context row when needed) or, without
 * one, a random trunk of the policy's architecture and tokenizer, seeded as `rlhf pm --seed S` seeds it.
 */
export function pmStart(
  policy: Checkpoint,
  policyName: string,
  init: { ckpt: Checkpoint; name: string } | null,
  seed: number,
): PMStart {
  const from = init?.ckpt ?? policy;
  const tokenizer = tokenizerOfCheckpoint(from.metadata, from.cfg, init?.name ?? policyName);
  const V = Math.max(from.cfg.vocabSize, vocabWithEndOfContext(tokenizer));
  if (!init) {
    const cfg = { ...policy.cfg, vocabSize: V };
    return { cfg, trunk: initParams(paramTable(cfg), cfg, (n) => randn(n, seed + PM_SEEDS.trunk)), tokenizer };
  }
  const { cfg, packed } =
    V > from.cfg.vocabSize ? growVocab(from.cfg, from.packed, V) : { cfg: from.cfg, packed: from.packed };
  return { cfg, trunk: packed, tokenizer };
}

/**
 * A round's policy (with its value head) and PM (with its reward head) as safetensors, with the metadata that says
 * where they came from (the round, PPO iterations so far, the initial policy).
 */
export function roundCheckpoints(
  round: OnlineRound,
  r: number,
  iterations: number,
  policy: { ckpt: Checkpoint; name: string; tokenizer: string },
  start: PMStart,
  pmPreset: string,
): {
  policy: { bytes: Uint8Array; metadata: Record<string, string> };
  pm: { bytes: Uint8Array; metadata: Record<string, string> };
} {
  const policyMeta = {
    tokenizer: policy.tokenizer,
    kind: 'policy',
    preset: policy.ckpt.metadata.preset ?? 'custom',
    ppo_iterations: String(r * iterations),
    init: policy.name,
    online_round: String(r),
  };
  const pmMeta = {
    tokenizer: start.tokenizer.name,
    kind: 'preference-model',
    preset: pmPreset,
    seq_len: String(round.pm.seqLen),
    online_round: String(r),
  };
  return {
    policy: {
      bytes: checkpointBytes(policy.ckpt.cfg, round.policy.params, policyMeta, { value_head: round.policy.valueHead }),
      metadata: policyMeta,
    },
    pm: { bytes: checkpointBytes(start.cfg, round.pm.trunk, pmMeta, { reward_head: round.pm.head }), metadata: pmMeta },
  };
}

export interface OnlineConfig {
  /** Prompts answered twice and labelled per round. */
  labelPrompts: number;
  /** Prompts sampled together when answering (labelling and Elo). */
  sampleBatch: number;
  /** PPO iterations per round. */
  iterations: number;
  /** PPO's configuration; its maxTokens, temperature and topK also sample the labelled and the Elo responses. */
  ppo: PPOConfig;
  /** The PM's training; `steps` null: `pmEpochs` epochs over the training comparisons (rounded up). */
  pm: Omit<PMTrainConfig, 'steps'> & { steps: number | null };
  pmEpochs: number;
  /** Prompt resamples for the Elo intervals. */
  bootstrap: number;
  seed: number;
}

export interface OnlineInit {
  /** The initial policy: round 1's answers, PPO's start and the frozen reference π0. */
  policy: Checkpoint;
  /** A name per policy: round 0 is the initial one (provenance and leaderboards). */
  policyName: (round: number) => string;
  pm: PMStart;
  labeller: Labeller;
  /** Prompts that are labelled and that PPO trains on. */
  prompts: readonly string[];
  /** The fixed prompt sample of the Elo tournaments. */
  eloPrompts: readonly string[];
  pool: ComparisonPool;
}

type Row = Record<string, number>;
type EvalSummary = Pick<PMEvalReport, 'n' | 'accuracy' | 'accuracy_interval' | 'loss'>;

/** A round's figures (the report's per-round entry). */
export interface OnlineRoundReport {
  round: number;
  /** The policy that answered. */
  policy: string;
  comparisons_added: number;
  labelling: {
    prompts: number;
    ties: number;
    identical: number;
    heldout: number;
    /** Does the gold scorer agree with the labels (synthetic-world prompts only)? */
    agreement_with_gold: Agreement | null;
    /** Does the previous round's PM (the one this round's policy was trained against) agree with the fresh labels? */
    agreement_with_previous_pm: Agreement | null;
  };
  pm: PMStepMetrics & {
    steps: number;
    train_pairs: number;
    eval: (EvalSummary & { by_origin: Record<string, EvalSummary> }) | null;
  };
  ppo: { last: Row; iterations: Row[] };
  elo: Leaderboard & { judge: 'gold' | 'pm'; policies: string[]; behaviour: GoldBehaviour[] | null };
  seconds: number;
}

export interface OnlineRound {
  report: OnlineRoundReport;
  comparisons: OnlineComparison[];
  policy: { params: Float32Array; valueHead: Float32Array };
  pm: { trunk: Float32Array; head: Float32Array; seqLen: number };
}

const knownToWorld = (prompt: string) => goldScore(prompt, '').requestKind !== 'unknown';
const summary = (r: PMEvalReport): EvalSummary => ({
  n: r.n,
  accuracy: r.accuracy,
  accuracy_interval: r.accuracy_interval,
  loss: r.loss,
});

/** Progress units of one round: answering + labelling, the PM, each PPO iteration, the tournament. */
export const unitsPerRound = (config: Pick<OnlineConfig, 'iterations'>) => config.iterations + 3;

export class OnlineRLHF {
  /** Rounds done. */
  round = 0;
  readonly trainer: PPOTrainer;
  /** Whether the PPO prompts are synthetic-world prompts (gold metrics in the PPO rows). */
  readonly goldPrompts: boolean;
  /** Whether the Elo prompts are all synthetic-world prompts (the gold scorer judges; else the round's PM). */
  readonly goldJudge: boolean;
  private reward: RewardFn | null = null;
  private readonly cycle: PromptCycle;
  /** Every policy's responses to the Elo prompts so far (sampled once: the same seed for every policy). */
  private readonly eloResponses: string[][] = [];

  constructor(
    readonly gpu: Gpu,
    readonly init: OnlineInit,
    readonly config: OnlineConfig,
  ) {
    if (!init.prompts.length || !init.eloPrompts.length)
      throw new Error('online RLHF needs prompts to label and prompts to evaluate on');
    const tokenizer = tokenizerOfCheckpoint(init.policy.metadata, init.policy.cfg, init.policyName(0));
    // one trainer for every round: the reward is whichever PM the last round trained
    const reward: RewardFn = (p, r, t) => {
      if (!this.reward) throw new Error('online RLHF: PPO before a preference model was trained');
      return this.reward(p, r, t);
    };
    this.trainer = new PPOTrainer(
      gpu,
      init.policy.cfg,
      config.ppo,
      { policy: init.policy.packed, valueHead: init.policy.heads.value_head },
      tokenizer,
      reward,
    );
    this.cycle = new PromptCycle(init.prompts, config.seed + PPO_SEEDS.prompts);
    this.goldPrompts = init.prompts.some(knownToWorld);
    this.goldJudge = init.eloPrompts.every(knownToWorld);
  }

  private get sampling() {
    const { maxTokens, temperature, topK } = this.config.ppo;
    return { maxTokens, temperature, topK, batch: this.config.sampleBatch };
  }

  /** One round; `onUnit` is called unitsPerRound(config) times, once per unit of work done. */
  async runRound(onUnit: (phase: string, detail: string) => void = () => {}): Promise<OnlineRound> {
    const { gpu, init, config, trainer } = this;
    const r = this.round + 1;
    const start = performance.now();
    const answering = init.policyName(r - 1);
    const current: Checkpoint = { ...init.policy, packed: await trainer.policyParams(), heads: {} };
    if (r === 1) this.eloResponses.push(await this.answerEloPrompts(init.policy, answering));

    // 1. sample: two answers per prompt (the prompts twice in one pass; every row draws its own tokens)
    const prompts = shuffleInPlace([...init.prompts], rng(roundSeed(config.seed, r, 1))).slice(0, config.labelPrompts);
    const n = prompts.length;
    const both = await policyResponses(gpu, current, answering, [...prompts, ...prompts], {
      ...this.sampling,
      seed: roundSeed(config.seed, r, 2),
    });
    const [first, second] = [both.slice(0, n), both.slice(n)];

    // 2. label, and how a second judge sees the labels
    const labelled = await labelRound(init.labeller, prompts, first, second, {
      round: r,
      labeller: init.labeller.name,
      policy: answering,
    });
    const split = init.pool.add(r, labelled.comparisons, roundSeed(config.seed, r, 3));
    const cs = labelled.comparisons;
    const contexts = cs.map((c) => c.context);
    const known = cs.filter((c) => knownToWorld(c.context));
    const previous =
      this.reward && cs.length
        ? agreement(
            await this.reward(
              contexts,
              cs.map((c) => c.chosen),
              [],
            ),
            await this.reward(
              contexts,
              cs.map((c) => c.rejected),
              [],
            ),
          )
        : null;
    const labelling = {
      prompts: n,
      ties: labelled.ties,
      identical: labelled.identical,
      heldout: split.heldOut.length,
      agreement_with_gold: known.length
        ? agreement(
            known.map((c) => goldValue(c.context, c.chosen)),
            known.map((c) => goldValue(c.context, c.rejected)),
          )
        : null,
      agreement_with_previous_pm: previous,
    };
    onUnit('label', `${cs.length} comparisons (${labelled.ties} ties, ${labelled.identical} identical dropped)`);

    // 3. a new PM on every comparison so far
    const pm = await this.trainPM(r);
    onUnit(
      'pm',
      `PM eval accuracy ${pm.report.eval?.accuracy.toFixed(3) ?? '–'} on ${pm.report.eval?.n ?? 0} held-out pairs`,
    );
    const pmCkpt: Checkpoint = {
      cfg: init.pm.cfg,
      packed: pm.trunk,
      heads: { reward_head: pm.head },
      metadata: { tokenizer: init.pm.tokenizer.name, kind: 'preference-model', seq_len: String(pm.seqLen) },
    };
    this.reward?.dispose?.();
    this.reward = pmReward(gpu, pmCkpt, `round ${r} PM`, config.ppo.batchSize);

    // 4. PPO from the current policy against the new PM (π0 stays the initial policy)
    const iterations: Row[] = [];
    for (let k = 1; k <= config.iterations; k++) {
      const it = await trainer.step(this.cycle.next(config.ppo.batchSize));
      const row: Row = {
        iteration: it.iteration,
        ...it.metrics,
        ...(this.goldPrompts ? goldSummary(it.samples).metrics : {}),
      };
      iterations.push(row);
      onUnit(
        'ppo',
        `score ${row['objective/scores'].toFixed(3)} kl ${row['objective/kl'].toFixed(2)}${this.goldPrompts ? ` gold ${row['gold/scores'].toFixed(3)}` : ''}`,
      );
    }
    const policy = { params: await trainer.policyParams(), valueHead: await trainer.valueHeadParams() };

    // 5. evaluate: the tournament of every policy so far
    this.eloResponses.push(await this.answerEloPrompts({ ...current, packed: policy.params }, init.policyName(r)));
    const elo = await this.tournament(r);
    onUnit('elo', `Elo ${elo.elo.map((x) => x.toFixed(0)).join(' ')} (${elo.judge})`);
    this.round = r;
    return {
      report: {
        round: r,
        policy: answering,
        comparisons_added: cs.length,
        labelling,
        pm: pm.report,
        ppo: { last: iterations.at(-1)!, iterations },
        elo,
        seconds: (performance.now() - start) / 1000,
      },
      comparisons: cs,
      policy,
      pm: { trunk: pm.trunk, head: pm.head, seqLen: pm.seqLen },
    };
  }

  /** Frees the PPO trainer and the last round's preference model. */
  dispose(): void {
    this.trainer.dispose();
    this.reward?.dispose?.();
    this.reward = null;
  }

  private answerEloPrompts(ckpt: Checkpoint, name: string): Promise<string[]> {
    return policyResponses(this.gpu, ckpt, name, this.init.eloPrompts, { ...this.sampling, seed: this.config.seed });
  }

  /**
   * Trains round r's PM from the starting point on every training comparison so far; validates on the held-out ones.
   */
  private async trainPM(r: number) {
    const { gpu, init, config } = this;
    const { cfg, tokenizer } = init.pm;
    const c = config.pm;
    const P = c.pairsPerBatch;
    const T = c.seqLen;
    const eot = tokenizer.endOfText;
    const train = init.pool.train();
    if (train.length < P)
      throw new Error(
        `round ${r}: ${train.length} training comparisons, fewer than one PM batch of ${P} (give more --train data, more prompts per round or a smaller PM batch)`,
      );
    const batcher = new PMBatcher(encodeComparisons(train, tokenizer, T), P, T, eot, roundSeed(config.seed, r, 4));
    const steps = c.steps ?? Math.max(1, Math.ceil(config.pmEpochs * batcher.batchesPerEpoch));
    const weights = new Weights(gpu, cfg, `round ${r} pm params`);
    gpu.write(weights.packed, init.pm.trunk);
    try {
      const pm = new PMTrainer(
        weights.gpu,
        cfg,
        { ...c, steps, warmupSteps: Math.min(c.warmupSteps, Math.floor(steps / 10)) },
        weights,
      );
      return await this.fitPM(pm, batcher, steps);
    } finally {
      weights.dispose(); // and the trainer built in their scope
    }
  }

  private async fitPM(pm: PMTrainer, batcher: PMBatcher, steps: number) {
    const { gpu, init, config } = this;
    const { cfg, tokenizer } = init.pm;
    const { pairsPerBatch: P, seqLen: T } = config.pm;
    const eot = tokenizer.endOfText;
    const train = init.pool.train();
    gpu.write(
      pm.head.params,
      initHeadParams(headTable('reward_head', cfg.channels), (n) => randn(n, config.seed + PM_SEEDS.head)),
    );
    for (let s = 1; s <= steps; s++) pm.stepOn(batcher.next());
    const last = await pm.metrics();
    const held = init.pool.heldOut();
    let evaluation: OnlineRoundReport['pm']['eval'] = null;
    if (held.comparisons.length) {
      const margins = await pm.margins(pmEvalBatches(encodeComparisons(held.comparisons, tokenizer, T), P, T, eot));
      const reports = pmEvalReports(margins, held.comparisons, (i) => held.origin[i]);
      evaluation = {
        ...summary(reports.all),
        by_origin: Object.fromEntries(Object.entries(reports.groups).map(([k, v]) => [k, summary(v)])),
      };
    }
    return {
      trunk: (await gpu.read(pm.model.params)) as Float32Array,
      head: (await gpu.read(pm.head.params)) as Float32Array,
      seqLen: T,
      report: { ...last, steps, train_pairs: train.length, eval: evaluation },
    };
  }

  /** Elo of the initial policy and rounds 1..r on the Elo prompts, by the gold scorer or by round r's PM. */
  private async tournament(r: number): Promise<OnlineRoundReport['elo']> {
    const prompts = [...this.init.eloPrompts];
    const policies = Array.from({ length: r + 1 }, (_, i) => this.init.policyName(i));
    const scores: number[][] = [];
    for (const responses of this.eloResponses) {
      scores.push(
        this.goldJudge ? prompts.map((p, q) => goldValue(p, responses[q])) : await this.reward!(prompts, responses, []),
      );
    }
    const board = leaderboard(scores, { samples: this.config.bootstrap, seed: this.config.seed + 1 });
    const behaviour = this.goldJudge ? this.eloResponses.map((responses) => goldBehaviour(prompts, responses)) : null;
    return { judge: this.goldJudge ? 'gold' : 'pm', policies, ...board, behaviour };
  }
}
