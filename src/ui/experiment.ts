// The whole experiment as one typed object, and its URL form, so that a run is a link
// (TensorFlow Playground's lesson). One table of fields drives three things: the URL parameters,
// their validation (a bad value falls back to its default with a notice naming the field), and the
// knobs the stages render (label, range and a one-line explanation in the paper's terms).
//
//   ?seed=1&data.synth=1000&base.data=synth-helpful,synth-harmless&base.preset=tiny&base.steps=300&base.batch=8
//    &base.seq=128&base.lr=0.001&base.assistant=0&base.every=10&base.save=25
//
// Later stages add their section (pm.*, rlhf.*) beside `base`.

import { PRESETS } from '../models/config.ts';

/** The model sizes the notebook offers for the base model (the larger presets need a real GPU and the CLI). */
export const BASE_PRESETS = ['nano', 'tiny'] as const;
export type BasePreset = (typeof BASE_PRESETS)[number];

export interface BaseModelConfig {
  /** Datasets whose transcripts (context + chosen) the language model trains on. */
  datasets: string[];
  preset: BasePreset;
  steps: number;
  batch: number;
  seq: number;
  lr: number;
  assistantOnly: boolean;
  /** Metrics and held-out loss every this many steps while playing. */
  evalEvery: number;
  /** Store a checkpoint every this many steps while training (0: only on Save and at the end), so a reload can resume. */
  saveEvery: number;
}

export interface PMConfig {
  /** Datasets whose comparisons the preference model trains on (10% of each held out). */
  datasets: string[];
  steps: number;
  /** Comparison pairs per step (P). */
  pairs: number;
  seq: number;
  lr: number;
  /** Metrics and held-out evaluation every this many steps while playing. */
  evalEvery: number;
  /** Start the trunk from a stored base-model checkpoint (else at random, at the base model's size). */
  init: boolean;
  /** Store a checkpoint every this many steps while training (0: only on Save and at the end), so a reload can resume. */
  saveEvery: number;
}

export const RLHF_REWARDS = ['pm', 'gold'] as const;
export type RLHFRewardSource = (typeof RLHF_REWARDS)[number];

/** The RLHF stage's knobs (PPO against a reward with a KL penalty to the initial policy, Bai et al. 2022 §4). */
export interface RLHFConfig {
  /** Datasets whose conversations (up to the final "Assistant:") are the prompts. */
  datasets: string[];
  iterations: number;
  batch: number;
  minibatches: number;
  epochs: number;
  maxTokens: number;
  klCoef: number;
  /** Adaptive-KL target in nats per response; 0: λ_KL fixed. */
  klTarget: number;
  lr: number;
  reward: RLHFRewardSource;
  /** Store a checkpoint every this many iterations while training (0: only on Save and at the end), so a reload can resume. */
  saveEvery: number;
}

export interface DataConfig {
  /** Comparisons per subset when generating the synthetic world (seeded by the experiment's seed). */
  synthPairs: number;
}

export interface Experiment {
  /** Seeds data shuffling, batches, weight initialisation and the synthetic world. */
  seed: number;
  data: DataConfig;
  base: BaseModelConfig;
  pm: PMConfig;
  rlhf: RLHFConfig;
}

/** One field of the experiment: its URL parameter, how it parses and prints, and how it is explained. */
interface FieldBase<T> {
  param: string;
  label: string;
  /** One line: what the knob does, in the paper's terms. */
  help: string;
  /** What a valid value looks like (for notices). */
  expect: string;
  parse(raw: string): T | undefined;
  format(value: T): string;
}
export type IntField = FieldBase<number> & { kind: 'int'; min: number; max: number };
export type NumberField = FieldBase<number> & { kind: 'number'; min: number; max: number };
export type ChoiceField<T extends string> = FieldBase<T> & { kind: 'choice'; options: readonly T[] };
export type FlagField = FieldBase<boolean> & { kind: 'flag' };
export type IdListField = FieldBase<string[]> & { kind: 'ids' };
export type Field = IntField | NumberField | ChoiceField<string> | FlagField | IdListField;

type Doc = { param: string; label: string; help: string };

function intField(d: Doc, min: number, max: number): IntField {
  return {
    ...d, kind: 'int', min, max, expect: `an integer from ${min} to ${max}`,
    parse: (raw) => (/^-?\d+$/.test(raw.trim()) && Number(raw) >= min && Number(raw) <= max ? Number(raw) : undefined),
    format: String,
  };
}

