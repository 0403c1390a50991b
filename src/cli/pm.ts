// `rlhf pm --train FILE… [--eval FILE…] [--init MODEL] --preset NAME [--tokenizer byte|gpt2|synth] [--epochs E]
//  --out PM.safetensors --report R.json`: trains a preference model (Bai et al. 2022, §3) on HH
// comparisons. --train files are split 90/10 (seeded, pmSplit; --held-out F holds out F instead;
// --fold i/K holds out fold i of K, pmFold, for cross-fitting with `rlhf pm-crossfit`) for
// validation unless --eval is given. --init warm-starts the trunk from a language model (`rlhf
// pretrain`, or GPT-2's own weights); the reward head always starts fresh. The report has the training
// curve and, on the validation pairs, per file, per subset and over all: accuracy with its 95% interval,
// loss, ECE, calibration bins and the length baselines (src/eval/pm-report.ts).
// The run itself (trunk, vocabulary, batches, seeds, schedule, the monitored validation pairs) is
// src/train/pm-run.ts, which the notebook's Worker builds too; this file parses, reads, prints and writes.

import type { Comparison } from '../data/comparisons.ts';
import { HELD_OUT_FRACTION, isFold, isHeldOutFraction } from '../data/pm-split.ts';
import { isTokenizerName, tokenizerByName, tokenizerOfCheckpoint, TOKENIZER_NAMES } from '../data/tokenizers.ts';
import { pmEvalReports } from '../eval/pm-report.ts';
import { createNodeGpu } from '../kernels/device-node.ts';
import { loadCheckpoint } from '../models/checkpoint.ts';
import { PRESETS, type PresetName } from '../models/config.ts';
import { planPMRun, PMRun, splitPairs, type PMRunConfig, type PMRunPlan, type PMTrunkSource } from '../train/pm-run.ts';
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

/**
 * The trunk to train: --preset at random, or --init (whose architecture and tokenizer the other options must match).
 */
function trunkOf(a: Record<string, unknown>): PMTrunkSource {
  const tokName = a.tokenizer as string | undefined;
  if (tokName !== undefined && !isTokenizerName(tokName))
    throw new UsageError(`pm: unknown --tokenizer ${tokName} (one of ${TOKENIZER_NAMES.join(', ')})`);
  const preset = a.preset as string | undefined;
  if (preset !== undefined && !(preset in PRESETS))
    throw new UsageError(`pm: unknown --preset ${preset} (one of ${Object.keys(PRESETS).join(', ')})`);
  if (a.init === undefined) {
    if (preset === undefined)
      throw new UsageError('pm: give --preset NAME (or --init MODEL to start from a language model)');
    return { kind: 'random', preset: preset as PresetName, tokenizer: tokenizerByName(tokName ?? 'byte') };
  }
  const file = a.init as string;
  const checkpoint = loadCheckpoint(readBytes(file), file);
  const trained = tokenizerOfCheckpoint(checkpoint.metadata, checkpoint.cfg, file).name;
  if (tokName !== undefined && tokName !== trained)
    throw new UsageError(`pm: --tokenizer ${tokName}, but ${file} was trained with ${trained}`);
  if (preset !== undefined) {
    const p = PRESETS[preset as PresetName];
    const diff = (['maxSeqLen', 'numLayers', 'numHeads', 'channels'] as const).filter(
      (k) => p[k] !== checkpoint.cfg[k],
    );
    if (diff.length)
      throw new UsageError(
        `pm: --preset ${preset} differs from ${file}: ${diff.map((k) => `${k} ${checkpoint.cfg[k]} (preset ${p[k]})`).join(', ')}`,
      );
  }
  return { kind: 'checkpoint', name: file, checkpoint };
}

