// The Preference-model stage in the Worker (Bai et al. 2022, §3): builds a PMTrainer (src/train/pm.ts,
// the same setup as `rlhf pm`) from the comparisons the UI sends and hands it to a RunLoop; and scores a
// stored preference model on sets of comparisons for the Evaluate stage.
//   data   each dataset split by the seed into training and held-out pairs (src/data/pm-split.ts, the
//          split the Evaluate stage finds again); batches of P pairs shuffled with seed + 1; at every
//          metrics read the held-out pairs (at most MONITOR_PAIRS of them, shuffled with seed + 4) are
//          scored: accuracy, loss, calibration and ECE, and the best length-only rule on the same pairs
//   model  the byte tokenizer (as the notebook's base model); the trunk from a base checkpoint when the
//          UI sends one (vocabulary grown for <|endofcontext|> if needed, as `rlhf pm --init`), else the
//          preset at random (initParams from randn(seed + 2)); the reward head always fresh (seed + 3)
//   reads  at every metrics read, before the evaluation reuses the reward buffer: the step's batch as
//          the loss saw it (pm-inspect), the step-through table of the notebook
//   resume `pm-create` with `resume`: the run is rebuilt from the same settings, data and starting trunk,
//          then the stored checkpoint's trunk and reward head replace the initial ones, the step counter
//          (schedule, AdamW bias correction) is set to the stored step and the batch stream skips the batches
//          already trained on. Deviation: AdamW's moments restart from zero (not stored in a checkpoint).
// Nothing here imports the DOM: it runs in the Worker and, in the tests, in Node.

import { encodeComparisons, PMBatcher, pmEvalBatches } from '../data/pm-batches.ts';
import { pmSplit } from '../data/pm-split.ts';
import { byteTokenizer, type Tokenizer } from '../data/tokenizer.ts';
import { calibration } from '../eval/calibration.ts';
import { pmEvalReport, type PMEvalReport } from '../eval/pm-report.ts';
import { accuracyFromMargins } from '../eval/stats.ts';
import type { Gpu } from '../kernels/gpu.ts';
import { randn, rng, shuffleInPlace } from '../util/random.ts';
import { checkpointBytes, loadCheckpoint } from '../models/checkpoint.ts';
import { BYTE_VOCAB, PRESETS, type GPTConfig } from '../models/config.ts';
import { headTable, initHeadParams } from '../models/head-table.ts';
import { initParams, paramTable } from '../models/params.ts';
import { PMScorer } from '../models/preference-model.ts';
import { growVocab } from '../models/vocab.ts';
import { Weights } from '../models/weights.ts';
import type { Command, MetricPoint, PMCellResult, PMComparison, PMDataset, PMInspectPair } from '../protocol.ts';
import { DEFAULT_PM_TRAIN, PMTrainer, type PMStepInspection, type PMTrainConfig } from '../train/pm.ts';
import { checkResumeStep, RunLoop, type Post, type SteppableRun } from './run-loop.ts';

type PMCreate = Extract<Command, { type: 'pm-create' }>;

/** Held-out pairs scored at every metrics read (all of them when there are fewer). */
export const MONITOR_PAIRS = 256;
/** Characters of the shared context shown per pair in the step-through table. */
export const CONTEXT_SNIPPET = 160;
/** Pairs per batch when scoring for the Evaluate stage. */
const EVAL_PAIRS_PER_BATCH = 8;

/** Every dataset split by `seed` (pmSplit), training pairs and held-out pairs concatenated in dataset order. */
export function splitDatasets(datasets: readonly PMDataset[], seed: number): { train: PMComparison[]; heldOut: PMComparison[] } {
  const train: PMComparison[] = [];
  const heldOut: PMComparison[] = [];
  for (const d of datasets) {
    const split = pmSplit(d.comparisons.length, seed);
    for (const i of split.train) train.push(d.comparisons[i]);
    for (const i of split.heldOut) heldOut.push(d.comparisons[i]);
  }
  return { train, heldOut };
}

/** The highest accuracy any length-only rule gets on the pairs (longer wins, shorter wins, subset-aware). */
export function bestLengthRule(report: PMEvalReport): number {
  const l = report.length_baseline_accuracy;
  return Math.max(l.longer, l.shorter, l.subset_aware);
}

/** The context's last `n` characters, '…' first when it was longer. */
export function contextSnippet(context: string, n = CONTEXT_SNIPPET): string {
  return context.length <= n ? context : `…${context.slice(context.length - (n - 1))}`;
}

/** Whether either side of the comparison is longer than a sequence of T tokens holds, so the model reads only its end. */
export function isCut(c: PMComparison, tokenizer: Tokenizer, T: number): boolean {
  return [c.chosen, c.rejected].some((r) => tokenizer.encode(c.context + r).length > T - 1);
}

