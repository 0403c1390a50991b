// `rlhf pm-eval --pm PM.safetensors --data FILE… --report R.json`: a preference model's accuracy,
// loss, calibration (ECE and 10 bins) and the length baselines on HH comparisons, per file, per subset
// and over all (src/eval/pm-report.ts).

import { encodeComparisons, pmEvalBatches } from '../data/pm-batches.ts';
import { tokenizerOfCheckpoint } from '../data/tokenizers.ts';
import { pmEvalReports } from '../eval/pm-report.ts';
import { createNodeGpu } from '../kernels/device-node.ts';
import { loadCheckpoint } from '../models/checkpoint.ts';
import { PMScorer } from '../models/preference-model.ts';
import { UsageError, parseArgs } from './args.ts';
import { readBytes, readComparisonFiles, writeAtomic } from './files.ts';

const OPTIONS = {
  pm: { type: 'string', required: true },
  data: { type: 'list', required: true },
  report: { type: 'string' },
  batch: { type: 'number' },
  seq: { type: 'number' },
  'skip-invalid': { type: 'flag' },
} as const;

export async function pmEval(argv: string[]): Promise<void> {
  const a = parseArgs(argv, OPTIONS, 'pm-eval');
  const file = a.pm as string;
  const ckpt = loadCheckpoint(readBytes(file), file);
  const head = ckpt.heads.reward_head;
  if (!head) throw new Error(`${file}: no reward_head tensors: not a preference model (train one with rlhf pm)`);
  const tokenizer = tokenizerOfCheckpoint(ckpt.metadata, ckpt.cfg, file);
  if (ckpt.cfg.vocabSize <= tokenizer.endOfContext)
    throw new Error(
      `${file}: vocabulary ${ckpt.cfg.vocabSize} has no <|endofcontext|> token (${tokenizer.endOfContext})`,
    );
  const T = (a.seq as number | undefined) ?? (Number(ckpt.metadata.seq_len) || ckpt.cfg.maxSeqLen);
  if (T > ckpt.cfg.maxSeqLen)
    throw new UsageError(`pm-eval: --seq ${T} exceeds the model's maxSeqLen ${ckpt.cfg.maxSeqLen}`);
  const P = (a.batch as number | undefined) ?? 8;
  const log = (s: string) => process.stderr.write(s);
  const { comparisons } = readComparisonFiles(a.data as string[], Boolean(a['skip-invalid']), log);
  const gpu = await createNodeGpu();
  const scorer = new PMScorer(gpu, ckpt.cfg, P, T, ckpt.packed, head);
  const margins = await scorer.margins(
    pmEvalBatches(encodeComparisons(comparisons, tokenizer, T), P, T, tokenizer.endOfText),
  );
  const byFile = pmEvalReports(margins, comparisons, (i) => comparisons[i].source.file);
  const bySubset = pmEvalReports(margins, comparisons, (i) => comparisons[i].subset);
  for (const [f, r] of Object.entries(byFile.groups)) {
    process.stdout.write(
      `${f}: accuracy ${r.accuracy.toFixed(3)} [${r.accuracy_interval.map((x) => x.toFixed(3)).join(', ')}] n=${r.n} loss ${r.loss.toFixed(3)} ECE ${r.ece.toFixed(3)} (longer wins ${r.length_baseline_accuracy.longer.toFixed(3)})\n`,
    );
  }
  process.stdout.write(
    `all: accuracy ${byFile.all.accuracy.toFixed(3)} n=${byFile.all.n} ECE ${byFile.all.ece.toFixed(3)}\n`,
  );
  if (a.report) {
    const report = {
      command: 'pm-eval',
      pm: file,
      tokenizer: tokenizer.name,
      seq_len: T,
      adapter: gpu.adapter,
      data: a.data,
      files: byFile.groups,
      subsets: bySubset.groups,
      all: byFile.all,
    };
    writeAtomic(a.report as string, `${JSON.stringify(report, null, 2)}\n`);
  }
  gpu.destroy();
}
