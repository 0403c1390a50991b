// The only contract between the notebook's UI and its Worker: typed commands in, typed events out.
// The Worker owns the GPU; the UI never touches it. The UI owns storage (IndexedDB): it sends the
// Worker the text a trainer needs and stores the checkpoints the Worker sends back.
//
// Every trainer answers the same controls (Playground's play / pause / step / reset, plus save) and
// reports with the same events (status, metric points, checkpoints), so one UI controller, one
// control bar and one chart element serve every stage. A trainer's `create` command is its own.

import type { Comparison, TrainingPair } from './data/comparisons.ts';
import type { PMCellResult } from './eval/pm-cells.ts';
import type { PMEvalReport } from './eval/pm-report.ts';
import type { OodPromptSet, OodReport, OodSettings } from './eval/ood-run.ts';
import type { GoldBehaviour } from './eval/gold-behaviour.ts';
import type { ModelLoss } from './eval/lm-loss.ts';
import type { AdapterSummary } from './kernels/gpu.ts';
import type { CheckResult } from './kernels/selfcheck.ts';
import type { LabelPick, OnlineComparison, OnlineRoundReport } from './train/online.ts';
import type { PPORowTrace } from './train/ppo-types.ts';
import type { TensionResult, TensionSettings } from './train/tension-run.ts';

// Payload types defined where they are computed, named here so that both ends import them from the protocol.
export type {
  AdapterSummary,
  CheckResult,
  LabelPick,
  OnlineComparison,
  OnlineRoundReport,
  PMCellResult,
  TensionResult,
  TensionSettings,
};

// ---- the online loop (src/worker/online-session.ts) ----

/** The online panel's settings (`online-run`). */
export interface OnlineSettings {
  rounds: number;
  /** PPO iterations per round. */
  iterations: number;
  /** Prompts answered twice and labelled per round. */
  labelPrompts: number;
  /** Prompts of the Elo tournament (a fixed seeded sample). */
  eloPrompts: number;
  pmSteps: number;
  pmPairsPerBatch: number;
  pmLr: number;
  batchSize: number;
  minibatches: number;
  epochs: number;
  maxTokens: number;
  klCoef: number;
  lr: number;
  seed: number;
}

/** One finished round, as the page stores and shows it. */
export interface OnlineRoundResult {
  round: number;
  report: OnlineRoundReport;
  policy: { bytes: Uint8Array; metadata: Record<string, string> };
  pm: { bytes: Uint8Array; metadata: Record<string, string> };
  /** This round's new comparisons, each with its provenance (round, labeller, policy, scores). */
  comparisons: OnlineComparison[];
}

/** A pair the user is asked to label: the prompt and the two answers, as response 1 and response 2. */
export interface LabelRequestPair {
  prompt: string;
  responses: [string, string];
}

/** The trainers the Worker runs. */
export type TrainerKind = 'lm' | 'pm' | 'rlhf';

/**
 * play: run steps until the end or a pause; pause: stop after the current step; step: one step
 * (metrics read after it); reset: drop the run and free it; save: send the weights as a checkpoint.
 */
export type TrainerAction = 'play' | 'pause' | 'step' | 'reset' | 'save';

/** none: no run; preparing: tokenizing / compiling; paused; playing; done: every step taken; failed. */
export type TrainerStatus = 'none' | 'preparing' | 'paused' | 'playing' | 'done' | 'failed';

/** One row of a run's history: the step and namespaced metrics (`train/loss`, `eval/loss`, …). */
export type MetricPoint = { step: number } & Record<string, number>;

/** The base language model's settings (the notebook's Base-model knobs, resolved). */
export interface LMRunSettings {
  preset: 'nano' | 'tiny';
  steps: number;
  batchSize: number;
  seqLen: number;
  lr: number;
  assistantOnly: boolean;
  /** Read metrics and evaluate the held-out batches every this many steps while playing. */
  evalInterval: number;
  seed: number;
  /**
   * While playing, send a checkpoint every this many steps (0 or absent: only on save and at the end), so an
   * interrupted run loses at most this many.
   */
  saveInterval?: number;
}