/** The pairs of a step's batch with their rewards and losses, for the step-through table. */
export function inspectPairs(pairs: readonly PMComparison[], step: PMStepInspection, tokenizer: Tokenizer, T: number): PMInspectPair[] {
  return pairs.map((c, p) => ({
    context: contextSnippet(c.context),
    chosen: c.chosen,
    rejected: c.rejected,
    subset: c.subset,
    cut: isCut(c, tokenizer, T),
    rChosen: step.chosen[p],
    rRejected: step.rejected[p],
    loss: step.losses[p],
  }));
}

/**
 * Checks that a checkpoint reads bytes, as every model of the notebook does: its `tokenizer` metadata, or
 * for a file without it a byte-sized vocabulary. (Not via data/tokenizers.ts: that would pull GPT-2's BPE
 * tables into the Worker.)
 */
function requireByteTokenizer(metadata: Record<string, string>, cfg: GPTConfig, file: string): Tokenizer {
  const name = metadata.tokenizer ?? (cfg.vocabSize === BYTE_VOCAB ? 'byte' : `unknown (a vocabulary of ${cfg.vocabSize})`);
  if (name !== byteTokenizer.name) throw new Error(`${file} was trained with the ${name} tokenizer; the notebook's models read bytes`);
  return byteTokenizer;
}

/** The trunk a run starts from: a base checkpoint (grown to embed end-of-context), or the preset at random. */
function startingTrunk(command: PMCreate, tokenizer: Tokenizer): { cfg: GPTConfig; trunk: Float32Array; preset: string; start: string } {
  const { settings: s, init } = command;
  // the vocabulary must also embed <|endofcontext|>, where the score is read
  const V = tokenizer.endOfContext + 1;
  if (!init) {
    const preset = PRESETS[s.preset];
    if (!preset) throw new Error(`unknown preset ${s.preset}`);
    const cfg = { ...preset, vocabSize: Math.max(preset.vocabSize, V) };
    return { cfg, trunk: initParams(paramTable(cfg), cfg, (n) => randn(n, s.seed + 2)), preset: s.preset, start: `random (seed ${s.seed})` };
  }
  const ckpt = loadCheckpoint(init.bytes, init.checkpoint);
  requireByteTokenizer(ckpt.metadata, ckpt.cfg, init.checkpoint);
  let { cfg, packed } = ckpt;
  if (cfg.vocabSize < V) ({ cfg, packed } = growVocab(cfg, packed, V));
  return { cfg, trunk: packed, preset: ckpt.metadata.preset ?? 'custom', start: init.checkpoint };
}

