// The whole experiment as one typed object, and its URL form, so that a run is a link
// (TensorFlow Playground's lesson). One table of fields drives three things: the URL parameters,
// their validation (a bad value falls back to its default with a notice naming the field), and the
// knobs the stages render (label, range and a one-line explanation in the paper's terms).
//
//   ?seed=1&data.synthPairs=1000&base.datasets=synth-helpful,synth-harmless&base.preset=tiny&base.steps=300
//    &base.batchSize=8&base.seqLen=128&base.lr=0.001&base.assistantOnly=0&base.evalInterval=10&base.saveInterval=25
//
// Later stages add their section (pm.*, rlhf.*) beside `base`. A setting has one name from the URL to the
// trainer: a parameter is `section.key`, and the key is the protocol's (LMRunSettings, PMRunSettings,
// RLHFRunSettings), so a stage's Worker settings are its section without translation. Links made before the
// names were unified (`base.batch`, `rlhf.mb`, …) still read: RENAMED_PARAMS maps them.

import { PRESETS } from '../models/config.ts';

/** The model sizes the notebook offers for the base model (the larger presets need a real GPU and the CLI). */
export const BASE_PRESETS = ['nano', 'tiny'] as const;
export type BasePreset = (typeof BASE_PRESETS)[number];

export interface BaseModelConfig {
  /** Datasets whose transcripts (context + chosen) the language model trains on. */
  datasets: string[];
  preset: BasePreset;
  steps: number;
  batchSize: number;
  seqLen: number;
  lr: number;
  assistantOnly: boolean;
  /** Metrics and held-out loss every this many steps while playing. */
  evalInterval: number;
  /** Store a checkpoint every this many steps while training (0: only on Save and at the end), so a reload can
   * resume. */
  saveInterval: number;
}

export interface PMConfig {
  /** Datasets whose comparisons the preference model trains on (10% of each held out). */
  datasets: string[];
  steps: number;
  /** Comparison pairs per step (P). */
  pairsPerBatch: number;
  seqLen: number;
  lr: number;
  /** Metrics and held-out evaluation every this many steps while playing. */
  evalInterval: number;
  /** Start the trunk from a stored base-model checkpoint (else at random, at the base model's size). */
  init: boolean;
  /** Store a checkpoint every this many steps while training (0: only on Save and at the end), so a reload can
   * resume. */
  saveInterval: number;
}

export const RLHF_REWARDS = ['pm', 'gold'] as const;
export type RLHFRewardSource = (typeof RLHF_REWARDS)[number];