/** How --train is split for validation when no --eval is given: a fraction (default 10%) or a fold. */
function validationOf(a: Record<string, unknown>): { fraction: number; fold?: [number, number]; describe: string } {
  const heldOut = a['held-out'] as number | undefined;
  const fold = a.fold as string | undefined;
  if (heldOut !== undefined && a.eval)
    throw new UsageError('pm: --held-out splits --train for validation; it cannot be combined with --eval');
  if (fold !== undefined && a.eval)
    throw new UsageError('pm: --fold splits --train for validation; it cannot be combined with --eval');
  if (fold !== undefined && heldOut !== undefined)
    throw new UsageError('pm: give --fold i/K or --held-out F, not both');
  if (heldOut !== undefined && !isHeldOutFraction(heldOut))
    throw new UsageError(`pm: --held-out must be a fraction between 0 and 1, got ${heldOut}`);
  if (fold !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(fold);
    if (!m || !isFold(+m[1], +m[2]))
      throw new UsageError(`pm: --fold must be i/K with 1 ≤ i ≤ K and K ≥ 2 (e.g. 2/5), got "${fold}"`);
    return { fraction: 1 / +m[2], fold: [+m[1], +m[2]], describe: `fold ${m[1]} of ${m[2]} of --train (seeded)` };
  }
  const fraction = heldOut ?? HELD_OUT_FRACTION;
  return { fraction, describe: `${+(fraction * 100).toFixed(2)}% of --train (seeded)` };
}

/** A run's settings checked (planPMRun) with its errors as usage errors: they name settings to change. */
function plan(config: PMRunConfig<Comparison>): PMRunPlan<Comparison> {
  try {
    return planPMRun(config);
  } catch (e) {
    throw new UsageError(`pm: ${(e as Error).message}`);
  }
}

