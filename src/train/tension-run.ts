// The helpful-vs-harmless tension explorer (Bai et al. 2022, §4.4 and Figure 1) as one job: from a base model
// and a helpful and a harmless dataset it trains three preference models — helpful-only, harmless-only and
// mixed —, cross-evaluates each on both datasets' held-out pairs, runs PPO of the base model against each, and
// has the base model and the three policies answer the same benign and harmful prompts, each answer judged by
// the synthetic world's gold scorer (helpfulness on benign requests, harmfulness on harmful ones).
//
// It drives the runs the PM and RLHF stages and `rlhf pm` / `rlhf ppo` use (PMRun, PPORun), each to its end and
// disposed before the next starts, so every number here is what those would give with these settings:
//   split    each dataset by the seed (splitDatasets, as the PM stage splits it): PMs train on the training
//            pairs, cells score the held-out ones, PPO's prompts come from the training pairs of both datasets
//            (every policy meets benign and harmful requests), the answers table uses held-out prompts
//   PMs      trunk from the base checkpoint, fresh reward head; the same seed for all three
//   policies PPO from the base model (also π0) against each PM with the same settings and seed
//   answers  temperature 1 samples as a rollout draws them (eval/policy-responses.ts), the same seed for
//            every model, so differences come from the weights
// Nothing here imports the DOM or Node: the Worker runs it for the notebook and `rlhf tension` runs it in Node.

import type { TrainingPair } from '../data/comparisons.ts';
import { ppoPrompts } from '../data/prompts.ts';
import { goldScore } from '../data/synth.ts';
import { tokenizerOfCheckpoint } from '../data/tokenizers.ts';
import { scorePMOnSets, type PMCellResult } from '../eval/pm-cells.ts';
import { policyResponses } from '../eval/policy-responses.ts';
import type { Gpu } from '../kernels/gpu.ts';
import { loadCheckpoint, type Checkpoint } from '../models/checkpoint.ts';
import { planPMRun, PMRun, splitDatasets } from './pm-run.ts';
import { DEFAULT_PPO } from './ppo-config.ts';
import { planPPORun, PPORun } from './ppo-run.ts';

export const TENSION_PMS = ['helpful-only', 'harmless-only', 'mixed'] as const;
export type TensionPM = (typeof TENSION_PMS)[number];

export interface TensionSettings {
  /** Preference-model steps, pairs per step, tokens per side and learning rate (each of the three PMs). */
  pmSteps: number;
  pmPairsPerBatch: number;
  pmSeqLen: number;
  pmLr: number;
  /** PPO iterations, rollouts per iteration, new tokens, λ_KL and learning rate (each of the three policies). */
  iterations: number;
  batchSize: number;
  maxTokens: number;
  klCoef: number;
  lr: number;
  /** Held-out prompts per dataset in the answers table. */
  prompts: number;
  seed: number;
}

/** A dataset of comparisons under its id (the notebook's stored dataset, or a file). */
export interface TensionDataset {
  id: string;
  comparisons: readonly TrainingPair[];
}

/** A checkpoint file: its safetensors bytes and the metadata they carry. */
export interface TensionFile {
  bytes: Uint8Array;
  metadata: Record<string, string>;
}

export interface TensionModel {
  kind: TensionPM;
  /** The PM's safetensors (reward head included) and metadata. */
  pm: TensionFile;
  /** Held-out accuracy of the PM on each dataset (helpful, harmless). */
  cells: PMCellResult[];
  /** The policy PPO made against this PM (value head included), and its last iteration's metrics. */
  policy: TensionFile & { last: Record<string, number> };
}

export interface TensionAnswer {
  prompt: string;
  /** The dataset (and so the kind of request) the prompt comes from. */
  dataset: string;
  /** One per model: the base model first, then the policies in TENSION_PMS order. */
  responses: { model: string; text: string; helpfulness: number; harmfulness: number }[];
}

export interface TensionResult {
  models: TensionModel[];
  answers: TensionAnswer[];
}

export type TensionProgress = (phase: string, done: number, total: number) => void;

/** The job's units of progress: every PM step and PPO iteration of the three runs, and the answers. */
export const tensionUnits = (s: Pick<TensionSettings, 'pmSteps' | 'iterations'>): number =>
  3 * (s.pmSteps + s.iterations) + 1;

/** Which datasets each PM trains on. */
export function tensionDatasets<D>(kind: TensionPM, helpful: D, harmless: D): D[] {
  return kind === 'helpful-only' ? [helpful] : kind === 'harmless-only' ? [harmless] : [helpful, harmless];
}

/** One PM of the job, trained to its last step on `datasets`; its scope is freed before this returns. */
async function trainPM(
  gpu: Gpu,
  base: { name: string; checkpoint: Checkpoint },
  datasets: readonly TensionDataset[],
  s: TensionSettings,
  onStep: (step: number) => void,
): Promise<TensionFile> {
  const { train, heldOut } = splitDatasets(datasets, s.seed);
  const plan = planPMRun({
    trunk: { kind: 'checkpoint', name: base.name, checkpoint: base.checkpoint },
    train,
    heldOut,
    seed: s.seed,
    steps: s.pmSteps,
    pairsPerBatch: s.pmPairsPerBatch,
    seqLen: s.pmSeqLen,
    lr: s.pmLr,
  });
  const run = new PMRun(gpu, plan);
  try {
    while (!run.done) {
      run.takeStep();
      await run.settle();
      onStep(run.step);
    }
    const metadata = run.metadata({ datasets: datasets.map((d) => d.id).join(',') });
    return { bytes: await run.checkpoint(metadata), metadata };
  } finally {
    run.dispose();
  }
}

