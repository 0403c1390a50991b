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
// unseen prompts. --n N evaluates a seeded sample of at most N prompts per set.

import { createNodeGpu } from '../kernels/device-node.ts';
import { rng, shuffleInPlace } from '../kernels/random.ts';
import { mean } from '../eval/stats.ts';
import { oodEvaluate, RIDGE, thinRoc, type OodMethodResult } from '../eval/ood.ts';
import { POOLINGS, parseLayer, promptActivations, type Pooling } from '../models/activations.ts';
import { loadCheckpoint } from '../models/checkpoint.ts';
import { ppoPrompts } from '../train/ppo-data.ts';
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
  if (n !== undefined && !(Number.isInteger(n) && n >= 1)) throw new UsageError(`ood: --n must be a positive integer, got ${n}`);
  if (!(Number.isInteger(expose) && expose >= 0)) throw new UsageError(`ood: --expose must be a non-negative integer, got ${expose}`);
  if (!(Number.isInteger(batch) && batch >= 1)) throw new UsageError(`ood: --batch must be a positive integer, got ${batch}`);
  if (!(ridge >= 0)) throw new UsageError(`ood: --ridge must be ≥ 0, got ${ridge}`);
  const file = a.model as string;
  const ckpt = loadCheckpoint(readBytes(file), file);
  const layerText = (a.layer as string | undefined) ?? String(ckpt.cfg.numLayers);
  const layer = usageError(() => parseLayer(layerText, ckpt.cfg.numLayers, `ood: --layer of ${file}`));

  // 1. prompt sets: distinct contexts; eval-in without fit prompts; exposed drawn from eval-out; a sample of --n
  const skip = Boolean(a['skip-invalid']);
  const random = rng(seed);
  const promptsOf = (option: string) => {
    const files = a[option] as string[];
    const prompts = ppoPrompts(readComparisonFiles(files, skip, log).comparisons);
    if (!prompts.length) throw new UsageError(`ood: the --${option} files hold no comparisons`);
    return { files, prompts: shuffleInPlace(prompts, random) };
  };
  const sample = (xs: string[]) => (n === undefined ? xs : xs.slice(0, n));
  const fitSet = promptsOf('fit');
  const inSet = promptsOf('eval-in');
  const outSet = promptsOf('eval-out');
  const bgSet = a.background ? promptsOf('background') : null;
  const seen = new Set(fitSet.prompts);
  const unseenIn = inSet.prompts.filter((p) => !seen.has(p));
  if (!unseenIn.length) throw new UsageError(`ood: every --eval-in prompt is also a --fit prompt: nothing is held out`);
  if (expose >= outSet.prompts.length) throw new UsageError(`ood: --expose ${expose} leaves no --eval-out prompt to evaluate (the files hold ${outSet.prompts.length})`);
  const sets = {
    fit: sample(fitSet.prompts),
    evalIn: sample(unseenIn),
    exposed: outSet.prompts.slice(0, expose),
    evalOut: sample(outSet.prompts.slice(expose)),
    background: bgSet ? sample(bgSet.prompts) : [],
  };
  log(`ood: ${sets.fit.length} fit prompts, ${sets.evalIn.length} in / ${sets.evalOut.length} out evaluation prompts` +
    `${expose ? `, ${expose} exposed` : ''}${bgSet ? `, ${sets.background.length} background` : ''}` +
    ` (${inSet.prompts.length - unseenIn.length} --eval-in prompts dropped: also in --fit)\n`);

  // 2. activations of every prompt in one pass over the model
  const gpu = await createNodeGpu();
  const order = [sets.fit, sets.evalIn, sets.evalOut, sets.exposed, sets.background];
  const acts = await promptActivations(gpu, ckpt, file, order.flat(), { layer, pool, batch });
  const split: Float32Array[][] = [];
  let at = 0;
  for (const s of order) split.push(acts.vectors.slice(at, (at += s.length)));
  const [fitV, inV, outV, exposedV, bgV] = split;
  log(`activations: layer ${layer} of ${file} (${pool} pooling), ${ckpt.cfg.channels} dimensions, ${acts.truncated} prompt(s) cut to the context of ${ckpt.cfg.maxSeqLen}\n`);

  // 3. fit, score, AUROC
  const r = oodEvaluate({ fit: fitV, evalIn: inV, evalOut: outV, background: bgSet ? bgV : undefined, exposed: expose ? exposedV : undefined, ridge });
  const evalPrompts = [...sets.evalIn.map((prompt, i) => ({ prompt, set: 'in', i })), ...sets.evalOut.map((prompt, i) => ({ prompt, set: 'out', i }))];
  const score = (m: OodMethodResult, e: { set: string; i: number }) => (e.set === 'in' ? m.inScores : m.outScores)[e.i];
  const top = evalPrompts
    .map((e) => ({ prompt: e.prompt, set: e.set, mahalanobis: score(r.mahalanobis, e), relative: score(r.relative, e), ...(r.exposed ? { exposed: score(r.exposed, e) } : {}) }))
    .sort((x, y) => y.mahalanobis - x.mahalanobis)
    .slice(0, TOP);
  log(`AUROC (out-of-distribution vs held-out in-distribution): Mahalanobis ${r.mahalanobis.auroc.toFixed(3)}, relative ${r.relative.auroc.toFixed(3)}` +
    `${r.exposed ? `, ${expose} exposed ${r.exposed.auroc.toFixed(3)}` : ''}\nmost outlying evaluation prompts (squared Mahalanobis distance):\n`);
  for (const t of top) log(`  ${t.mahalanobis.toFixed(1).padStart(10)}  ${t.set.padEnd(3)}  ${JSON.stringify(t.prompt)}\n`);

  if (a.report) {
    const method = (m: OodMethodResult) => ({ auroc: m.auroc, mean_in: mean(m.inScores), mean_out: mean(m.outScores), roc: thinRoc(m.roc, ROC_POINTS) });
    const report = {
      command: 'ood', argv, model: file, seed, layer, pool, ridge, ridge_added: r.ridge, channels: ckpt.cfg.channels,
      auroc: r.mahalanobis.auroc, auroc_relative: r.relative.auroc, ...(r.exposed ? { auroc_exposed: r.exposed.auroc } : {}),
      counts: {
        fit: sets.fit.length, eval_in: sets.evalIn.length, eval_out: sets.evalOut.length, exposed: expose,
        background: r.background.n, eval_in_dropped_in_fit: inSet.prompts.length - unseenIn.length, truncated: acts.truncated,
      },
      background: r.background.source === 'given' ? { source: 'files', files: bgSet!.files } : { source: 'pooled: fit + eval-in + eval-out + exposed' },
      files: { fit: fitSet.files, eval_in: inSet.files, eval_out: outSet.files },
      methods: { mahalanobis: method(r.mahalanobis), relative: method(r.relative), ...(r.exposed ? { exposed: method(r.exposed) } : {}) },
      top_outlying: top, adapter: gpu.adapter,
    };
    writeAtomic(a.report as string, `${JSON.stringify(report, null, 2)}\n`);
  }
  gpu.destroy();
}

/** `f()`, its Error re-thrown as a UsageError (exit status 2). */
function usageError<X>(f: () => X): X {
  try {
    return f();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