/**
 * Continue a stored run (base model, preference model or RLHF): the checkpoint of its latest automatic save and the
 * step it was saved at. The run is rebuilt from its own settings and data, the checkpoint's weights replace the
 * initial ones, and the schedule and the batch (or prompt) stream go on from that step. AdamW's moments are not in
 * a checkpoint: they restart at zero.
 */
export interface RunResume {
  bytes: Uint8Array;
  step: number;
}

/** The labelling view's sampling settings (how a PPO rollout samples: temperature 1, no top-k, by default). */
export interface LabelSampling {
  maxTokens: number;
  temperature: number;
  topK: number;
}

/** The preference model's settings (the notebook's Preference-model knobs, resolved). */
export interface PMRunSettings {
  /** Model size when the trunk starts at random (the Base-model stage's preset); a base checkpoint brings its own. */
  preset: 'nano' | 'tiny';
  steps: number;
  /** Comparison pairs per step (P): 2P sequences run through the model. */
  pairsPerBatch: number;
  seqLen: number;
  lr: number;
  /** Read metrics and evaluate the held-out pairs every this many steps while playing. */
  evalInterval: number;
  /** Seeds the per-dataset held-out split (src/data/pm-split.ts), batches and initialisation. */
  seed: number;
  /**
   * While playing, send a checkpoint every this many steps (0 or absent: only on save and at the end), so an
   * interrupted run can resume.
   */
  saveInterval?: number;
}

/** A comparison as the preference model reads it. */
export type PMComparison = TrainingPair;

/** One stored dataset's comparisons, under its id. */
export interface PMDataset {
  id: string;
  comparisons: PMComparison[];
}

/** One pair of the batch a preference-model step trained on (the step-through table). */
export interface PMInspectPair {
  /** The shared conversation's last characters ('…' first when cut for display). */
  context: string;
  chosen: string;
  rejected: string;
  subset: string;
  /** Whether a side was longer than the sequence length and cut from the left (the model saw its end only). */
  cut: boolean;
  rChosen: number;
  rRejected: number;
  /** −log σ(r_chosen − r_rejected), as the loss kernel computed it. */
  loss: number;
}

/** The RLHF stage's settings (the notebook's RLHF knobs, resolved; src/train/ppo-config.ts names the rest). */
export interface RLHFRunSettings {
  /** PPO iterations (the run's steps): B rollouts, their scores, K epochs of M minibatch updates each. */
  iterations: number;
  batchSize: number;
  minibatches: number;
  epochs: number;
  /** Most new tokens per response. */
  maxTokens: number;
  /** λ_KL: the per-token reward −λ_KL·KL(π ‖ π0). */
  klCoef: number;
  /** Target KL per response (nats) for the adaptive controller; 0: λ_KL stays fixed. */
  klTarget: number;
  lr: number;
  /** pm: the chosen preference model's score; gold: the synthetic world's gold scorer. */
  reward: 'pm' | 'gold';
  seed: number;
  /**
   * While playing, send a checkpoint every this many iterations (0 or absent: only on save and at the end), so an
   * interrupted run can resume.
   */
  saveInterval?: number;
}

/** What scores an RLHF run's responses: a preference-model checkpoint, or the synthetic world's gold scorer. */
export type RLHFReward = { kind: 'pm'; name: string; bytes: Uint8Array } | { kind: 'gold' };

/**
 * One rollout of a PPO iteration: the prompt, the sampled response, its reward score (and gold score when the prompt is
 * from the synthetic world).
 */
export interface RLHFSample {
  prompt: string;
  response: string;
  score: number;
  /** Ended by end-of-text or a stop text (not cut at the token limit). */
  ended: boolean;
  gold?: number;
}

