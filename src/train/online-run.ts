// One iterated online RLHF run (Bai et al. 2022, §4.5; the loop: src/train/online.ts OnlineRLHF), set up
// identically for the command line (`rlhf online`) and the notebook's Worker (worker/online-session.ts), from one
// OnlineRunConfig whose settings are the notebook's OnlineSettings (the protocol's type is assignable to
// OnlineRunSettings) plus the options only the command line sets:
//   policy    the checkpoint the loop starts from, also the frozen reference π0; a preference model is refused
//             (planPPORun's check: its trunk was never trained to write text)
//   labeller  the synthetic world's gold scorer (refused when no prompt is the world's: every label would tie),
//             a stored preference model (scoring sampleBatch rows at a time), or a picking labeller (the user)
//   PM        every round's PM starts from pmInit's trunk (the notebook: the policy's), or without one from a
//             random trunk of the policy's architecture (pmStart: seeded with seed + PM_SEEDS.trunk, as
//             `rlhf pm` seeds it); its preset metadata is its starting checkpoint's; steps pmSteps, else pmEpochs
//             (default 1) passes over the training comparisons; pmSeqLen at most the PM's context
//   PPO       DEFAULT_PPO, then `ppo` (the command line's other PPO options), then the shared knobs; the prompt
//             budget as PPORun takes it (ppo.maxPromptTokens, else the longest prompt, at most what the context
//             leaves after maxTokens: promptTokenBudget), checked by planPPORun
//   data      the initial comparisons split by holdOut(seed) unless their held-out half is given; the Elo
//             prompts a sample of eloPrompts of them (default the prompts) shuffled with the seed
//   sampling  sampleBatch prompts at a time (default 16; policyResponses never samples more rows than prompts)
// planOnlineRun checks the settings without a GPU (the CLI reports its errors as usage errors, naming its flags
// through `nameOf`); new OnlineRun(gpu, plan) builds the loop and the labeller's PM in a GPU scope of its own,
// which dispose() frees. Nothing here imports the DOM or Node: it runs unchanged in the Worker and in the CLI.

import type { Comparison } from '../data/comparisons.ts';
import { goldScore } from '../data/synth.ts';
import type { Tokenizer } from '../data/tokenizer.ts';
import type { Gpu } from '../kernels/gpu.ts';
import { rng, shuffleInPlace } from '../util/random.ts';
import {
  ComparisonPool,
  goldLabeller,
  holdOut,
  OnlineRLHF,
  pmStart,
  roundCheckpoints,
  unitsPerRound,
  type Labeller,
  type OnlineComparison,
  type OnlineConfig,
  type OnlineRoundReport,
  type PickingLabeller,
  type PMStart,
} from './online.ts';
import { DEFAULT_PM_TRAIN } from './pm.ts';
import { DEFAULT_PPO, type PPOConfig } from './ppo-config.ts';
import { pmReward } from './pm-reward.ts';
import { planPPORun, type NamedCheckpoint } from './ppo-run.ts';

/** PPO's knobs the notebook sets; `OnlineRunSettings.ppo` holds the rest. */
type SharedPPO = 'batchSize' | 'minibatches' | 'epochs' | 'maxTokens' | 'klCoef' | 'lr' | 'seed';

/** A run's numbers: the notebook's OnlineSettings, plus the optional ones only the command line sets. */
export interface OnlineRunSettings {
  rounds: number;
  /** PPO iterations per round. */
  iterations: number;
  /** Prompts answered twice and labelled per round. */
  labelPrompts: number;
  /** Prompts of the Elo tournament (a fixed seeded sample). */
  eloPrompts: number;
  /** PM steps per round; absent: pmEpochs passes over the training comparisons. */
  pmSteps?: number;
  /** Passes over the training comparisons when pmSteps is absent (default 1). */
  pmEpochs?: number;
  pmPairsPerBatch: number;
  /** Tokens per PM side (default the smaller of the PM's context and DEFAULT_PM_TRAIN's). */
  pmSeqLen?: number;
  pmLr: number;
  pmWeightDecay?: number;
  batchSize: number;
  minibatches: number;
  epochs: number;
  maxTokens: number;
  klCoef: number;
  lr: number;
  seed: number;
  /** Prompts sampled together when answering (default 16). */
  sampleBatch?: number;
  /** Prompt resamples of the Elo intervals (default 200). */
  bootstrap?: number;
  /** PPO's other settings over DEFAULT_PPO (maxPromptTokens 0 or absent: the prompt budget). */
  ppo?: Partial<Omit<PPOConfig, SharedPPO>>;
}