/** The RLHF stage's knobs (PPO against a reward with a KL penalty to the initial policy, Bai et al. 2022 §4). */
export interface RLHFConfig {
  /** Datasets whose conversations (up to the final "Assistant:") are the prompts. */
  datasets: string[];
  iterations: number;
  batchSize: number;
  minibatches: number;
  epochs: number;
  maxTokens: number;
  klCoef: number;
  /** Adaptive-KL target in nats per response; 0: λ_KL fixed. */
  klTarget: number;
  lr: number;
  reward: RLHFRewardSource;
  /** Store a checkpoint every this many iterations while training (0: only on Save and at the end), so a reload
   * can resume. */
  saveInterval: number;
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

type Doc = { label: string; help: string };
/** A field before its table names it (the table gives it the parameter `section.key`). */
type Unnamed<F extends Field> = Omit<F, 'param'>;

function intField(d: Doc, min: number, max: number): Unnamed<IntField> {
  return {
    ...d,
    kind: 'int',
    min,
    max,
    expect: `an integer from ${min} to ${max}`,
    parse: (raw) => (/^-?\d+$/.test(raw.trim()) && Number(raw) >= min && Number(raw) <= max ? Number(raw) : undefined),
    format: String,
  };
}

function numberField(d: Doc, min: number, max: number): Unnamed<NumberField> {
  return {
    ...d,
    kind: 'number',
    min,
    max,
    expect: `a number above ${min}, at most ${max}`,
    parse: (raw) => {
      const v = raw.trim() === '' ? NaN : Number(raw);
      return Number.isFinite(v) && v > min && v <= max ? v : undefined;
    },
    format: String,
  };
}

/** A number from 0 (included: "off") to max. */
function nonNegativeField(d: Doc, max: number): Unnamed<NumberField> {
  return {
    ...d,
    kind: 'number',
    min: 0,
    max,
    expect: `a number from 0 to ${max}`,
    parse: (raw) => {
      const v = raw.trim() === '' ? NaN : Number(raw);
      return Number.isFinite(v) && v >= 0 && v <= max ? v : undefined;
    },
    format: String,
  };
}

function choiceField<T extends string>(d: Doc, options: readonly T[]): Unnamed<ChoiceField<T>> {
  return {
    ...d,
    kind: 'choice',
    options,
    expect: `one of ${options.join(', ')}`,
    parse: (raw) => options.find((o) => o === raw),
    format: (v) => v,
  };
}

function flagField(d: Doc): Unnamed<FlagField> {
  return {
    ...d,
    kind: 'flag',
    expect: '0 or 1',
    parse: (raw) => (raw === '1' || raw === 'true' ? true : raw === '0' || raw === 'false' ? false : undefined),
    format: (v) => (v ? '1' : '0'),
  };
}

/** Dataset ids as the store makes them (src/store/datasets.ts datasetId). */
export const DATASET_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

function idListField(d: Doc): Unnamed<IdListField> {
  return {
    ...d,
    kind: 'ids',
    expect: 'comma-separated dataset ids (lowercase letters, digits, dashes)',
    parse: (raw) => {
      const ids = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      return ids.every((id) => DATASET_ID.test(id)) ? [...new Set(ids)] : undefined;
    },
    format: (v) => v.join(','),
  };
}

/** A section's fields, each named `section.key` in the URL. */
function section<T extends Record<string, Unnamed<Field>>>(
  name: string,
  fields: T,
): { [K in keyof T]: T[K] & { param: string } } {
  const named = Object.entries(fields).map(([key, f]) => [key, { ...f, param: `${name}.${key}` }]);
  return Object.fromEntries(named) as { [K in keyof T]: T[K] & { param: string } };
}

const SAVE_HELP =
  'Store a checkpoint every this many steps while training, so a reload loses at most this many and ' +
  'can resume; 0: only on Save and at the end.';

export const SEED_FIELD: IntField = {
  ...intField(
    {
      label: 'seed',
      help:
        'Seeds everything random: the synthetic world, data shuffling, batches and weight initialisation. ' +
        'Same seed, same run.',
    },
    0,
    2 ** 31 - 1,
  ),
  param: 'seed',
};

/** The Data stage's knobs. */
export const DATA_FIELDS = section('data', {
  synthPairs: intField(
    {
      label: 'pairs per subset',
      help: 'How many helpful and how many harmless comparisons the synthetic world gets (the seed picks them).',
    },
    1,
    20_000,
  ),
}) satisfies { [K in keyof DataConfig]: Field };

/** The Base-model stage's knobs, in the order they are shown. */
export const BASE_FIELDS = section('base', {
  datasets: idListField({
    label: 'datasets',
    help: 'The dialogues the base model reads: the chosen side of each comparison, context included.',
  }),
  preset: choiceField(
    {
      label: 'model',
      help:
        'Model size. nano: 1 layer, 8 channels (a smoke test); tiny: 4 layers, 128 channels, learns the ' +
        'synthetic world in minutes. The paper pretrains 13M–52B.',
    },
    BASE_PRESETS,
  ),
  steps: intField(
    {
      label: 'steps',
      help:
        'Optimizer steps. The learning rate warms up for the first 10% (at most 20) and decays by cosine to a ' +
        'tenth by the last.',
    },
    1,
    100_000,
  ),
  batchSize: intField(
    {
      label: 'batch',
      help: 'Sequences per step (B). Larger batches give smoother loss curves and more tokens per step.',
    },
    1,
    256,
  ),
  seqLen: intField(
    {
      label: 'sequence length',
      help:
        "Tokens (bytes) per sequence (T): how much of a dialogue the model sees at once; at most the model's " +
        'context.',
    },
    2,
    1024,
  ),
  lr: numberField(
    {
      label: 'learning rate',
      help: 'Peak AdamW learning rate (β = 0.9, 0.95; weight decay 0.1; gradient norm clipped to 1).',
    },
    0,
    1,
  ),
  assistantOnly: flagField({
    label: 'assistant turns only',
    help: "Count the loss on the Assistant's words only (supervised fine-tuning), not on the Human's.",
  }),
  evalInterval: intField(
    {
      label: 'metrics every',
      help:
        'While playing, read the training loss and evaluate the held-out 10% every this many steps (reads slow ' +
        'a GPU down).',
    },
    1,
    10_000,
  ),
  saveInterval: intField({ label: 'checkpoint every', help: SAVE_HELP }, 0, 100_000),
}) satisfies { [K in keyof BaseModelConfig]: Field };

/** The Preference-model stage's knobs, in the order they are shown. */
export const PM_FIELDS = section('pm', {
  datasets: idListField({
    label: 'datasets',
    help:
      'The comparisons the preference model learns from; 10% of each dataset is held out (split by the seed) ' +
      'for validation.',
  }),
  steps: intField(
    {
      label: 'steps',
      help:
        'Optimizer steps on the loss −log σ(r_chosen − r_rejected); warm-up for the first 10% (at most 10), ' +
        'cosine decay after.',
    },
    1,
    100_000,
  ),
  pairsPerBatch: intField(
    {
      label: 'pairs per step',
      help: 'Comparisons per step (P): both sides of each go through the model, 2P sequences.',
    },
    1,
    128,
  ),
  seqLen: intField(
    {
      label: 'sequence length',
      help:
        'Tokens (bytes) per side, the last being the end-of-context token the score is read at; longer ' +
        'dialogues are cut from the left.',
    },
    2,
    1024,
  ),
  lr: numberField(
    {
      label: 'learning rate',
      help: 'Peak AdamW learning rate for the trunk and the reward head (gradient norm clipped to 1).',
    },
    0,
    1,
  ),
  evalInterval: intField(
    {
      label: 'metrics every',
      help:
        "While playing, read the batch's loss and accuracy and score the held-out pairs (accuracy, " +
        'calibration) every this many steps.',
    },
    1,
    10_000,
  ),
  init: flagField({
    label: 'start from base model',
    help:
      'Initialise the trunk from a stored base-model checkpoint, as the paper starts its PMs from pretrained ' +
      'LMs; off: random weights.',
  }),
  saveInterval: intField({ label: 'checkpoint every', help: SAVE_HELP }, 0, 100_000),
}) satisfies { [K in keyof PMConfig]: Field };

/** The RLHF stage's knobs, in the order they are shown. */
export const RLHF_FIELDS = section('rlhf', {
  datasets: idListField({
    label: 'prompts from',
    help:
      'The datasets whose conversations, up to their final "Assistant:", are the prompts the policy answers ' +
      '(the paper uses its HH dialogues).',
  }),
  iterations: intField(
    {
      label: 'iterations',
      help:
        'PPO iterations: each samples a response to B prompts, scores them, then updates the policy (K epochs ' +
        '× M minibatches).',
    },
    1,
    100_000,
  ),
  batchSize: intField(
    {
      label: 'rollouts per iteration',
      help:
        'B: prompts per iteration, one sampled response each; the KL and score points of the chart average ' +
        'over them.',
    },
    1,
    256,
  ),
  minibatches: intField(
    {
      label: 'minibatches',
      help: 'M (divides B): the rollouts are split into M minibatches, one AdamW step each, per epoch.',
    },
    1,
    256,
  ),
  epochs: intField(
    {
      label: 'PPO epochs',
      help:
        'K passes over each batch of rollouts: more reuse of the samples, and more of the ratio clipping that ' +
        'keeps each update small.',
    },
    1,
    64,
  ),
  maxTokens: intField(
    {
      label: 'max new tokens',
      help:
        'Most tokens per response (it also ends at end-of-text or at a new "Human:" turn); the prompt gets the ' +
        'rest of the context.',
    },
    1,
    1024,
  ),
  klCoef: nonNegativeField(
    {
      label: 'KL coefficient λ',
      help:
        "Each token's reward is −λ·KL(π ‖ π0): the penalty that keeps the policy near the base model. 0.001 " +
        'as in the paper; small models may need 0.01–0.1 to feel it.',
    },
    10,
  ),
  klTarget: nonNegativeField(
    {
      label: 'adaptive KL target',
      help:
        'Steer λ so the KL per response moves towards this many nats (Ziegler et al.; ±2% per iteration); 0 ' +
        'keeps λ fixed, as the paper does.',
    },
    1000,
  ),
  lr: numberField(
    {
      label: 'learning rate',
      help:
        'AdamW learning rate (constant) of the policy and its value head; TRL uses about 1e-5 for large ' +
        'models, these small ones need more.',
    },
    0,
    1,
  ),
  reward: choiceField(
    {
      label: 'reward',
      help:
        "What scores a response: pm, your preference model (the paper); gold, the synthetic world's exact " +
        'scorer (helpfulness − harmfulness), a perfect PM.',
    },
    RLHF_REWARDS,
  ),
  saveInterval: intField(
    {
      label: 'checkpoint every',
      help:
        'Store the policy every this many iterations while training, so a reload loses at most this many and ' +
        'can resume; 0: only on Save and at the end.',
    },
    0,
    100_000,
  ),
}) satisfies { [K in keyof RLHFConfig]: Field };

/** The experiment's sections of knobs and their field tables, in the order the page shows them. */
export const SECTIONS = { data: DATA_FIELDS, base: BASE_FIELDS, pm: PM_FIELDS, rlhf: RLHF_FIELDS } as const;
export type Section = keyof typeof SECTIONS;

/**
 * The parameters links used before each setting got one name (2026-12), and their names now: an old link still
 * opens the same experiment.
 */
export const RENAMED_PARAMS: Readonly<Record<string, string>> = {
  'data.synth': 'data.synthPairs',
  'base.data': 'base.datasets',
  'base.batch': 'base.batchSize',
  'base.seq': 'base.seqLen',
  'base.assistant': 'base.assistantOnly',
  'base.every': 'base.evalInterval',
  'base.save': 'base.saveInterval',
  'pm.data': 'pm.datasets',
  'pm.pairs': 'pm.pairsPerBatch',
  'pm.seq': 'pm.seqLen',
  'pm.every': 'pm.evalInterval',
  'pm.save': 'pm.saveInterval',
  'rlhf.data': 'rlhf.datasets',
  'rlhf.iters': 'rlhf.iterations',
  'rlhf.batch': 'rlhf.batchSize',
  'rlhf.mb': 'rlhf.minibatches',
  'rlhf.tokens': 'rlhf.maxTokens',
  'rlhf.kl': 'rlhf.klCoef',
  'rlhf.kltarget': 'rlhf.klTarget',
  'rlhf.save': 'rlhf.saveInterval',
};

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
    batchSize: 8,
    seqLen: defaultSeq('tiny'),
    lr: 1e-3,
    assistantOnly: false,
    evalInterval: 10,
    saveInterval: 25,
  },
  pm: {
    datasets: ['synth-helpful', 'synth-harmless'],
    steps: 200,
    pairsPerBatch: 8,
    seqLen: 128,
    lr: 1e-3,
    evalInterval: 10,
    init: true,
    saveInterval: 25,
  },
  rlhf: {
    datasets: ['synth-helpful', 'synth-harmless'],
    iterations: 50,
    batchSize: 8,
    minibatches: 2,
    epochs: 4,
    maxTokens: 32,
    klCoef: 0.001,
    klTarget: 0,
    lr: 1e-4,
    reward: 'pm',
    saveInterval: 5,
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
  if (e.base.seqLen > max) {
    notices.push(
      `base.seqLen: ${e.base.seqLen} is longer than the ${e.base.preset} model's context of ${max} tokens; ` +
        `using ${max}`,
    );
    e = { ...e, base: { ...e.base, seqLen: max } };
  }
  if (e.rlhf.batchSize % e.rlhf.minibatches !== 0) {
    const mb = largestDivisorAtMost(e.rlhf.batchSize, e.rlhf.minibatches);
    notices.push(
      `rlhf.minibatches: ${e.rlhf.minibatches} minibatches do not divide ${e.rlhf.batchSize} rollouts; ` +
        `using ${mb}`,
    );
    e = { ...e, rlhf: { ...e.rlhf, minibatches: mb } };
  }
  return { experiment: e, notices };
}