/** One rollout's per-token trace (PPOTrainer.step with inspect), tokens decoded; index i is response token i. */
export interface RLHFTraceRow extends Omit<PPORowTrace, 'prompt' | 'actions' | 'samplerLogp'> {
  prompt: string;
  /** The text of each action token (end-of-text as <|endoftext|>). */
  tokens: string[];
  /** The reward function's score (it sits, shaped, in the last token's reward). */
  score: number;
  ended: boolean;
}

/** A whole iteration's trace, for the step-through. */
export interface RLHFTrace {
  iteration: number;
  /** λ_KL and the clip range ε this iteration used. */
  klCoef: number;
  cliprange: number;
  /** The order the minibatches were visited in, per epoch. */
  order: number[][];
  rows: RLHFTraceRow[];
}

/** A stored checkpoint sent to the Worker: its name (results and messages use it) and its safetensors bytes. */
export interface NamedCheckpoint {
  name: string;
  bytes: Uint8Array;
}

/** How the Evaluate stage's policy leaderboard samples and resamples (src/worker/eval-session.ts, as `rlhf elo`). */
export interface EloSettings {
  /** Most new tokens per response (at most half the shortest policy context: the rest stays for the prompt). */
  maxTokens: number;
  temperature: number;
  topK: number;
  /** Prompts sampled together. */
  batch: number;
  /** Prompt resamples for the 95% intervals. */
  bootstrap: number;
  /** Sampling and resampling. */
  seed: number;
}

/** One judge's leaderboard of policies (the fields of `rlhf elo`'s report), with every response and its score. */
export interface EloRanking {
  /** 'gold' or 'pm:<checkpoint name>'. */
  judge: string;
  policies: string[];
  prompts: string[];
  /** responses[p][q]: policy p's response to prompt q; scores[p][q] the judge's score of it. */
  responses: string[][];
  scores: number[][];
  /** Bradley–Terry Elo (mean 0) with 95% intervals from resampling prompts. */
  elo: number[];
  lo: number[];
  hi: number[];
  /** winRate[a][b]: the fraction of prompts on which a beat b (ties half); NaN on the diagonal. */
  winRate: number[][];
  meanScore: number[];
  /** Games each policy played: prompts × (policies − 1). */
  games: number;
  /** The new-token limit the responses were sampled under. */
  maxTokens: number;
  /** With the gold judge: each policy's helpfulness on benign and compliance on harmful requests. */
  behaviour?: GoldBehaviour[];
}

/** How the alignment tax reads the held-out transcripts (lmData's split, as `rlhf lm-eval`). */
export interface LMLossSettings {
  batchSize: number;
  seqLen: number;
  /** Splits the transcripts (the base run's seed gives the base run's held-out transcripts) and draws the batches. */
  seed: number;
  assistantOnly: boolean;
}

/** Each model's held-out loss on the same batches, and what they were. */
export interface LMLossEvaluation {
  results: ModelLoss[];
  transcripts: number;
  heldOutTranscripts: number;
  batches: number;
  batchSize: number;
  seqLen: number;
}