/** A setting an error message names (the CLI names its flag instead). */
export type OnlineSetting = Exclude<keyof OnlineRunSettings, 'ppo'> | 'labeller';

/** Who labels: the gold scorer, a stored preference model, or a labeller that picks (the user). */
export type OnlineLabellerSource =
  | { kind: 'gold' }
  | ({ kind: 'pm' } & NamedCheckpoint)
  | { kind: 'picking'; labeller: PickingLabeller };

/** Everything an online run is built from. */
export interface OnlineRunConfig {
  /** The initial policy: round 1's answers, PPO's start and the frozen reference π0. */
  policy: NamedCheckpoint;
  labeller: OnlineLabellerSource;
  /** Where every round's PM starts; null: a random trunk of the policy's architecture. */
  pmInit: NamedCheckpoint | null;
  /** Prompts that are labelled and that PPO trains on. */
  prompts: readonly string[];
  /** Prompts the Elo sample is drawn from (default the prompts). */
  eloPrompts?: readonly string[];
  /** The initial comparisons every round's PM also trains on; split by holdOut(seed) unless heldOut is given. */
  comparisons: readonly Comparison[];
  heldOut?: readonly Comparison[];
  settings: OnlineRunSettings;
  /** A name per policy, round 0 the initial one (default: the policy's name, then `… · online round R`). */
  policyName?: (round: number) => string;
  /** How error messages name a setting (default its field name). */
  nameOf?: (setting: OnlineSetting) => string;
}

/** A checked run, its data prepared: what OnlineRun builds on the GPU. */
export interface OnlineRunPlan {
  readonly run: OnlineRunConfig;
  /** The loop's configuration, PPO's prompt budget resolved. */
  readonly config: OnlineConfig;
  readonly rounds: number;
  /** The policy's tokenizer. */
  readonly tokenizer: Tokenizer;
  /** Where every round's PM starts, and the preset its checkpoints record. */
  readonly pm: PMStart;
  readonly pmPreset: string;
  readonly initial: { train: Comparison[]; heldOut: Comparison[] };
  readonly eloPrompts: string[];
  /** Prompts longer than PPO's prompt budget (cut from the left). */
  readonly promptsCut: number;
  /** Progress units of the whole run (unitsPerRound per round). */
  readonly units: number;
  /** What works but may not be what was meant (prompts the gold labeller cannot judge). */
  readonly warnings: string[];
}

/** A finished round as both front ends store it: the report, the round's checkpoints and its new comparisons. */
export interface OnlineRunRound {
  round: number;
  report: OnlineRoundReport;
  policy: { bytes: Uint8Array; metadata: Record<string, string> };
  pm: { bytes: Uint8Array; metadata: Record<string, string> };
  comparisons: OnlineComparison[];
}

/** Prompts sampled together when answering, unless the settings say. */
export const DEFAULT_SAMPLE_BATCH = 16;
/** Prompt resamples of the Elo intervals, unless the settings say. */
export const DEFAULT_BOOTSTRAP = 200;

const knownToWorld = (prompt: string) => goldScore(prompt, '').requestKind !== 'unknown';

