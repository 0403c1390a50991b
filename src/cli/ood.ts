// `rlhf ood --model M --fit FILE… --eval-in FILE… --eval-out FILE… [options] --report R.json`: out-of-distribution
// detection of harmful requests from a model's activations (Bai et al. 2022, §5.4). The prompts of a set are the
// distinct contexts of the comparisons in its files (as `rlhf ppo` reads them). A Gaussian with a shared
// covariance is fitted to the activations of the --fit prompts; every --eval-in prompt (held-out
// in-distribution, negatives) and --eval-out prompt (out-of-distribution, positives) is scored by its squared
// Mahalanobis distance from that fit, by the relative distance (minus the distance from a Gaussian fitted to
// background data: --background FILE…, else every prompt of the run pooled), and with --expose K by the
// distance from the fit minus the distance from K exposed out-of-distribution prompts; each detector's AUROC
// and ROC curve go into the report (methods and deviations: src/eval/ood.ts, src/models/activations.ts).
//
// Held out means held out: --eval-in prompts that also occur in --fit are dropped (and counted), and the K
// exposed prompts are drawn (seeded) from --eval-out and removed from it, so every AUROC is on the same
// unseen prompts. --n N evaluates a seeded sample of at most N prompts per set. The sets, the activations and
// the scores come from src/eval/ood-run.ts, which the notebook's Evaluate stage shares.

import { createNodeGpu } from '../kernels/device-node.ts';
import { mean } from '../eval/stats.ts';
import { RIDGE, thinRoc, type OodMethodResult } from '../eval/ood.ts';
import { oodPromptSets, runOod } from '../eval/ood-run.ts';
import { POOLINGS, parseLayer, type Pooling } from '../models/activations.ts';
import { loadCheckpoint } from '../models/checkpoint.ts';
import { ppoPrompts } from '../data/prompts.ts';
import { UsageError, parseArgs } from './args.ts';
import { readBytes, readComparisonFiles, writeAtomic } from './files.ts';

const OPTIONS = {
  model: { type: 'string', required: true },
  fit: { type: 'list', required: true },
  'eval-in': { type: 'list', required: true },
  'eval-out': { type: 'list', required: true },
  background: { type: 'list' },
  layer: { type: 'string' },
  pool: { type: 'string' },
  expose: { type: 'number' },
  n: { type: 'number' },
  seed: { type: 'number' },
  ridge: { type: 'number' },
  batch: { type: 'number' },
  report: { type: 'string' },
  'skip-invalid': { type: 'flag' },
} as const;

/** Most-outlying evaluation prompts listed in the report and the summary. */
const TOP = 5;
/** ROC curves in the report are thinned to at most this many points. */
const ROC_POINTS = 201;