export type Command =
  | { type: 'init' }
  | { type: 'self-check' }
  /** Starts a language-model run (dropping any previous one) on `transcripts` (context + chosen). */
  | { type: 'lm-create'; run: string; settings: LMRunSettings; transcripts: string[]; resume?: RunResume }
  /**
   * Samples two responses to `prompt` for a human to compare: both from `a`, or one from `a` and one from `b`
   * (policy checkpoints, sampled as a PPO rollout samples). Answered by `label-pair`.
   */
  | {
      type: 'label-sample';
      request: string;
      a: { name: string; bytes: Uint8Array };
      b?: { name: string; bytes: Uint8Array };
      prompt: string;
      seed: number;
      sampling: LabelSampling;
    }
  | { type: 'trainer'; trainer: TrainerKind; run: string; action: TrainerAction }
  /**
   * Starts a preference-model run (dropping any previous one) on `datasets`, each split by the seed into
   * training and held-out pairs; the trunk starts from `init` (a base language model's safetensors) or at random.
   */
  | {
      type: 'pm-create';
      run: string;
      settings: PMRunSettings;
      datasets: PMDataset[];
      init: { checkpoint: string; bytes: Uint8Array } | null;
      resume?: RunResume;
    }
  /** Scores a stored preference model (safetensors with a reward head) on each set; answered by `pm-evaluation`. */
  | { type: 'pm-evaluate'; request: string; checkpoint: Uint8Array; sets: PMDataset[] }
  /**
   * Out-of-distribution detection (Bai et al. 2022, §5.4; `rlhf ood`) from a stored checkpoint's activations: a
   * Gaussian fitted to the `fit` prompts scores the held-out `evalIn` and the `evalOut` prompts. Answered by
   * `ood-result`.
   */
  | {
      type: 'ood-detect';
      request: string;
      checkpoint: { name: string; bytes: Uint8Array };
      settings: OodSettings;
      fit: OodPromptSet[];
      evalIn: OodPromptSet[];
      evalOut: OodPromptSet[];
    }
  /**
   * Every policy answers `prompts`, a round robin judged by `judge`; progress by `eval-progress`, answered by
   * `elo-ranking`.
   */
  | {
      type: 'elo-rank';
      request: string;
      policies: NamedCheckpoint[];
      judge: RLHFReward;
      prompts: string[];
      settings: EloSettings;
    }
  /**
   * Each model's held-out LM loss on the same batches of `transcripts` (the alignment tax); answered by
   * `lm-evaluation`.
   */
  | { type: 'lm-evaluate'; request: string; models: NamedCheckpoint[]; transcripts: string[]; settings: LMLossSettings }
  /**
   * Starts an RLHF run (dropping any previous one): PPO of the `policy` checkpoint (also the frozen π0)
   * against `reward`, on `prompts` (conversations up to their final "\n\nAssistant:"). With `resume`, the
   * policy and value head start from the run's stored checkpoint instead, and π0 stays `policy`.
   */
  | {
      type: 'rlhf-create';
      run: string;
      settings: RLHFRunSettings;
      policy: { name: string; bytes: Uint8Array };
      reward: RLHFReward;
      prompts: string[];
      resume?: RunResume;
    }
  /**
   * One PPO iteration of the run with its per-token trace (answered by rlhf-samples, rlhf-inspect, trainer-metrics).
   */
  | { type: 'rlhf-inspect'; run: string }
  /**
   * The helpful-vs-harmless tension explorer (src/train/tension-run.ts): three PMs (helpful-only,
   * harmless-only, mixed) from `base`, their cross-evaluation, PPO against each, and every model's answers to the
   * same prompts. Answered by `tension-progress` events and one `tension-result`.
   */
  | {
      type: 'tension-run';
      request: string;
      base: { name: string; bytes: Uint8Array };
      helpful: PMDataset;
      harmless: PMDataset;
      settings: TensionSettings;
    }
  /**
   * Iterated online RLHF (src/worker/online-session.ts): rounds of sample → label (the gold scorer, a PM or the user) →
   * retrain the PM on `comparisons` and every round's → PPO → Elo from `policy`, on the comparisons' prompts.
   * Answered by `online-progress`, one `online-round` per round and a final `online-done`.
   */
  | {
      type: 'online-run';
      request: string;
      policy: { name: string; bytes: Uint8Array };
      labeller: { kind: 'gold' } | { kind: 'user' } | { kind: 'pm'; name: string; bytes: Uint8Array };
      comparisons: Comparison[];
      settings: OnlineSettings;
    }
  /**
   * The user's labels for a round of an `online-run` whose labeller is the user: one pick per pair of the
   * `online-label-request` (1, 2, or 0 for no preference), or `stop` to end the run. A mismatch is answered by an
   * `error` event and the round keeps waiting.
   */
  | { type: 'online-labels'; request: string; round: number; picks: LabelPick[] }
  | { type: 'online-labels'; request: string; round: number; stop: true };