/** Checks a run's settings and prepares its data (no GPU): an Error saying what to change when they cannot work. */
export function planOnlineRun(run: OnlineRunConfig): OnlineRunPlan {
  const s = run.settings;
  const nameOf = run.nameOf ?? ((k: OnlineSetting) => k);
  const sampleBatch = s.sampleBatch ?? DEFAULT_SAMPLE_BATCH;
  const bootstrap = s.bootstrap ?? DEFAULT_BOOTSTRAP;
  const pmEpochs = s.pmEpochs ?? 1;
  const counts: [OnlineSetting, number | undefined][] = [
    ['rounds', s.rounds],
    ['iterations', s.iterations],
    ['labelPrompts', s.labelPrompts],
    ['eloPrompts', s.eloPrompts],
    ['pmSteps', s.pmSteps],
    ['pmPairsPerBatch', s.pmPairsPerBatch],
    ['sampleBatch', sampleBatch],
    ['bootstrap', bootstrap],
  ];
  for (const [k, v] of counts) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) {
      throw new Error(`${nameOf(k)} must be a positive integer, got ${v}`);
    }
  }
  if (!(pmEpochs > 0)) throw new Error(`${nameOf('pmEpochs')} must be positive, got ${pmEpochs}`);
  if (!(s.pmLr > 0)) throw new Error(`${nameOf('pmLr')} must be positive, got ${s.pmLr}`);
  const decay = s.pmWeightDecay;
  if (decay !== undefined && !(decay >= 0)) {
    throw new Error(`${nameOf('pmWeightDecay')} must be at least 0, got ${decay}`);
  }

  // the labeller
  const warnings: string[] = [];
  const { labeller } = run;
  if (labeller.kind === 'pm' && !labeller.checkpoint.heads.reward_head) {
    const what = `${nameOf('labeller')} ${labeller.name}`;
    throw new Error(`${what} is not a preference model (no reward_head tensors): label with a PM or the gold scorer`);
  }
  if (labeller.kind === 'gold') {
    const outside = run.prompts.filter((p) => !knownToWorld(p)).length;
    if (outside && outside === run.prompts.length) {
      const none = 'and none of the prompts are (label with a PM)';
      throw new Error(`${nameOf('labeller')} gold judges synthetic-world prompts only, ${none}`);
    }
    const zero = 'the gold labeller scores every answer to them 0 (ties, dropped)';
    if (outside) warnings.push(`${outside} of ${run.prompts.length} prompts are outside the synthetic world: ${zero}`);
  }

  // the policy and PPO, as PPORun checks them (one run of rounds × iterations iterations)
  const ppoPlan = planPPORun({
    policy: run.policy,
    reward: { kind: 'gold' },
    prompts: run.prompts,
    iterations: s.rounds * s.iterations,
    ppo: {
      ...DEFAULT_PPO,
      ...s.ppo,
      maxPromptTokens: s.ppo?.maxPromptTokens ?? 0,
      batchSize: s.batchSize,
      minibatches: s.minibatches,
      epochs: s.epochs,
      maxTokens: s.maxTokens,
      klCoef: s.klCoef,
      lr: s.lr,
      seed: s.seed,
    },
  });

  // the PM's start and training
  const init = run.pmInit && { ckpt: run.pmInit.checkpoint, name: run.pmInit.name };
  const start = pmStart(run.policy.checkpoint, run.policy.name, init, s.seed);
  const context = start.cfg.maxSeqLen;
  const pmSeqLen = s.pmSeqLen ?? Math.min(context, DEFAULT_PM_TRAIN.seqLen);
  if (!Number.isInteger(pmSeqLen) || pmSeqLen < 2) {
    throw new Error(`${nameOf('pmSeqLen')} must be an integer of at least 2, got ${pmSeqLen}`);
  }
  if (pmSeqLen > context) {
    throw new Error(`${nameOf('pmSeqLen')} ${pmSeqLen} exceeds the PM's context of ${context} tokens`);
  }
  const config: OnlineConfig = {
    labelPrompts: s.labelPrompts,
    sampleBatch,
    iterations: s.iterations,
    ppo: ppoPlan.ppo,
    pm: {
      ...DEFAULT_PM_TRAIN,
      pairsPerBatch: s.pmPairsPerBatch,
      seqLen: pmSeqLen,
      steps: s.pmSteps ?? null,
      lr: s.pmLr,
      weightDecay: s.pmWeightDecay ?? DEFAULT_PM_TRAIN.weightDecay,
    },
    pmEpochs,
    bootstrap,
    seed: s.seed,
  };

  // the data
  const initial = run.heldOut
    ? { train: [...run.comparisons], heldOut: [...run.heldOut] }
    : holdOut(run.comparisons, s.seed);
  // round 1's PM trains on the initial comparisons and at most the labelled ones that are not held out
  const labelled = s.labelPrompts - holdOut(Array.from({ length: s.labelPrompts }), 0).heldOut.length;
  if (initial.train.length + labelled < s.pmPairsPerBatch) {
    const most = `at most ${initial.train.length} initial + ${labelled} labelled training comparisons`;
    throw new Error(
      `round 1's PM has ${most}, fewer than one batch of ${s.pmPairsPerBatch}: give more comparisons` +
        ` or a smaller ${nameOf('pmPairsPerBatch')}`,
    );
  }
  const eloPrompts = shuffleInPlace([...(run.eloPrompts ?? run.prompts)], rng(s.seed)).slice(0, s.eloPrompts);
  if (!eloPrompts.length) throw new Error('no Elo prompts: the tournament needs at least one');
  return {
    run,
    config,
    rounds: s.rounds,
    tokenizer: ppoPlan.tokenizer,
    pm: start,
    pmPreset: (run.pmInit ?? run.policy).checkpoint.metadata.preset ?? 'custom',
    initial,
    eloPrompts,
    promptsCut: ppoPlan.promptsCut,
    units: s.rounds * unitsPerRound(config),
    warnings,
  };
}