/** The largest divisor of n that is at most k (k ≥ 1). */
export function largestDivisorAtMost(n: number, k: number): number {
  for (let d = Math.min(n, k); d > 1; d--) if (n % d === 0) return d;
  return 1;
}

/** Every field of the experiment with its value, in the order the page shows them. */
function* fieldsOf(e: Experiment): Generator<[Field, unknown]> {
  yield [SEED_FIELD, e.seed];
  for (const [name, fields] of Object.entries(SECTIONS) as [Section, Record<string, Field>][]) {
    const values = e[name] as unknown as Record<string, unknown>;
    for (const [key, field] of Object.entries(fields)) yield [field, values[key]];
  }
}

/** The experiment as URL search parameters: every field, so a link keeps meaning the same run if defaults change. */
export function experimentToParams(e: Experiment): URLSearchParams {
  const p = new URLSearchParams();
  for (const [field, value] of fieldsOf(e)) p.set(field.param, (field.format as (v: unknown) => string)(value));
  return p;
}

/**
 * The experiment in `params`, field by field from the tables. A missing parameter takes its default silently; a
 * bad one takes its default with a notice naming the parameter, the value and what was expected; unknown
 * parameters are reported; renamed ones (RENAMED_PARAMS) are read under their new name.
 */
export function experimentFromParams(params: URLSearchParams): { experiment: Experiment; notices: string[] } {
  const notices: string[] = [];
  const raw = new Map<string, string>();
  for (const [key, value] of params) {
    const name = RENAMED_PARAMS[key] ?? key;
    if (!raw.has(name)) raw.set(name, value);
  }
  const read = <T>(field: FieldBase<T>, fallback: T): T => {
    const given = raw.get(field.param);
    if (given === undefined) return fallback;
    const value = field.parse(given);
    if (value !== undefined) return value;
    notices.push(`${field.param}: "${given}" is not ${field.expect}; using the default ${field.format(fallback)}`);
    return fallback;
  };
  const d = defaultExperiment();
  const e = { seed: read(SEED_FIELD, d.seed) } as Experiment;
  // read in the order the fields are shown, so notices come in that order
  for (const [name, fields] of Object.entries(SECTIONS) as [Section, Record<string, Field>][]) {
    const defaults = d[name] as unknown as Record<string, unknown>;
    const values: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(fields)) {
      // the default sequence length follows the model
      const fallback = name === 'base' && key === 'seqLen' ? defaultSeq(values.preset as BasePreset) : defaults[key];
      values[key] = read(field as FieldBase<unknown>, fallback);
    }
    (e as unknown as Record<Section, unknown>)[name] = values;
  }
  const known = new Set([...fieldsOf(d)].map(([f]) => f.param));
  for (const key of new Set(params.keys())) {
    if (!known.has(RENAMED_PARAMS[key] ?? key)) notices.push(`${key}: unknown parameter, ignored`);
  }
  const normalized = normalize(e);
  return { experiment: normalized.experiment, notices: [...notices, ...normalized.notices] };
}

