// The helpful-vs-harmless tension explorer (Bai et al. 2022, §4.4 and Figure 1) as one job: from a base model
// and a helpful and a harmless dataset it trains three preference models — helpful-only, harmless-only and
// mixed —, cross-evaluates each on both datasets' held-out pairs, runs PPO of the base model against each, and
// has the base model and the three policies answer the same benign and harmful prompts, each answer judged by
// the synthetic world's gold scorer (helpfulness on benign requests, harmfulness on harmful ones).
//
// It drives the notebook's own trainers exactly as the stages do (createPMLoop, evaluatePM, createPPOLoop, each
// run played to its end), so every number here is what the PM and RLHF stages would give with these settings:
//   split    each dataset by the seed (src/data/pm-split.ts): PMs train on the training pairs, cells score
//            the held-out ones, PPO's prompts come from the training pairs of both datasets (every policy
//            meets benign and harmful requests), the answers table uses held-out prompts
//   PMs      trunk from the base checkpoint, fresh reward head; the same seed for all three
//   policies PPO from the base model (also π0) against each PM with the same settings and seed
//   answers  temperature 1 samples as a rollout draws them (src/eval/policy-responses.ts), the same seed for
//            every model, so differences come from the weights
// Nothing here imports the DOM: the Worker runs it for the notebook and `rlhf tension` runs it in Node.

import { pmSplit } from '../data/pm-split.ts';
import { goldScore } from '../data/synth.ts';
import { policyResponses } from '../eval/policy-responses.ts';
import type { Gpu } from '../kernels/gpu.ts';
import { loadCheckpoint } from '../models/checkpoint.ts';
import type { PMCellResult, PMDataset, RLHFRunSettings, WorkerEvent } from '../protocol.ts';
import { ppoPrompts } from '../data/prompts.ts';
import { createPMLoop, evaluatePM } from './pm-session.ts';
import { createPPOLoop } from './ppo-session.ts';

export const TENSION_PMS = ['helpful-only', 'harmless-only', 'mixed'] as const;
export type TensionPM = (typeof TENSION_PMS)[number];

export interface TensionSettings {
  /** Preference-model steps, pairs per step, tokens per side and learning rate (each of the three PMs). */
  pmSteps: number;
  pairsPerBatch: number;
  seqLen: number;
  pmLr: number;
  /** PPO iterations, rollouts per iteration, new tokens, λ_KL and learning rate (each of the three policies). */
  iterations: number;
  batchSize: number;
  maxTokens: number;
  klCoef: number;
  ppoLr: number;
  /** Held-out prompts per dataset in the answers table. */
  prompts: number;
  seed: number;
}