export async function ood(argv: string[]): Promise<void> {
  const a = parseArgs(argv, OPTIONS, 'ood');
  const log = (s: string) => process.stderr.write(s);
  const seed = (a.seed as number | undefined) ?? 1;
  const n = a.n as number | undefined;
  const expose = (a.expose as number | undefined) ?? 0;
  const ridge = (a.ridge as number | undefined) ?? RIDGE;
  const batch = (a.batch as number | undefined) ?? 16;
  const pool = ((a.pool as string | undefined) ?? 'last') as Pooling;
  if (!POOLINGS.includes(pool)) throw new UsageError(`ood: --pool must be one of ${POOLINGS.join(', ')}, got ${pool}`);
  if (n !== undefined && !(Number.isInteger(n) && n >= 1))
    throw new UsageError(`ood: --n must be a positive integer, got ${n}`);
  if (!(Number.isInteger(expose) && expose >= 0))
    throw new UsageError(`ood: --expose must be a non-negative integer, got ${expose}`);
  if (!(Number.isInteger(batch) && batch >= 1))
    throw new UsageError(`ood: --batch must be a positive integer, got ${batch}`);
  if (!(ridge >= 0)) throw new UsageError(`ood: --ridge must be ≥ 0, got ${ridge}`);
  const file = a.model as string;
  const ckpt = loadCheckpoint(readBytes(file), file);
  const layerText = (a.layer as string | undefined) ?? String(ckpt.cfg.numLayers);
  const layer = usageError(() => parseLayer(layerText, ckpt.cfg.numLayers, `ood: --layer of ${file}`));

  // 1. prompt sets: distinct contexts; eval-in without fit prompts; exposed drawn from eval-out; a sample of --n
  const skip = Boolean(a['skip-invalid']);
  const promptsOf = (option: string) => {
    const files = a[option] as string[];
    const prompts = ppoPrompts(readComparisonFiles(files, skip, log).comparisons);
    if (!prompts.length) throw new UsageError(`ood: the --${option} files hold no comparisons`);
    return { files, prompts };
  };
  const fitSet = promptsOf('fit');
  const inSet = promptsOf('eval-in');
  const outSet = promptsOf('eval-out');
  const bgSet = a.background ? promptsOf('background') : null;
  const names = { fit: '--fit', evalIn: '--eval-in', evalOut: '--eval-out', expose: '--expose' };
  const sets = usageError(
    () =>
      oodPromptSets(
        { fit: fitSet.prompts, evalIn: inSet.prompts, evalOut: outSet.prompts, background: bgSet?.prompts },
        { seed, n, expose, names },
      ),
    'ood: ',
  );
  log(
    `ood: ${sets.fit.length} fit prompts, ${sets.evalIn.length} in / ${sets.evalOut.length} out evaluation prompts` +
      `${expose ? `, ${expose} exposed` : ''}${bgSet ? `, ${sets.background.length} background` : ''}` +
      ` (${sets.droppedInFit} --eval-in prompts dropped: also in --fit)\n`,
  );

  // 2. activations of every prompt in one pass over the model; 3. fit, score, AUROC (src/eval/ood-run.ts)
  const gpu = await createNodeGpu();
  const { result: r, truncated, scored } = await runOod(gpu, ckpt, file, sets, { layer, pool, batch, ridge });
  log(
    `activations: layer ${layer} of ${file} (${pool} pooling), ${ckpt.cfg.channels} dimensions, ${truncated} prompt(s) cut to the context of ${ckpt.cfg.maxSeqLen}\n`,
  );
  const top = scored.slice(0, TOP);
  log(
    `AUROC (out-of-distribution vs held-out in-distribution): Mahalanobis ${r.mahalanobis.auroc.toFixed(3)}, relative ${r.relative.auroc.toFixed(3)}` +
      `${r.exposed ? `, ${expose} exposed ${r.exposed.auroc.toFixed(3)}` : ''}\nmost outlying evaluation prompts (squared Mahalanobis distance):\n`,
  );
  for (const t of top)
    log(`  ${t.mahalanobis.toFixed(1).padStart(10)}  ${t.set.padEnd(3)}  ${JSON.stringify(t.prompt)}\n`);

  if (a.report) {
    const method = (m: OodMethodResult) => ({
      auroc: m.auroc,
      mean_in: mean(m.inScores),
      mean_out: mean(m.outScores),
      roc: thinRoc(m.roc, ROC_POINTS),
    });
    const report = {
      command: 'ood',
      argv,
      model: file,
      seed,
      layer,
      pool,
      ridge,
      ridge_added: r.ridge,
      channels: ckpt.cfg.channels,
      auroc: r.mahalanobis.auroc,
      auroc_relative: r.relative.auroc,
      ...(r.exposed ? { auroc_exposed: r.exposed.auroc } : {}),
      counts: {
        fit: sets.fit.length,
        eval_in: sets.evalIn.length,
        eval_out: sets.evalOut.length,
        exposed: expose,
        background: r.background.n,
        eval_in_dropped_in_fit: sets.droppedInFit,
        truncated,
      },
      background:
        r.background.source === 'given'
          ? { source: 'files', files: bgSet!.files }
          : { source: 'pooled: fit + eval-in + eval-out + exposed' },
      files: { fit: fitSet.files, eval_in: inSet.files, eval_out: outSet.files },
      methods: {
        mahalanobis: method(r.mahalanobis),
        relative: method(r.relative),
        ...(r.exposed ? { exposed: method(r.exposed) } : {}),
      },
      top_outlying: top,
      adapter: gpu.adapter,
    };
    writeAtomic(a.report as string, `${JSON.stringify(report, null, 2)}\n`);
  }
  gpu.destroy();
}

/** `f()`, its Error re-thrown as a UsageError (exit status 2), its message after `prefix`. */
function usageError<X>(f: () => X, prefix = ''): X {
  try {
    return f();
  } catch (e) {
    throw new UsageError(`${prefix}${(e as Error).message}`);
  }
}