export type WorkerEvent =
  | { type: 'ready'; adapter: AdapterSummary; limits: Record<string, number> }
  | { type: 'no-webgpu'; reason: string }
  | { type: 'self-check'; results: CheckResult[] }
  | { type: 'error'; command: Command['type']; message: string }
  /** A trainer's state changed (sent on every step while playing; the UI coalesces per frame). */
  | {
      type: 'trainer-status';
      trainer: TrainerKind;
      run: string;
      status: TrainerStatus;
      step: number;
      steps: number;
      message?: string;
    }
  /** What a run was built from, once it is ready. */
  | { type: 'trainer-info'; trainer: TrainerKind; run: string; info: Record<string, number | string> }
  | { type: 'trainer-metrics'; trainer: TrainerKind; run: string; point: MetricPoint }
  /** The weights at `step` as a safetensors file (GPT-2 layout), on `save` and at the end of a run. */
  | {
      type: 'trainer-checkpoint';
      trainer: TrainerKind;
      run: string;
      step: number;
      bytes: Uint8Array;
      metadata: Record<string, string>;
    }
  /**
   * The batch of the preference model's step `step`: each pair with its rewards and loss (sent with every metrics
   * read).
   */
  | { type: 'pm-inspect'; run: string; step: number; pairs: PMInspectPair[] }
  /**
   * The preference model's evaluation on its held-out pairs at `step` (accuracy, calibration bins, ECE, length rules).
   */
  | { type: 'pm-report'; run: string; step: number; report: PMEvalReport }
  /** The answer to `pm-evaluate`: one result per set, in order, or why it failed. */
  | { type: 'pm-evaluation'; request: string; results: PMCellResult[]; error?: string }
  /**
   * The answer to `ood-detect`: the report (AUROC and ROC curve per detector, counts, outlying prompts), or why it
   * failed.
   */
  | { type: 'ood-result'; request: string; report: OodReport | null; error?: string }
  /** How far an `elo-rank` or `lm-evaluate` request has come. */
  | { type: 'eval-progress'; request: string; done: number; total: number; message: string }
  /** The answer to `elo-rank`, or why it failed. */
  | { type: 'elo-ranking'; request: string; ranking: EloRanking | null; error?: string }
  /** The answer to `lm-evaluate`, or why it failed. */
  | { type: 'lm-evaluation'; request: string; evaluation: LMLossEvaluation | null; error?: string }
  /** An RLHF iteration's rollouts (sent just before its trainer-metrics). */
  | { type: 'rlhf-samples'; run: string; iteration: number; samples: RLHFSample[] }
  /** An inspected RLHF iteration's per-token trace (sent just before its trainer-metrics). */
  | { type: 'rlhf-inspect'; run: string; trace: RLHFTrace }
  /** How far a `tension-run` has come: the phase, and units (PM steps, PPO iterations) done of the total. */
  | { type: 'tension-progress'; request: string; phase: string; done: number; total: number }
  /** The answer to `tension-run`: the models, their cells and answers, or why it failed. */
  | { type: 'tension-result'; request: string; result: TensionResult | null; error?: string }
  /** How far an `online-run` has come: units (labelling, PM, PPO iterations, Elo per round) done of the total. */
  | { type: 'online-progress'; request: string; done: number; total: number; message: string }
  /** A round of an `online-run` labelled by the user waits for `online-labels`: the pairs to label. */
  | { type: 'online-label-request'; request: string; round: number; pairs: LabelRequestPair[] }
  /** A finished round of an `online-run`: its report, policy, PM and new comparisons. */
  | { type: 'online-round'; request: string; result: OnlineRoundResult }
  /** An `online-run` ended: every round done, or why it stopped. */
  | { type: 'online-done'; request: string; error?: string }
  /** The answer to `label-sample`: the two responses (a's first), or why sampling failed. */
  | { type: 'label-pair'; request: string; responses: [string, string]; error?: string };