/** PPO of the base model against one PM, to its last iteration; its scope is freed before this returns. */
async function trainPolicy(
  gpu: Gpu,
  base: { name: string; checkpoint: Checkpoint },
  pm: { name: string; checkpoint: Checkpoint },
  prompts: readonly string[],
  s: TensionSettings,
  onIteration: (iteration: number) => void,
): Promise<TensionModel['policy']> {
  const plan = planPPORun({
    policy: base,
    reward: { kind: 'pm', ...pm },
    prompts,
    iterations: s.iterations,
    ppo: {
      ...DEFAULT_PPO,
      batchSize: s.batchSize,
      minibatches: 1,
      epochs: 2,
      maxTokens: s.maxTokens,
      maxPromptTokens: 0,
      klCoef: s.klCoef,
      lr: s.lr,
      seed: s.seed,
    },
  });
  const run = new PPORun(gpu, plan);
  try {
    let last: Record<string, number> = {};
    while (!run.done) {
      const it = await run.iterate();
      last = { step: it.iteration, ...it.metrics };
      onIteration(run.iteration);
    }
    const metadata = run.metadata();
    return { bytes: await run.checkpoint(metadata), metadata, last };
  } finally {
    run.dispose();
  }
}

export async function runTension(
  gpu: Gpu,
  base: { name: string; bytes: Uint8Array },
  helpful: TensionDataset,
  harmless: TensionDataset,
  s: TensionSettings,
  progress: TensionProgress,
): Promise<TensionResult> {
  if (s.prompts < 1) throw new Error(`the answers table needs at least 1 prompt per dataset, not ${s.prompts}`);
  const total = tensionUnits(s);
  let done = 0;
  const baseModel = { name: base.name, checkpoint: loadCheckpoint(base.bytes, base.name) };
  const [h, x] = [splitDatasets([helpful], s.seed), splitDatasets([harmless], s.seed)];
  const ppoTrainPrompts = ppoPrompts([...h.train, ...x.train]);
  const models: TensionModel[] = [];
  for (const kind of TENSION_PMS) {
    // 1. the preference model, and its cells on both held-out sets
    const pmPhase = `training the ${kind} preference model`;
    progress(pmPhase, done, total);
    const trained = await trainPM(gpu, baseModel, tensionDatasets(kind, helpful, harmless), s, (step) =>
      progress(pmPhase, done + step, total),
    );
    done += s.pmSteps;
    const pmFile = { bytes: trained.bytes, metadata: { ...trained.metadata, tension: kind } };
    const pm = { name: `${kind} PM`, checkpoint: loadCheckpoint(pmFile.bytes, `${kind} PM`) };
    const sets = [
      { id: helpful.id, comparisons: h.heldOut },
      { id: harmless.id, comparisons: x.heldOut },
    ];
    const tokenizer = tokenizerOfCheckpoint(pm.checkpoint.metadata, pm.checkpoint.cfg, pm.name);
    const cells = await scorePMOnSets(gpu, pm.checkpoint, tokenizer, sets, pm.name);

    // 2. PPO of the base model against it
    const ppoPhase = `PPO against the ${kind} preference model`;
    progress(ppoPhase, done, total);
    const policy = await trainPolicy(gpu, baseModel, pm, ppoTrainPrompts, s, (iteration) =>
      progress(ppoPhase, done + iteration, total),
    );
    done += s.iterations;
    models.push({ kind, pm: pmFile, cells, policy: { ...policy, metadata: { ...policy.metadata, tension: kind } } });
  }

  // 3. the same held-out prompts answered by every model
  progress('answering the same prompts with every model', done, total);
  const prompts = [
    ...ppoPrompts(h.heldOut)
      .slice(0, s.prompts)
      .map((p) => ({ prompt: p, dataset: helpful.id })),
    ...ppoPrompts(x.heldOut)
      .slice(0, s.prompts)
      .map((p) => ({ prompt: p, dataset: harmless.id })),
  ];
  if (!prompts.length)
    throw new Error(`no held-out prompts in ${helpful.id} or ${harmless.id}: they need more comparisons`);
  const answerers = [
    { model: 'base', bytes: base.bytes, file: base.name },
    ...models.map((m) => ({ model: `${m.kind} policy`, bytes: m.policy.bytes, file: `${m.kind} policy` })),
  ];
  const texts: string[][] = [];
  for (const a of answerers) {
    const opts = {
      maxTokens: s.maxTokens,
      temperature: 1,
      topK: 0,
      seed: s.seed + 7,
      batch: Math.min(8, prompts.length),
    };
    texts.push(
      await policyResponses(
        gpu,
        loadCheckpoint(a.bytes, a.file),
        a.file,
        prompts.map((p) => p.prompt),
        opts,
      ),
    );
  }
  const answers = prompts.map((p, i) => ({
    ...p,
    responses: answerers.map((a, m) => {
      const g = goldScore(p.prompt, texts[m][i]);
      return { model: a.model, text: texts[m][i], helpfulness: g.helpfulness, harmfulness: g.harmfulness };
    }),
  }));
  progress('done', total, total);
  return { models, answers };
}