export class OnlineRun {
  /** The run's own GPU scope: the loop (PPO trainer, each round's PM) and the labeller's PM, freed by dispose(). */
  readonly gpu: Gpu;
  readonly labeller: Labeller;
  readonly loop: OnlineRLHF;

  constructor(
    gpu: Gpu,
    readonly plan: OnlineRunPlan,
  ) {
    this.gpu = gpu.scope('online run');
    const { run, config } = plan;
    const source = run.labeller;
    if (source.kind === 'pm') {
      const score = pmReward(this.gpu, source.checkpoint, source.name, config.sampleBatch);
      this.labeller = { name: source.name, score: (p, r) => score(p, r, []) };
    } else {
      this.labeller = source.kind === 'picking' ? source.labeller : goldLabeller;
    }
    const first = run.policy.name;
    const policyName = run.policyName ?? ((r: number) => (r === 0 ? first : `${first} · online round ${r}`));
    this.loop = new OnlineRLHF(
      this.gpu,
      {
        policy: run.policy.checkpoint,
        policyName,
        pm: plan.pm,
        labeller: this.labeller,
        prompts: run.prompts,
        eloPrompts: plan.eloPrompts,
        pool: new ComparisonPool(plan.initial),
      },
      config,
    );
  }

  /** Rounds done. */
  get round(): number {
    return this.loop.round;
  }

  get done(): boolean {
    return this.loop.round >= this.plan.rounds;
  }

  /** The next round; `onUnit` is called unitsPerRound(config) times. Rounds must not overlap. */
  async runRound(onUnit?: (phase: string, detail: string) => void): Promise<OnlineRunRound> {
    const round = await this.loop.runRound(onUnit);
    const r = this.loop.round;
    const { run, tokenizer, pm, pmPreset, config } = this.plan;
    const policy = { ckpt: run.policy.checkpoint, name: run.policy.name, tokenizer: tokenizer.name };
    const files = roundCheckpoints(round, r, config.iterations, policy, pm, pmPreset);
    return { round: r, report: round.report, ...files, comparisons: round.comparisons };
  }

  /** Frees every GPU buffer the run created: the PPO trainer, the last round's PM and the labeller's PM. */
  dispose(): void {
    this.gpu.dispose();
  }
}