function numberField(d: Doc, min: number, max: number): NumberField {
  return {
    ...d, kind: 'number', min, max, expect: `a number above ${min}, at most ${max}`,
    parse: (raw) => {
      const v = raw.trim() === '' ? NaN : Number(raw);
      return Number.isFinite(v) && v > min && v <= max ? v : undefined;
    },
    format: String,
  };
}

/** A number from 0 (included: "off") to max. */
function nonNegativeField(d: Doc, max: number): NumberField {
  return {
    ...d, kind: 'number', min: 0, max, expect: `a number from 0 to ${max}`,
    parse: (raw) => {
      const v = raw.trim() === '' ? NaN : Number(raw);
      return Number.isFinite(v) && v >= 0 && v <= max ? v : undefined;
    },
    format: String,
  };
}

function choiceField<T extends string>(d: Doc, options: readonly T[]): ChoiceField<T> {
  return {
    ...d, kind: 'choice', options, expect: `one of ${options.join(', ')}`,
    parse: (raw) => options.find((o) => o === raw),
    format: (v) => v,
  };
}

function flagField(d: Doc): FlagField {
  return {
    ...d, kind: 'flag', expect: '0 or 1',
    parse: (raw) => (raw === '1' || raw === 'true' ? true : raw === '0' || raw === 'false' ? false : undefined),
    format: (v) => (v ? '1' : '0'),
  };
}

/** Dataset ids as the store makes them (src/store/datasets.ts datasetId). */
export const DATASET_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

function idListField(d: Doc): IdListField {
  return {
    ...d, kind: 'ids', expect: 'comma-separated dataset ids (lowercase letters, digits, dashes)',
    parse: (raw) => {
      const ids = raw.split(',').map((s) => s.trim()).filter(Boolean);
      return ids.every((id) => DATASET_ID.test(id)) ? [...new Set(ids)] : undefined;
    },
    format: (v) => v.join(','),
  };
}

export const SEED_FIELD = intField(
  { param: 'seed', label: 'seed', help: 'Seeds everything random: the synthetic world, data shuffling, batches and weight initialisation. Same seed, same run.' },
  0, 2 ** 31 - 1,
);

/** The Data stage's knobs. */
export const DATA_FIELDS = {
  synthPairs: intField({ param: 'data.synth', label: 'pairs per subset', help: 'How many helpful and how many harmless comparisons the synthetic world gets (the seed picks them).' }, 1, 20_000),
} satisfies { [K in keyof DataConfig]: Field };

/** The Base-model stage's knobs, in the order they are shown. */
export const BASE_FIELDS = {
  datasets: idListField({ param: 'base.data', label: 'datasets', help: 'The dialogues the base model reads: the chosen side of each comparison, context included.' }),
  preset: choiceField({ param: 'base.preset', label: 'model', help: 'Model size. nano: 1 layer, 8 channels (a smoke test); tiny: 4 layers, 128 channels, learns the synthetic world in minutes. The paper pretrains 13M–52B.' }, BASE_PRESETS),
  steps: intField({ param: 'base.steps', label: 'steps', help: 'Optimizer steps. The learning rate warms up for the first 10% (at most 20) and decays by cosine to a tenth by the last.' }, 1, 100_000),
  batch: intField({ param: 'base.batch', label: 'batch', help: 'Sequences per step (B). Larger batches give smoother loss curves and more tokens per step.' }, 1, 256),
  seq: intField({ param: 'base.seq', label: 'sequence length', help: 'Tokens (bytes) per sequence (T): how much of a dialogue the model sees at once; at most the model\'s context.' }, 2, 1024),
  lr: numberField({ param: 'base.lr', label: 'learning rate', help: 'Peak AdamW learning rate (β = 0.9, 0.95; weight decay 0.1; gradient norm clipped to 1).' }, 0, 1),
  assistantOnly: flagField({ param: 'base.assistant', label: 'assistant turns only', help: 'Count the loss on the Assistant\'s words only (supervised fine-tuning), not on the Human\'s.' }),
  evalEvery: intField({ param: 'base.every', label: 'metrics every', help: 'While playing, read the training loss and evaluate the held-out 10% every this many steps (reads slow a GPU down).' }, 1, 10_000),
  saveEvery: intField({ param: 'base.save', label: 'checkpoint every', help: 'Store a checkpoint every this many steps while training, so a reload loses at most this many and can resume; 0: only on Save and at the end.' }, 0, 100_000),
} satisfies { [K in keyof BaseModelConfig]: Field };