/** Starts a preference-model run: reports what it was built from and the held-out evaluation at step 0. */
export async function createPMLoop(gpu: Gpu, command: PMCreate, post: Post): Promise<RunLoop> {
  const { run: runId, settings: s } = command;
  post({ type: 'trainer-status', trainer: 'pm', run: runId, status: 'preparing', step: command.resume?.step ?? 0, steps: s.steps, message: 'tokenizing and compiling the kernels' });
  const tokenizer = byteTokenizer;
  const { cfg, trunk, preset, start } = startingTrunk(command, tokenizer);
  const T = s.seqLen;
  const P = s.pairsPerBatch;
  if (T > cfg.maxSeqLen) throw new Error(`sequence length ${T} exceeds the ${preset} model's context of ${cfg.maxSeqLen} tokens`);

  // 1. data: per-dataset split, training batches, the monitored held-out pairs
  const { train, heldOut } = splitDatasets(command.datasets, s.seed);
  if (train.length < P) throw new Error(`${train.length} training pairs, fewer than one batch of ${P}: choose more data or fewer pairs per step`);
  if (heldOut.length === 0) throw new Error('no held-out pairs: the chosen datasets need at least two comparisons between them');
  const trainSides = encodeComparisons(train, tokenizer, T);
  const batcher = new PMBatcher(trainSides, P, T, tokenizer.endOfText, s.seed + 1);
  const monitorPairs = shuffleInPlace([...heldOut], rng(s.seed + 4)).slice(0, MONITOR_PAIRS);
  const monitor = pmEvalBatches(encodeComparisons(monitorPairs, tokenizer, T), P, T, tokenizer.endOfText);

  // 2. model and head
  const trainCfg: PMTrainConfig = {
    ...DEFAULT_PM_TRAIN, pairsPerBatch: P, seqLen: T, steps: s.steps, lr: s.lr, warmupSteps: Math.min(DEFAULT_PM_TRAIN.warmupSteps, Math.floor(s.steps / 10)),
  };
  const weights = new Weights(gpu, cfg);
  gpu.write(weights.packed, trunk);
  const trainer = new PMTrainer(gpu, cfg, trainCfg, weights);
  gpu.write(trainer.head.params, initHeadParams(headTable('reward_head', cfg.channels), (n) => randn(n, s.seed + 3)));
  if (command.resume) {
    const { step, bytes } = command.resume;
    checkResumeStep(step, s.steps);
    const file = `the run's checkpoint at step ${step}`;
    const stored = loadCheckpoint(bytes, file, cfg);
    const head = stored.heads.reward_head;
    if (!head) throw new Error(`${file} has no reward head`);
    gpu.write(weights.packed, stored.packed);
    gpu.write(trainer.head.params, head);
    trainer.step = step;
    for (let i = 0; i < step; i++) batcher.next();
  }

  const evaluate = async (): Promise<{ point: Record<string, number>; report: PMEvalReport }> => {
    const report = pmEvalReport(await trainer.margins(monitor), monitorPairs);
    post({ type: 'pm-report', run: runId, step: trainer.step, report });
    const point = { 'eval/loss': report.loss, 'eval/accuracy': report.accuracy, 'eval/ece': report.ece, 'eval/length_baseline_accuracy': bestLengthRule(report) };
    return { point, report };
  };

  post({
    type: 'trainer-info', trainer: 'pm', run: runId,
    info: {
      'model': preset,
      'trunk from': start,
      'parameters': trainer.model.table.count + trainer.head.table.count,
      'training pairs': train.length,
      'held-out pairs': heldOut.length,
      'held-out pairs scored': monitorPairs.length,
      'training pairs cut to T': train.filter((c) => isCut(c, tokenizer, T)).length,
      'sequence length': T,
      'warm-up steps': trainCfg.warmupSteps,
      ...(command.resume ? { 'resumed at step': command.resume.step } : {}),
    },
  });
  const initial = await evaluate();
  post({ type: 'trainer-metrics', trainer: 'pm', run: runId, point: { step: trainer.step, ...initial.point } });

  // 3. the loop's view of the run; pairs/s are timed like the LM's tokens/s (pauses do not count)
  let clock: { t0: number; s0: number } | null = null;
  const steppable: SteppableRun = {
    get step() {
      return trainer.step;
    },
    steps: s.steps,
    takeStep: () => {
      clock ??= { t0: performance.now(), s0: trainer.step };
      trainer.stepOn(batcher.next());
    },
    settle: () => gpu.sync(),
    readMetrics: async (): Promise<MetricPoint> => {
      const m = await trainer.metrics();
      const seconds = clock ? (performance.now() - clock.t0) / 1000 : 0;
      const pairsPerSecond = clock && seconds > 0 ? ((trainer.step - clock.s0) * P) / seconds : 0;
      clock = null;
      // the step's own rewards first: the evaluation below overwrites them
      const step = await trainer.inspectStep();
      const pairs = batcher.lastIndices.map((i) => train[i]);
      post({ type: 'pm-inspect', run: runId, step: step.step, pairs: inspectPairs(pairs, step, tokenizer, T) });
      const { point } = await evaluate();
      return { step: trainer.step, ...m, 'train/pairs_per_second': pairsPerSecond, ...point };
    },
    stopClock: () => {
      clock = null;
    },
    checkpoint: async () => {
      const metadata = {
        tokenizer: tokenizer.name, kind: 'preference-model', preset, seq_len: String(T), step: String(trainer.step), seed: String(s.seed),
        datasets: command.datasets.map((d) => d.id).join(','), init: command.init?.checkpoint ?? 'random',
      };
      const params = (await gpu.read(trainer.model.params)) as Float32Array;
      const head = (await gpu.read(trainer.head.params)) as Float32Array;
      return { bytes: checkpointBytes(cfg, params, metadata, { reward_head: head }), metadata };
    },
  };
  return new RunLoop('pm', runId, steppable, s.evalInterval, post, s.saveInterval ?? 0);
}

/**
 * A stored preference model's accuracy (with its 95% interval), n and ECE on each set: the checkpoint's
 * tokenizer and sequence length (its `seq_len` metadata), every comparison of the set scored once.
 */
export async function evaluatePM(gpu: Gpu, bytes: Uint8Array, sets: readonly PMDataset[], file = 'checkpoint'): Promise<PMCellResult[]> {
  const ckpt = loadCheckpoint(bytes, file);
  const head = ckpt.heads.reward_head;
  if (!head) throw new Error(`${file}: no reward head: not a preference model`);
  const tokenizer = requireByteTokenizer(ckpt.metadata, ckpt.cfg, file);
  if (ckpt.cfg.vocabSize <= tokenizer.endOfContext) throw new Error(`${file}: a vocabulary of ${ckpt.cfg.vocabSize} has no <|endofcontext|> token`);
  const T = Math.min(Number(ckpt.metadata.seq_len) || ckpt.cfg.maxSeqLen, ckpt.cfg.maxSeqLen);
  const P = EVAL_PAIRS_PER_BATCH;
  const scorer = new PMScorer(gpu, ckpt.cfg, P, T, ckpt.packed, head);
  const results: PMCellResult[] = [];
  for (const set of sets) {
    const margins = set.comparisons.length
      ? await scorer.margins(pmEvalBatches(encodeComparisons(set.comparisons, tokenizer, T), P, T, tokenizer.endOfText))
      : [];
    const acc = accuracyFromMargins(margins);
    results.push({ dataset: set.id, n: margins.length, accuracy: acc.accuracy, lo: acc.lo, hi: acc.hi, ece: calibration(margins).ece });
  }
  return results;
}
