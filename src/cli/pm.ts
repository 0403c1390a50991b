// `rlhf pm --train FILE… [--eval FILE…] [--init MODEL] --preset NAME [--tokenizer byte|gpt2|synth] [--epochs E]
//  --out PM.safetensors --report R.json`: trains a preference model (Bai et al. 2022, §3) on HH
// comparisons. --train files are split 90/10 (seeded, pmSplit; --held-out F holds out F instead;
// --fold i/K holds out fold i of K, pmFold, for cross-fitting with `rlhf pm-crossfit`) for
// validation unless --eval is given. --init warm-starts the trunk from a language model (`rlhf
// pretrain`, or GPT-2's own weights); the reward head always starts fresh. The report has the training
// curve and, on the validation pairs, per file, per subset and over all: accuracy with its 95% interval,
// loss, ECE, calibration bins and the length baselines (src/eval/pm-report.ts).

import type { Comparison } from '../data/comparisons.ts';
import { encodeComparisons, PMBatcher, pmEvalBatches } from '../data/pm-batches.ts';
import type { Tokenizer } from '../data/tokenizer.ts';
import { isTokenizerName, tokenizerByName, tokenizerOfCheckpoint, TOKENIZER_NAMES, vocabWithEndOfContext } from '../data/tokenizers.ts';
import { HELD_OUT_FRACTION, isFold, isHeldOutFraction, pmFold, pmSplit, type PMSplit } from '../data/pm-split.ts';
import { pmEvalReport, pmEvalReports } from '../eval/pm-report.ts';
import { createNodeGpu } from '../kernels/device-node.ts';
import { randn } from '../util/random.ts';
import { checkpointBytes, loadCheckpoint } from '../models/checkpoint.ts';
import { PRESETS, type GPTConfig, type PresetName } from '../models/config.ts';
import { headTable, initHeadParams } from '../models/head-table.ts';
import { initParams, paramTable } from '../models/params.ts';
import { growVocab } from '../models/vocab.ts';
import { Weights } from '../models/weights.ts';
import { DEFAULT_PM_TRAIN, PMTrainer, type PMTrainConfig } from '../train/pm.ts';
import { UsageError, parseArgs } from './args.ts';
import { readBytes, readComparisonFiles, writeAtomic } from './files.ts';
import { Progress } from './progress.ts';

const OPTIONS = {
  train: { type: 'list', required: true },
  eval: { type: 'list' },
  'held-out': { type: 'number' },
  fold: { type: 'string' },
  init: { type: 'string' },
  preset: { type: 'string' },
  tokenizer: { type: 'string' },
  epochs: { type: 'number' },
  steps: { type: 'number' },
  out: { type: 'string', required: true },
  report: { type: 'string' },
  seed: { type: 'number' },
  batch: { type: 'number' },
  seq: { type: 'number' },
  lr: { type: 'number' },
  'weight-decay': { type: 'number' },
  'eval-interval': { type: 'number' },
  'skip-invalid': { type: 'flag' },
} as const;

/** How many validation pairs the during-training accuracy is measured on (all of them at the end). */
const MONITOR_PAIRS = 256;

interface PMModel {
  cfg: GPTConfig;
  trunk: Float32Array;
  tokenizer: Tokenizer;
  preset: string;
}