/** The Preference-model stage's knobs, in the order they are shown. */
export const PM_FIELDS = {
  datasets: idListField({ param: 'pm.data', label: 'datasets', help: 'The comparisons the preference model learns from; 10% of each dataset is held out (split by the seed) for validation.' }),
  steps: intField({ param: 'pm.steps', label: 'steps', help: 'Optimizer steps on the loss −log σ(r_chosen − r_rejected); warm-up for the first 10% (at most 10), cosine decay after.' }, 1, 100_000),
  pairs: intField({ param: 'pm.pairs', label: 'pairs per step', help: 'Comparisons per step (P): both sides of each go through the model, 2P sequences.' }, 1, 128),
  seq: intField({ param: 'pm.seq', label: 'sequence length', help: 'Tokens (bytes) per side, the last being the end-of-context token the score is read at; longer dialogues are cut from the left.' }, 2, 1024),
  lr: numberField({ param: 'pm.lr', label: 'learning rate', help: 'Peak AdamW learning rate for the trunk and the reward head (gradient norm clipped to 1).' }, 0, 1),
  evalEvery: intField({ param: 'pm.every', label: 'metrics every', help: 'While playing, read the batch\'s loss and accuracy and score the held-out pairs (accuracy, calibration) every this many steps.' }, 1, 10_000),
  init: flagField({ param: 'pm.init', label: 'start from base model', help: 'Initialise the trunk from a stored base-model checkpoint, as the paper starts its PMs from pretrained LMs; off: random weights.' }),
  saveEvery: intField({ param: 'pm.save', label: 'checkpoint every', help: 'Store a checkpoint every this many steps while training, so a reload loses at most this many and can resume; 0: only on Save and at the end.' }, 0, 100_000),
} satisfies { [K in keyof PMConfig]: Field };

/** The RLHF stage's knobs, in the order they are shown. */
export const RLHF_FIELDS = {
  datasets: idListField({ param: 'rlhf.data', label: 'prompts from', help: 'The datasets whose conversations, up to their final "Assistant:", are the prompts the policy answers (the paper uses its HH dialogues).' }),
  iterations: intField({ param: 'rlhf.iters', label: 'iterations', help: 'PPO iterations: each samples a response to B prompts, scores them, then updates the policy (K epochs × M minibatches).' }, 1, 100_000),
  batch: intField({ param: 'rlhf.batch', label: 'rollouts per iteration', help: 'B: prompts per iteration, one sampled response each; the KL and score points of the chart average over them.' }, 1, 256),
  minibatches: intField({ param: 'rlhf.mb', label: 'minibatches', help: 'M (divides B): the rollouts are split into M minibatches, one AdamW step each, per epoch.' }, 1, 256),
  epochs: intField({ param: 'rlhf.epochs', label: 'PPO epochs', help: 'K passes over each batch of rollouts: more reuse of the samples, and more of the ratio clipping that keeps each update small.' }, 1, 64),
  maxTokens: intField({ param: 'rlhf.tokens', label: 'max new tokens', help: 'Most tokens per response (it also ends at end-of-text or at a new "Human:" turn); the prompt gets the rest of the context.' }, 1, 1024),
  klCoef: nonNegativeField({ param: 'rlhf.kl', label: 'KL coefficient λ', help: 'Each token\'s reward is −λ·KL(π ‖ π0): the penalty that keeps the policy near the base model. 0.001 as in the paper; small models may need 0.01–0.1 to feel it.' }, 10),
  klTarget: nonNegativeField({ param: 'rlhf.kltarget', label: 'adaptive KL target', help: 'Steer λ so the KL per response moves towards this many nats (Ziegler et al.; ±2% per iteration); 0 keeps λ fixed, as the paper does.' }, 1000),
  lr: numberField({ param: 'rlhf.lr', label: 'learning rate', help: 'AdamW learning rate (constant) of the policy and its value head; TRL uses about 1e-5 for large models, these small ones need more.' }, 0, 1),
  reward: choiceField({ param: 'rlhf.reward', label: 'reward', help: 'What scores a response: pm, your preference model (the paper); gold, the synthetic world\'s exact scorer (helpfulness − harmfulness), a perfect PM.' }, RLHF_REWARDS),
  saveEvery: intField({ param: 'rlhf.save', label: 'checkpoint every', help: 'Store the policy every this many iterations while training, so a reload loses at most this many and can resume; 0: only on Save and at the end.' }, 0, 100_000),
} satisfies { [K in keyof RLHFConfig]: Field };

export function presetMaxSeq(preset: BasePreset): number {
  return PRESETS[preset].maxSeqLen;
}

/** The sequence length a preset gets by default: its whole context, at most 128. */
export function defaultSeq(preset: BasePreset): number {
  return Math.min(presetMaxSeq(preset), 128);
}