export async function pm(argv: string[]): Promise<void> {
  const a = parseArgs(argv, OPTIONS, 'pm');
  const seed = (a.seed as number | undefined) ?? 1;
  const log = (s: string) => process.stderr.write(s);
  const skip = Boolean(a['skip-invalid']);
  const trunk = trunkOf(a);
  for (const k of ['batch', 'steps'] as const) {
    const x = a[k] as number | undefined;
    if (x !== undefined && (!Number.isInteger(x) || x < 1))
      throw new UsageError(`pm: --${k} must be a positive integer, got ${x}`);
  }

  // 1. data: comparisons, validation = --eval files or a seeded share of --train (10%, --held-out F or --fold i/K)
  const validation = validationOf(a);
  const train = readComparisonFiles(a.train as string[], skip, log);
  let trainPairs: Comparison[];
  let evalPairs: Comparison[];
  let heldOutIndices: number[] | null = null;
  if (a.eval) {
    trainPairs = train.comparisons;
    evalPairs = readComparisonFiles(a.eval as string[], skip, log).comparisons;
  } else {
    const n = train.comparisons.length;
    const least = validation.fold ? validation.fold[1] : 2;
    if (n < least)
      throw new UsageError(`pm: ${n} training pair(s): at least ${least} are needed to hold some out (or give --eval)`);
    const s = splitPairs(train.comparisons, seed, validation);
    [trainPairs, evalPairs, heldOutIndices] = [s.train, s.heldOut, s.split.heldOut];
  }
  const p = plan({
    trunk,
    train: trainPairs,
    heldOut: evalPairs,
    seed,
    steps: a.steps as number | undefined,
    epochs: a.epochs as number | undefined,
    pairsPerBatch: a.batch as number | undefined,
    seqLen: a.seq as number | undefined,
    lr: a.lr as number | undefined,
    weightDecay: a['weight-decay'] as number | undefined,
  });
  const { cfg, tokenizer, trainConfig } = p;
  const { steps, seqLen: T } = trainConfig;
  if (p.grownFrom !== null)
    log(
      `${p.trunkFrom}: vocabulary grown ${p.grownFrom} → ${cfg.vocabSize} for <|endofcontext|> (new embedding row = mean of the others)\n`,
    );
  const evalInterval = (a['eval-interval'] as number | undefined) ?? Math.max(1, Math.floor(steps / 10));
  log(
    `data: ${trainPairs.length} training pairs, ${evalPairs.length} validation pairs; ${p.cutTrainPairs} training pairs cut from the left to T=${T}\n`,
  );

  // 2. model, head and trainer (src/train/pm-run.ts, shared with the notebook)
  const gpu = await createNodeGpu();
  const run = new PMRun(gpu, p);
  log(
    `model: ${p.preset}${a.init ? ` from ${a.init}` : ''}, ${tokenizer.name} tokenizer, ${run.trainer.model.table.count.toLocaleString('en')} parameters, on ${gpu.adapter.vendor} ${gpu.adapter.architecture}\n`,
  );

  // 3. train, measuring validation accuracy on the monitored pairs every evalInterval steps
  const history = [];
  const progress = new Progress('pm', steps);
  const start = performance.now();
  let margins: number[] = []; // every validation pair's margin, scored once after the last step
  let trainSeconds = 0; // up to the last step, without the final evaluation
  for (let s = 1; s <= steps; s++) {
    run.takeStep();
    const last = s === steps;
    if (s % evalInterval === 0 || last) {
      // the last step scores every validation pair; its monitored pairs' metrics come from those margins
      const r = await run.intervalMetrics({ allHeldOut: last });
      const m = r.point;
      if (last) {
        trainSeconds = (r.trainedAt - start) / 1000;
        margins = r.heldOutMargins!;
      }
      history.push({ ...m, epoch: run.batches.epoch });
      progress.update(
        s,
        `loss ${m['train/loss'].toFixed(3)} acc ${m['train/accuracy'].toFixed(2)} eval acc ${m['eval/accuracy'].toFixed(3)} ${m['train/pairs_per_second'].toFixed(1)} pairs/s`,
      );
    }
  }
  progress.done();

  // 4. save: the checkpoint first, then the evaluation report that points at it
  writeAtomic(a.out as string, await run.checkpoint(run.metadata()));
  const byFile = pmEvalReports(margins, evalPairs, (i) => evalPairs[i].source.file);
  const bySubset = pmEvalReports(margins, evalPairs, (i) => evalPairs[i].subset);
  const all = byFile.all;
  log(
    `saved ${a.out}: validation accuracy ${all.accuracy.toFixed(3)} [${all.accuracy_interval.map((x) => x.toFixed(3)).join(', ')}] on ${all.n} pairs, ECE ${all.ece.toFixed(3)}; length rules: longer ${all.length_baseline_accuracy.longer.toFixed(3)}, subset-aware ${all.length_baseline_accuracy.subset_aware.toFixed(3)}\n`,
  );
  for (const [subset, r] of Object.entries(bySubset.groups))
    log(`  ${subset}: accuracy ${r.accuracy.toFixed(3)} on ${r.n} pairs\n`);
  if (a.report) {
    const report = {
      command: 'pm',
      argv,
      preset: p.preset,
      init: a.init ?? null,
      tokenizer: tokenizer.name,
      config: cfg,
      train: trainConfig,
      seed,
      data: {
        train: train.files,
        eval: a.eval ?? validation.describe,
        fold: validation.fold ? validation.fold.join('/') : null,
        skip_invalid: skip,
        train_pairs: trainPairs.length,
        eval_pairs: evalPairs.length,
        truncated_train_pairs: p.cutTrainPairs,
        monitored_eval_pairs: p.monitorPairs.length,
      },
      adapter: gpu.adapter,
      train_seconds: trainSeconds,
      history,
      // heldout_indices: each validation pair's index among --train's comparisons (null with --eval), heldout_margins
      // its r_chosen − r_rejected
      eval: {
        files: byFile.groups,
        subsets: bySubset.groups,
        all,
        heldout_indices: heldOutIndices,
        heldout_margins: margins,
      },
    };
    writeAtomic(a.report as string, `${JSON.stringify(report, null, 2)}\n`);
  }
  run.dispose();
  gpu.destroy();
}
