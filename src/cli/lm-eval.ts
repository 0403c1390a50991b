// `rlhf lm-eval --models M0 M1 … --data FILE… [--sides chosen|both --batch B --seq T --seed S] [--report R.json]`:
// the held-out language-model loss of each checkpoint on the same batches — the alignment tax of RLHF (Bai et
// al. 2022, §4.5 measure it on benchmarks; at our scale it is the loss on the dialogues the base model was
// pretrained on): `alignment_tax` is each model's loss minus the first model's (pass the initial policy first).
// With the data, --sides, --batch, --seq and --seed of the `rlhf pretrain` run, the held-out transcripts are
// exactly the ones that run held out (src/train/lm-run.ts splits by seed), so no model has trained on them.
// The GPU part (one forward-only graph per model, the loss on the same batches) is src/eval/lm-loss.ts, which
// the notebook's Evaluate stage runs too.

import { heldOutLosses, sharedTokenizer, type ModelLoss } from '../eval/lm-loss.ts';
import { createNodeGpu } from '../kernels/device-node.ts';
import { loadCheckpoint } from '../models/checkpoint.ts';
import { lmData, lmTrainConfig } from '../train/lm-run.ts';
import { UsageError, parseArgs } from './args.ts';
import { readBytes, readHHFiles, writeAtomic } from './files.ts';

const OPTIONS = {
  models: { type: 'list', required: true },
  data: { type: 'list', required: true },
  sides: { type: 'string' },
  batch: { type: 'number' },
  seq: { type: 'number' },
  seed: { type: 'number' },
  'assistant-only': { type: 'flag' },
  report: { type: 'string' },
  'skip-invalid': { type: 'flag' },
} as const;

export async function lmEval(argv: string[]): Promise<void> {
  const a = parseArgs(argv, OPTIONS, 'lm-eval');
  const log = (s: string) => process.stderr.write(s);
  const files = a.models as string[];
  const sides = (a.sides as string | undefined) ?? 'chosen';
  if (sides !== 'chosen' && sides !== 'both')
    throw new UsageError(`lm-eval: --sides must be chosen or both, got ${sides}`);
  const seed = (a.seed as number | undefined) ?? 1;

  // every model must share the first one's tokenizer and fit the sequence length
  const models = files.map((file) => ({ name: file, ckpt: loadCheckpoint(readBytes(file), file) }));
  const tokenizer = (() => {
    try {
      return sharedTokenizer(models);
    } catch (e) {
      throw new UsageError(`lm-eval: ${(e as Error).message}`);
    }
  })();
  const shortest = Math.min(...models.map((m) => m.ckpt.cfg.maxSeqLen));
  const train = lmTrainConfig(models[0].ckpt.cfg, {
    steps: 1,
    batchSize: a.batch as number | undefined,
    seqLen: (a.seq as number | undefined) ?? Math.min(128, shortest),
  });
  if (train.seqLen > shortest)
    throw new UsageError(`lm-eval: --seq ${train.seqLen} exceeds the shortest model context, ${shortest}`);

  // the held-out batches of the pretraining split
  const pairs = readHHFiles(a.data as string[], Boolean(a['skip-invalid']), log);
  const data = lmData(
    pairs.flatMap((p) => (sides === 'both' ? [p.chosen, p.rejected] : [p.chosen])),
    {
      tokenizer,
      assistantOnly: Boolean(a['assistant-only']),
      batchSize: train.batchSize,
      seqLen: train.seqLen,
      seed,
    },
  );
  log(
    `data: ${data.heldOutTranscripts} held-out transcripts of ${data.transcripts}; ${data.heldOut.length} batches of ${train.batchSize}×${train.seqLen} tokens\n`,
  );

  const gpu = await createNodeGpu();
  const results: ModelLoss[] = await heldOutLosses(gpu, models, data.heldOut, train.batchSize, train.seqLen, (r) => {
    log(
      `${r.loss.toFixed(4)} nats/token  (${r.alignment_tax >= 0 ? '+' : ''}${r.alignment_tax.toFixed(4)})  ${r.model}\n`,
    );
  });
  if (a.report) {
    const report = {
      command: 'lm-eval',
      argv,
      seed,
      sides,
      tokenizer: tokenizer.name,
      batch: train.batchSize,
      seq: train.seqLen,
      data: a.data,
      held_out_transcripts: data.heldOutTranscripts,
      adapter: gpu.adapter,
      results,
    };
    writeAtomic(a.report as string, `${JSON.stringify(report, null, 2)}\n`);
  }
  gpu.destroy();
}