export const DEFAULT_EXPERIMENT: Experiment = {
  seed: 1,
  data: { synthPairs: 1000 },
  base: {
    datasets: ['synth-helpful', 'synth-harmless'],
    preset: 'tiny',
    steps: 300,
    batch: 8,
    seq: defaultSeq('tiny'),
    lr: 1e-3,
    assistantOnly: false,
    evalEvery: 10,
    saveEvery: 25,
  },
  pm: {
    datasets: ['synth-helpful', 'synth-harmless'],
    steps: 200,
    pairs: 8,
    seq: 128,
    lr: 1e-3,
    evalEvery: 10,
    init: true,
    saveEvery: 25,
  },
  rlhf: {
    datasets: ['synth-helpful', 'synth-harmless'],
    iterations: 50,
    batch: 8,
    minibatches: 2,
    epochs: 4,
    maxTokens: 32,
    klCoef: 0.001,
    klTarget: 0,
    lr: 1e-4,
    reward: 'pm',
    saveEvery: 5,
  },
};

/** A fresh copy of the defaults. */
export function defaultExperiment(): Experiment {
  return structuredClone(DEFAULT_EXPERIMENT);
}

/** Makes the fields consistent with each other (a sequence no longer than the model's context). */
export function normalize(e: Experiment): { experiment: Experiment; notices: string[] } {
  const notices: string[] = [];
  const max = presetMaxSeq(e.base.preset);
  if (e.base.seq > max) {
    notices.push(`base.seq: ${e.base.seq} is longer than the ${e.base.preset} model's context of ${max} tokens; using ${max}`);
    e = { ...e, base: { ...e.base, seq: max } };
  }
  if (e.rlhf.batch % e.rlhf.minibatches !== 0) {
    const mb = largestDivisorAtMost(e.rlhf.batch, e.rlhf.minibatches);
    notices.push(`rlhf.mb: ${e.rlhf.minibatches} minibatches do not divide ${e.rlhf.batch} rollouts; using ${mb}`);
    e = { ...e, rlhf: { ...e.rlhf, minibatches: mb } };
  }
  return { experiment: e, notices };
}

/** The largest divisor of n that is at most k (k ≥ 1). */
export function largestDivisorAtMost(n: number, k: number): number {
  for (let d = Math.min(n, k); d > 1; d--) if (n % d === 0) return d;
  return 1;
}

/** The experiment as URL search parameters: every field, so a link keeps meaning the same run if defaults change. */
export function experimentToParams(e: Experiment): URLSearchParams {
  const p = new URLSearchParams();
  p.set(SEED_FIELD.param, SEED_FIELD.format(e.seed));
  p.set(DATA_FIELDS.synthPairs.param, DATA_FIELDS.synthPairs.format(e.data.synthPairs));
  for (const key of Object.keys(BASE_FIELDS) as (keyof BaseModelConfig)[]) {
    p.set(BASE_FIELDS[key].param, formatField(BASE_FIELDS[key], e.base[key]));
  }
  for (const key of Object.keys(PM_FIELDS) as (keyof PMConfig)[]) {
    p.set(PM_FIELDS[key].param, (PM_FIELDS[key].format as (v: PMConfig[typeof key]) => string)(e.pm[key]));
  }
  for (const key of Object.keys(RLHF_FIELDS) as (keyof RLHFConfig)[]) {
    p.set(RLHF_FIELDS[key].param, (RLHF_FIELDS[key].format as (v: RLHFConfig[typeof key]) => string)(e.rlhf[key]));
  }
  return p;
}

/**
 * The experiment in `params`. A missing parameter takes its default silently; a bad one takes its default
 * with a notice naming the parameter, the value and what was expected; unknown parameters are reported.
 */