/** The trunk to train: a preset initialised at random, or a checkpoint grown to embed end-of-context. */
function pmModel(a: Record<string, unknown>, seed: number, log: (s: string) => void): PMModel {
  const tokName = a.tokenizer as string | undefined;
  if (tokName !== undefined && !isTokenizerName(tokName)) throw new UsageError(`pm: unknown --tokenizer ${tokName} (one of ${TOKENIZER_NAMES.join(', ')})`);
  const preset = a.preset as string | undefined;
  if (preset !== undefined && !(preset in PRESETS)) throw new UsageError(`pm: unknown --preset ${preset} (one of ${Object.keys(PRESETS).join(', ')})`);
  if (a.init === undefined) {
    if (preset === undefined) throw new UsageError('pm: give --preset NAME (or --init MODEL to start from a language model)');
    const tokenizer = tokenizerByName(tokName ?? 'byte');
    const cfg = { ...PRESETS[preset as PresetName], vocabSize: vocabWithEndOfContext(tokenizer) };
    return { cfg, trunk: initParams(paramTable(cfg), cfg, (n) => randn(n, seed + 2)), tokenizer, preset };
  }
  const file = a.init as string;
  const ckpt = loadCheckpoint(readBytes(file), file);
  const tokenizer = tokenizerOfCheckpoint(ckpt.metadata, ckpt.cfg, file);
  if (tokName !== undefined && tokName !== tokenizer.name) throw new UsageError(`pm: --tokenizer ${tokName}, but ${file} was trained with ${tokenizer.name}`);
  if (preset !== undefined) {
    const p = PRESETS[preset as PresetName];
    const diff = (['maxSeqLen', 'numLayers', 'numHeads', 'channels'] as const).filter((k) => p[k] !== ckpt.cfg[k]);
    if (diff.length) throw new UsageError(`pm: --preset ${preset} differs from ${file}: ${diff.map((k) => `${k} ${ckpt.cfg[k]} (preset ${p[k]})`).join(', ')}`);
  }
  let { cfg, packed } = ckpt;
  const V = vocabWithEndOfContext(tokenizer);
  if (cfg.vocabSize < V) {
    ({ cfg, packed } = growVocab(cfg, packed, V));
    log(`${file}: vocabulary grown ${ckpt.cfg.vocabSize} → ${V} for <|endofcontext|> (new embedding row = mean of the others)\n`);
  }
  return { cfg, trunk: packed, tokenizer, preset: preset ?? ckpt.metadata.preset ?? 'custom' };
}

/** How --train is split for validation when no --eval is given: a fraction (default 10%) or a fold. */
function validationOf(a: Record<string, unknown>): { fraction: number; fold?: [number, number]; describe: string } {
  const heldOut = a['held-out'] as number | undefined;
  const fold = a.fold as string | undefined;
  if (heldOut !== undefined && a.eval) throw new UsageError('pm: --held-out splits --train for validation; it cannot be combined with --eval');
  if (fold !== undefined && a.eval) throw new UsageError('pm: --fold splits --train for validation; it cannot be combined with --eval');
  if (fold !== undefined && heldOut !== undefined) throw new UsageError('pm: give --fold i/K or --held-out F, not both');
  if (heldOut !== undefined && !isHeldOutFraction(heldOut)) throw new UsageError(`pm: --held-out must be a fraction between 0 and 1, got ${heldOut}`);
  if (fold !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(fold);
    if (!m || !isFold(+m[1], +m[2])) throw new UsageError(`pm: --fold must be i/K with 1 ≤ i ≤ K and K ≥ 2 (e.g. 2/5), got "${fold}"`);
    return { fraction: 1 / +m[2], fold: [+m[1], +m[2]], describe: `fold ${m[1]} of ${m[2]} of --train (seeded)` };
  }
  const fraction = heldOut ?? HELD_OUT_FRACTION;
  return { fraction, describe: `${+(fraction * 100).toFixed(2)}% of --train (seeded)` };
}