export interface TensionModel {
  kind: TensionPM;
  /** The PM's safetensors (reward head included) and metadata. */
  pm: { bytes: Uint8Array; metadata: Record<string, string> };
  /** Held-out accuracy of the PM on each dataset (helpful, harmless). */
  cells: PMCellResult[];
  /** The policy PPO made against this PM (value head included). */
  policy: { bytes: Uint8Array; metadata: Record<string, string>; last: Record<string, number> };
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
export const tensionUnits = (s: Pick<TensionSettings, 'pmSteps' | 'iterations'>): number => 3 * (s.pmSteps + s.iterations) + 1;

/** Which datasets each PM trains on. */
export function tensionDatasets(kind: TensionPM, helpful: PMDataset, harmless: PMDataset): PMDataset[] {
  return kind === 'helpful-only' ? [helpful] : kind === 'harmless-only' ? [harmless] : [helpful, harmless];
}

/** A dataset's training and held-out comparisons under the seed (as the PM stage splits it). */
function split(d: PMDataset, seed: number): { train: PMDataset['comparisons']; heldOut: PMDataset['comparisons'] } {
  const s = pmSplit(d.comparisons.length, seed);
  return { train: s.train.map((i) => d.comparisons[i]), heldOut: s.heldOut.map((i) => d.comparisons[i]) };
}

export async function runTension(
  gpu: Gpu, base: { name: string; bytes: Uint8Array }, helpful: PMDataset, harmless: PMDataset, s: TensionSettings, progress: TensionProgress,
): Promise<TensionResult> {
  if (s.prompts < 1) throw new Error(`the answers table needs at least 1 prompt per dataset, not ${s.prompts}`);
  const total = tensionUnits(s);
  let done = 0;
  /** Follows a run's status events as progress; keeps its last checkpoint and metrics. */
  const follower = (phase: string) => {
    let start = -1;
    const last: { bytes?: Uint8Array; metadata?: Record<string, string>; point: Record<string, number> } = { point: {} };
    const post = (e: WorkerEvent) => {
      if (e.type === 'trainer-status') {
        if (start < 0) start = done;
        progress(phase, start + e.step, total);
      } else if (e.type === 'trainer-checkpoint') {
        last.bytes = e.bytes;
        last.metadata = e.metadata;
      } else if (e.type === 'trainer-metrics') {
        last.point = e.point;
      }
    };
    return { post, last };
  };

  const [h, x] = [split(helpful, s.seed), split(harmless, s.seed)];
  const models: TensionModel[] = [];
  for (const kind of TENSION_PMS) {
    // 1. the preference model, and its cells on both held-out sets
    const pm = follower(`training the ${kind} preference model`);
    const pmLoop = await createPMLoop(gpu, {
      type: 'pm-create', run: `tension-pm-${kind}`, datasets: tensionDatasets(kind, helpful, harmless), init: { checkpoint: base.name, bytes: base.bytes },
      settings: { preset: 'nano', steps: s.pmSteps, pairsPerBatch: s.pairsPerBatch, seqLen: s.seqLen, lr: s.pmLr, evalInterval: s.pmSteps, seed: s.seed },
    }, pm.post);
    await pmLoop.playToEnd();
    done += s.pmSteps;
    const pmFile = { bytes: pm.last.bytes!, metadata: { ...pm.last.metadata!, tension: kind } };
    const cells = await evaluatePM(gpu, pmFile.bytes, [{ id: helpful.id, comparisons: h.heldOut }, { id: harmless.id, comparisons: x.heldOut }], `${kind} PM`);

    // 2. PPO of the base model against it
    const policy = follower(`PPO against the ${kind} preference model`);
    const settings: RLHFRunSettings = {
      iterations: s.iterations, batchSize: s.batchSize, minibatches: 1, epochs: 2, maxTokens: s.maxTokens, klCoef: s.klCoef, klTarget: 0, lr: s.ppoLr, reward: 'pm', seed: s.seed,
    };
    const ppoLoop = await createPPOLoop(gpu, {
      type: 'rlhf-create', run: `tension-rlhf-${kind}`, settings, policy: base, reward: { kind: 'pm', name: `${kind} PM`, bytes: pmFile.bytes },
      prompts: ppoPrompts([...h.train, ...x.train]),
    }, policy.post);
    await ppoLoop.playToEnd();
    done += s.iterations;
    models.push({ kind, pm: pmFile, cells, policy: { bytes: policy.last.bytes!, metadata: { ...policy.last.metadata!, tension: kind }, last: policy.last.point } });
  }

  // 3. the same held-out prompts answered by every model
  progress('answering the same prompts with every model', done, total);
  const prompts = [...ppoPrompts(h.heldOut).slice(0, s.prompts).map((p) => ({ prompt: p, dataset: helpful.id })), ...ppoPrompts(x.heldOut).slice(0, s.prompts).map((p) => ({ prompt: p, dataset: harmless.id }))];
  if (!prompts.length) throw new Error(`no held-out prompts in ${helpful.id} or ${harmless.id}: they need more comparisons`);
  const answerers = [{ model: 'base', bytes: base.bytes, file: base.name }, ...models.map((m) => ({ model: `${m.kind} policy`, bytes: m.policy.bytes, file: `${m.kind} policy` }))];
  const texts: string[][] = [];
  for (const a of answerers) {
    const opts = { maxTokens: s.maxTokens, temperature: 1, topK: 0, seed: s.seed + 7, batch: Math.min(8, prompts.length) };
    texts.push(await policyResponses(gpu, loadCheckpoint(a.bytes, a.file), a.file, prompts.map((p) => p.prompt), opts));
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
