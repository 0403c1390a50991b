// `rlhf pm-crossfit --reports R1.json … RK.json [--report R.json]`: pools the reports of K runs of
// `rlhf pm --fold i/K` (same --train files, seed and K) into one evaluation of every --train pair by
// the fold model that never trained on it (src/eval/pm-crossfit.ts): accuracy with its 95% interval,
// loss, ECE, calibration and the length baselines, per file, per subset and over all, beside each
// fold's own accuracy. It re-reads the --train files the reports name, so run it where `rlhf pm` ran.

import { readFileSync } from 'node:fs';
import { poolFolds, type FoldScores } from '../eval/pm-crossfit.ts';
import { pmEvalReports } from '../eval/pm-report.ts';
import { UsageError, parseArgs } from './args.ts';
import { readComparisonFiles, writeAtomic } from './files.ts';

const OPTIONS = {
  reports: { type: 'list', required: true },
  report: { type: 'string' },
} as const;

interface FoldReport {
  scores: FoldScores;
  files: string[];
  skipInvalid: boolean;
  accuracy: number;
}

/** The fold, split and held-out margins of one `rlhf pm --fold` report; errors name the file and field. */
function readFoldReport(file: string): FoldReport {
  // biome-ignore lint/suspicious/noImplicitAnyLet: a report of unknown shape, checked field by field below
  let r;
  try {
    r = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not a readable JSON report (${(e as Error).message})`);
  }
  if (r?.command !== 'pm')
    throw new Error(`${file}: not an \`rlhf pm\` report (command is ${JSON.stringify(r?.command)})`);
  const m = typeof r.data?.fold === 'string' ? /^(\d+)\/(\d+)$/.exec(r.data.fold) : null;
  if (!m) throw new Error(`${file}: data.fold is ${JSON.stringify(r.data?.fold)}: not a run of \`rlhf pm --fold i/K\``);
  const indices = r.eval?.heldout_indices;
  const margins = r.eval?.heldout_margins;
  if (!Array.isArray(indices) || !Array.isArray(margins))
    throw new Error(`${file}: eval.heldout_indices or eval.heldout_margins missing`);
  if (!Array.isArray(r.data.train) || r.data.train.some((f: { file?: unknown }) => typeof f?.file !== 'string'))
    throw new Error(`${file}: data.train does not list the --train files`);
  return {
    scores: {
      name: file,
      fold: +m[1],
      folds: +m[2],
      seed: r.seed,
      pairs: r.data.train_pairs + r.data.eval_pairs,
      indices,
      margins,
    },
    files: r.data.train.map((f: { file: string }) => f.file),
    skipInvalid: Boolean(r.data.skip_invalid),
    accuracy: r.eval.all.accuracy,
  };
}

export async function pmCrossfit(argv: string[]): Promise<void> {
  const a = parseArgs(argv, OPTIONS, 'pm-crossfit');
  const runs = (a.reports as string[]).map(readFoldReport);
  const first = runs[0];
  for (const r of runs.slice(1)) {
    if (r.files.join('\n') !== first.files.join('\n') || r.skipInvalid !== first.skipInvalid) {
      throw new UsageError(
        `pm-crossfit: ${r.scores.name} trained on ${r.files.join(' ')}${r.skipInvalid ? ' (--skip-invalid)' : ''}, ${first.scores.name} on ${first.files.join(' ')}${first.skipInvalid ? ' (--skip-invalid)' : ''}`,
      );
    }
  }
  const margins = poolFolds(runs.map((r) => r.scores));
  const { comparisons } = readComparisonFiles(first.files, first.skipInvalid, (s) => process.stderr.write(s));
  if (comparisons.length !== margins.length)
    throw new Error(
      `pm-crossfit: ${first.files.join(' ')} now hold ${comparisons.length} comparisons, the fold runs saw ${margins.length}`,
    );
  const byFile = pmEvalReports(margins, comparisons, (i) => comparisons[i].source.file);
  const bySubset = pmEvalReports(margins, comparisons, (i) => comparisons[i].subset);
  const all = byFile.all;
  const fmt = (x: number) => x.toFixed(3);
  for (const r of [...runs].sort((x, y) => x.scores.fold - y.scores.fold))
    process.stdout.write(
      `fold ${r.scores.fold}/${r.scores.folds} (${r.scores.name}): accuracy ${fmt(r.accuracy)} on ${r.scores.indices.length} pairs\n`,
    );
  process.stdout.write(
    `pooled: accuracy ${fmt(all.accuracy)} [${all.accuracy_interval.map(fmt).join(', ')}] on ${all.n} pairs, loss ${fmt(all.loss)}, ECE ${fmt(all.ece)}; length rules: longer ${fmt(all.length_baseline_accuracy.longer)}, subset-aware ${fmt(all.length_baseline_accuracy.subset_aware)}\n`,
  );
  for (const [subset, r] of Object.entries(bySubset.groups))
    process.stdout.write(
      `  ${subset}: accuracy ${fmt(r.accuracy)} [${r.accuracy_interval.map(fmt).join(', ')}] on ${r.n} pairs\n`,
    );
  if (a.report) {
    const report = {
      command: 'pm-crossfit',
      argv,
      folds: first.scores.folds,
      seed: first.scores.seed,
      train: first.files,
      fold_reports: runs.map((r) => ({
        report: r.scores.name,
        fold: r.scores.fold,
        accuracy: r.accuracy,
        n: r.scores.indices.length,
      })),
      files: byFile.groups,
      subsets: bySubset.groups,
      all,
    };
    writeAtomic(a.report as string, `${JSON.stringify(report, null, 2)}\n`);
  }
}