export function experimentFromParams(params: URLSearchParams): { experiment: Experiment; notices: string[] } {
  const notices: string[] = [];
  const d = defaultExperiment();
  const read = <T>(field: FieldBase<T>, fallback: T): T => {
    const raw = params.get(field.param);
    if (raw === null) return fallback;
    const value = field.parse(raw);
    if (value !== undefined) return value;
    notices.push(`${field.param}: "${raw}" is not ${field.expect}; using the default ${field.format(fallback)}`);
    return fallback;
  };
  // read in the order the fields are shown, so notices come in that order
  const seed = read(SEED_FIELD, d.seed);
  const data: DataConfig = { synthPairs: read(DATA_FIELDS.synthPairs, d.data.synthPairs) };
  const datasets = read(BASE_FIELDS.datasets, d.base.datasets);
  const preset = read(BASE_FIELDS.preset, d.base.preset);
  const base: BaseModelConfig = {
    datasets,
    preset,
    steps: read(BASE_FIELDS.steps, d.base.steps),
    batch: read(BASE_FIELDS.batch, d.base.batch),
    // the default sequence length follows the preset
    seq: read(BASE_FIELDS.seq, defaultSeq(preset)),
    lr: read(BASE_FIELDS.lr, d.base.lr),
    assistantOnly: read(BASE_FIELDS.assistantOnly, d.base.assistantOnly),
    evalEvery: read(BASE_FIELDS.evalEvery, d.base.evalEvery),
    saveEvery: read(BASE_FIELDS.saveEvery, d.base.saveEvery),
  };
  const pm: PMConfig = {
    datasets: read(PM_FIELDS.datasets, d.pm.datasets),
    steps: read(PM_FIELDS.steps, d.pm.steps),
    pairs: read(PM_FIELDS.pairs, d.pm.pairs),
    seq: read(PM_FIELDS.seq, d.pm.seq),
    lr: read(PM_FIELDS.lr, d.pm.lr),
    evalEvery: read(PM_FIELDS.evalEvery, d.pm.evalEvery),
    init: read(PM_FIELDS.init, d.pm.init),
    saveEvery: read(PM_FIELDS.saveEvery, d.pm.saveEvery),
  };
  const r = d.rlhf;
  const rlhf: RLHFConfig = {
    datasets: read(RLHF_FIELDS.datasets, r.datasets),
    iterations: read(RLHF_FIELDS.iterations, r.iterations),
    batch: read(RLHF_FIELDS.batch, r.batch),
    minibatches: read(RLHF_FIELDS.minibatches, r.minibatches),
    epochs: read(RLHF_FIELDS.epochs, r.epochs),
    maxTokens: read(RLHF_FIELDS.maxTokens, r.maxTokens),
    klCoef: read(RLHF_FIELDS.klCoef, r.klCoef),
    klTarget: read(RLHF_FIELDS.klTarget, r.klTarget),
    lr: read(RLHF_FIELDS.lr, r.lr),
    reward: read(RLHF_FIELDS.reward, r.reward),
    saveEvery: read(RLHF_FIELDS.saveEvery, r.saveEvery),
  };
  const known = new Set([SEED_FIELD.param, DATA_FIELDS.synthPairs.param, ...Object.values(BASE_FIELDS).map((f) => f.param), ...Object.values(PM_FIELDS).map((f) => f.param), ...Object.values(RLHF_FIELDS).map((f) => f.param)]);
  for (const key of new Set(params.keys())) if (!known.has(key)) notices.push(`${key}: unknown parameter, ignored`);
  const normalized = normalize({ seed, data, base, pm, rlhf });
  return { experiment: normalized.experiment, notices: [...notices, ...normalized.notices] };
}

/** Sets one Data-stage knob. */
export function withData<K extends keyof DataConfig>(e: Experiment, key: K, value: DataConfig[K]): Experiment {
  return { ...e, data: { ...e.data, [key]: value } };
}

/** Sets one Preference-model knob (the sequence length is checked against the model when a run starts). */
export function withPm<K extends keyof PMConfig>(e: Experiment, key: K, value: PMConfig[K]): Experiment {
  return { ...e, pm: { ...e.pm, [key]: value } };
}

/**
 * Sets one Base-model knob, keeping the experiment consistent: a new model keeps the sequence length
 * unless it was the old model's default (then it takes the new default) or is too long for it.
 */
export function withBase<K extends keyof BaseModelConfig>(e: Experiment, key: K, value: BaseModelConfig[K]): Experiment {
  const base = { ...e.base, [key]: value };
  if (key === 'preset') {
    base.seq = e.base.seq === defaultSeq(e.base.preset) ? defaultSeq(base.preset) : Math.min(base.seq, presetMaxSeq(base.preset));
  }
  return { ...e, base };
}

/** Sets one RLHF knob, keeping the minibatches a divisor of the rollouts per iteration. */
export function withRlhf<K extends keyof RLHFConfig>(e: Experiment, key: K, value: RLHFConfig[K]): Experiment {
  const rlhf = { ...e.rlhf, [key]: value };
  if (rlhf.batch % rlhf.minibatches !== 0) rlhf.minibatches = largestDivisorAtMost(rlhf.batch, rlhf.minibatches);
  return { ...e, rlhf };
}

function formatField<K extends keyof BaseModelConfig>(field: (typeof BASE_FIELDS)[K], value: BaseModelConfig[K]): string {
  return (field.format as (v: BaseModelConfig[K]) => string)(value);
}