export async function pm(argv: string[]): Promise<void> {
  const a = parseArgs(argv, OPTIONS, 'pm');
  const seed = (a.seed as number | undefined) ?? 1;
  const log = (s: string) => process.stderr.write(s);
  const skip = Boolean(a['skip-invalid']);
  const model = pmModel(a, seed, log);
  const { cfg, tokenizer } = model;

  // 1. data: comparisons, validation = --eval files or a seeded share of --train (10%, --held-out F or --fold i/K)
  const validation = validationOf(a);
  const train = readComparisonFiles(a.train as string[], skip, log);
  let trainPairs: Comparison[];
  let evalPairs: Comparison[];
  let split: PMSplit | undefined;
  if (a.eval) {
    trainPairs = train.comparisons;
    evalPairs = readComparisonFiles(a.eval as string[], skip, log).comparisons;
  } else {
    const n = train.comparisons.length;
    const least = validation.fold ? validation.fold[1] : 2;
    if (n < least) throw new UsageError(`pm: ${n} training pair(s): at least ${least} are needed to hold some out (or give --eval)`);
    split = validation.fold ? pmFold(n, seed, ...validation.fold) : pmSplit(n, seed, validation.fraction);
    evalPairs = split.heldOut.map((i) => train.comparisons[i]);
    trainPairs = split.train.map((i) => train.comparisons[i]);
  }
  const T = (a.seq as number | undefined) ?? Math.min(cfg.maxSeqLen, DEFAULT_PM_TRAIN.seqLen);
  if (T > cfg.maxSeqLen) throw new UsageError(`pm: --seq ${T} exceeds the model's maxSeqLen ${cfg.maxSeqLen}`);
  const P = (a.batch as number | undefined) ?? DEFAULT_PM_TRAIN.pairsPerBatch;
  if (!Number.isInteger(P) || P < 1) throw new UsageError(`pm: --batch must be a positive integer (pairs per batch), got ${P}`);
  if (trainPairs.length < P) throw new UsageError(`pm: ${trainPairs.length} training pairs, fewer than one batch of ${P}`);
  const trainSides = encodeComparisons(trainPairs, tokenizer, T);
  const evalSides = encodeComparisons(evalPairs, tokenizer, T);
  const batcher = new PMBatcher(trainSides, P, T, tokenizer.endOfText, seed + 1);
  const epochs = (a.epochs as number | undefined) ?? 1;
  const steps = (a.steps as number | undefined) ?? Math.max(1, Math.ceil(epochs * batcher.batchesPerEpoch));
  if (!Number.isInteger(steps) || steps < 1) throw new UsageError(`pm: --steps must be a positive integer, got ${steps}`);
  const cfgTrain: PMTrainConfig = {
    ...DEFAULT_PM_TRAIN,
    pairsPerBatch: P,
    seqLen: T,
    steps,
    lr: (a.lr as number | undefined) ?? DEFAULT_PM_TRAIN.lr,
    weightDecay: (a['weight-decay'] as number | undefined) ?? DEFAULT_PM_TRAIN.weightDecay,
    warmupSteps: Math.min(DEFAULT_PM_TRAIN.warmupSteps, Math.floor(steps / 10)),
  };
  const evalInterval = (a['eval-interval'] as number | undefined) ?? Math.max(1, Math.floor(steps / 10));
  const truncated = trainSides.filter((s) => Math.max(s.chosen.length, s.rejected.length) === T).length;
  log(`data: ${trainPairs.length} training pairs, ${evalPairs.length} validation pairs; ${truncated} training pairs cut from the left to T=${T}\n`);

  // 2. model, head and trainer
  const gpu = await createNodeGpu();
  const weights = new Weights(gpu, cfg);
  gpu.write(weights.packed, model.trunk);
  const trainer = new PMTrainer(gpu, cfg, cfgTrain, weights);
  gpu.write(trainer.head.params, initHeadParams(headTable('reward_head', cfg.channels), (n) => randn(n, seed + 3)));
  log(`model: ${model.preset}${a.init ? ` from ${a.init}` : ''}, ${tokenizer.name} tokenizer, ${trainer.model.table.count.toLocaleString('en')} parameters, on ${gpu.adapter.vendor} ${gpu.adapter.architecture}\n`);

  // 3. train, measuring validation accuracy on the first MONITOR_PAIRS pairs every evalInterval steps
  const monitor = pmEvalBatches(evalSides.slice(0, MONITOR_PAIRS), P, T, tokenizer.endOfText);
  const monitorPairs = evalPairs.slice(0, MONITOR_PAIRS);
  const history = [];
  const progress = new Progress('pm', steps);
  const start = performance.now();
  let t0 = start;
  let s0 = 0;
  let margins: number[] = []; // every validation pair's margin, scored once after the last step
  let trainSeconds = 0; // up to the last step, without the final evaluation
  for (let s = 1; s <= steps; s++) {
    trainer.stepOn(batcher.next());
    const last = s === steps;
    if (s % evalInterval === 0 || last) {
      const m = await trainer.metrics();
      const pairsPerSecond = ((s - s0) * P) / ((performance.now() - t0) / 1000);
      if (last) {
        trainSeconds = (performance.now() - start) / 1000;
        margins = await trainer.margins(pmEvalBatches(evalSides, P, T, tokenizer.endOfText));
      }
      // the last step's monitored pairs are the first MONITOR_PAIRS of the full evaluation, not scored twice
      const ev = pmEvalReport(last ? margins.slice(0, MONITOR_PAIRS) : await trainer.margins(monitor), monitorPairs);
      history.push({ step: s, epoch: batcher.epoch, ...m, 'eval/loss': ev.loss, 'eval/accuracy': ev.accuracy, 'train/pairs_per_second': pairsPerSecond });
      progress.update(s, `loss ${m['train/loss'].toFixed(3)} acc ${m['train/accuracy'].toFixed(2)} eval acc ${ev.accuracy.toFixed(3)} ${pairsPerSecond.toFixed(1)} pairs/s`);
      t0 = performance.now();
      s0 = s;
    }
  }
  progress.done();

  // 4. save: the checkpoint first, then the evaluation report that points at it
  const trunk = (await gpu.read(trainer.model.params)) as Float32Array;
  const head = (await gpu.read(trainer.head.params)) as Float32Array;
  writeAtomic(a.out as string, checkpointBytes(cfg, trunk, { tokenizer: tokenizer.name, kind: 'preference-model', preset: model.preset, seq_len: String(T) }, { reward_head: head }));
  const byFile = pmEvalReports(margins, evalPairs, (i) => evalPairs[i].source.file);
  const bySubset = pmEvalReports(margins, evalPairs, (i) => evalPairs[i].subset);
  const all = byFile.all;
  log(`saved ${a.out}: validation accuracy ${all.accuracy.toFixed(3)} [${all.accuracy_interval.map((x) => x.toFixed(3)).join(', ')}] on ${all.n} pairs, ECE ${all.ece.toFixed(3)}; length rules: longer ${all.length_baseline_accuracy.longer.toFixed(3)}, subset-aware ${all.length_baseline_accuracy.subset_aware.toFixed(3)}\n`);
  for (const [subset, r] of Object.entries(bySubset.groups)) log(`  ${subset}: accuracy ${r.accuracy.toFixed(3)} on ${r.n} pairs\n`);
  if (a.report) {
    const report = {
      command: 'pm', argv, preset: model.preset, init: a.init ?? null, tokenizer: tokenizer.name, config: cfg, train: cfgTrain, seed,
      data: {
        train: train.files, eval: a.eval ?? validation.describe, fold: validation.fold ? validation.fold.join('/') : null, skip_invalid: skip,
        train_pairs: trainPairs.length, eval_pairs: evalPairs.length, truncated_train_pairs: truncated,
      },
      adapter: gpu.adapter, train_seconds: trainSeconds, history,
      // heldout_indices: each validation pair's index among --train's comparisons (null with --eval), heldout_margins its r_chosen − r_rejected
      eval: { files: byFile.groups, subsets: bySubset.groups, all, heldout_indices: split?.heldOut ?? null, heldout_margins: margins },
    };
    writeAtomic(a.report as string, `${JSON.stringify(report, null, 2)}\n`);
  }
  gpu.destroy();
}