/**
 * Sets one knob of a section, keeping the experiment consistent: a new base model keeps the sequence length
 * unless it was the old model's default (then it takes the new default) or is too long for it; the RLHF
 * minibatches stay a divisor of the rollouts per iteration. (The PM's sequence length is checked against its
 * model when a run starts.)
 */
export function withSetting<S extends Section, K extends keyof Experiment[S]>(
  e: Experiment,
  name: S,
  key: K,
  value: Experiment[S][K],
): Experiment {
  const next: Experiment = { ...e, [name]: { ...e[name], [key]: value } };
  if (name === 'base' && key === 'preset') {
    const seq = e.base.seqLen === defaultSeq(e.base.preset) ? defaultSeq(next.base.preset) : next.base.seqLen;
    next.base.seqLen = Math.min(seq, presetMaxSeq(next.base.preset));
  }
  if (name === 'rlhf' && next.rlhf.batchSize % next.rlhf.minibatches !== 0) {
    next.rlhf.minibatches = largestDivisorAtMost(next.rlhf.batchSize, next.rlhf.minibatches);
  }
  return next;
}

/** The key of a section's field whose URL parameter is `param`, if any. */
export function fieldKey<S extends Section>(name: S, param: string): keyof (typeof SECTIONS)[S] | undefined {
  return Object.keys(SECTIONS[name]).find((k) => (SECTIONS[name] as Record<string, Field>)[k].param === param) as
    | keyof (typeof SECTIONS)[S]
    | undefined;
}
