// `rlhf pretrain --data FILE… --preset NAME [--init MODEL] --steps N --out MODEL.safetensors [--report R.json]`:
// trains a language model on the transcripts of HH-format files (the chosen side of every pair, or with
// `--sides both` the rejected side too, deduplicated), 90% for training and 10% held out by transcript,
// and saves a GPT-2-layout checkpoint. `--sides both` gives a base model that writes every kind of
// response it has seen (helpful, evasive, harmful, refusing): the starting point RLHF has to move. `--init`
// continues from a language model's weights (more pretraining, or fine-tuning on other data), with a fresh
// optimizer and schedule; its preset and tokenizer must be the run's.

import {
  TOKENIZER_NAMES,
  isTokenizerName,
  lmVocabSize,
  tokenizerByName,
  tokenizerOfCheckpoint,
} from '../data/tokenizers.ts';
import { createNodeGpu } from '../kernels/device-node.ts';
import { loadCheckpoint } from '../models/checkpoint.ts';
import { PRESETS, type GPTConfig, type PresetName } from '../models/config.ts';
import { LMRun, lmData, lmTrainConfig, type LMIntervalMetrics } from '../train/lm-run.ts';
import { UsageError, parseArgs } from './args.ts';
import { readBytes, readHHFiles, writeAtomic } from './files.ts';
import { Progress } from './progress.ts';

const OPTIONS = {
  data: { type: 'list', required: true },
  preset: { type: 'string', required: true },
  init: { type: 'string' },
  tokenizer: { type: 'string' },
  steps: { type: 'number', required: true },
  out: { type: 'string', required: true },
  report: { type: 'string' },
  seed: { type: 'number' },
  batch: { type: 'number' },
  seq: { type: 'number' },
  lr: { type: 'number' },
  'grad-accum': { type: 'number' },
  'eval-interval': { type: 'number' },
  'assistant-only': { type: 'flag' },
  'skip-invalid': { type: 'flag' },
  sides: { type: 'string' },
} as const;

/** The weights of `--init`, which must be a language model of the run's architecture and tokenizer. */
function initWeights(file: string, cfg: GPTConfig, tokenizer: string): Float32Array {
  let ckpt: ReturnType<typeof loadCheckpoint>;
  try {
    ckpt = loadCheckpoint(readBytes(file), file, cfg);
  } catch (e) {
    throw new UsageError(`pretrain: --init ${(e as Error).message}`);
  }
  if (ckpt.heads.reward_head)
    throw new UsageError(`pretrain: --init ${file} is a preference model; continue from a language model`);
  const trained = tokenizerOfCheckpoint(ckpt.metadata, ckpt.cfg, file).name;
  if (trained !== tokenizer)
    throw new UsageError(
      `pretrain: --init ${file} was trained with the ${trained} tokenizer, this run uses ${tokenizer}`,
    );
  return ckpt.packed;
}

/** The metrics read every evaluation interval (defined with the run setup in src/train/lm-run.ts). */
export type IntervalMetrics = LMIntervalMetrics;

export async function pretrain(argv: string[]): Promise<void> {
  const a = parseArgs(argv, OPTIONS, 'pretrain');
  const preset = a.preset as string;
  if (!(preset in PRESETS))
    throw new UsageError(`pretrain: unknown --preset ${preset} (one of ${Object.keys(PRESETS).join(', ')})`);
  const tokenizerName = (a.tokenizer as string | undefined) ?? 'byte';
  if (!isTokenizerName(tokenizerName))
    throw new UsageError(`pretrain: unknown --tokenizer ${tokenizerName} (one of ${TOKENIZER_NAMES.join(', ')})`);
  const tokenizer = tokenizerByName(tokenizerName);
  // A preset fixes the architecture; the tokenizer fixes V (258 bytes, or GPT-2's 50257 BPE tokens).
  const cfg = { ...PRESETS[preset as PresetName], vocabSize: lmVocabSize(tokenizer) };
  const seed = (a.seed as number | undefined) ?? 1;
  const train = lmTrainConfig(cfg, {
    steps: a.steps as number,
    batchSize: a.batch as number | undefined,
    seqLen: a.seq as number | undefined,
    lr: a.lr as number | undefined,
    gradAccum: a['grad-accum'] as number | undefined,
  });
  if (!Number.isInteger(train.steps) || train.steps < 1)
    throw new UsageError(`pretrain: --steps must be a positive integer, got ${train.steps}`);
  if (train.seqLen > cfg.maxSeqLen)
    throw new UsageError(`pretrain: --seq ${train.seqLen} exceeds the ${preset} preset's maxSeqLen ${cfg.maxSeqLen}`);
  const sides = (a.sides as string | undefined) ?? 'chosen';
  if (sides !== 'chosen' && sides !== 'both')
    throw new UsageError(`pretrain: --sides must be chosen or both, got ${sides}`);
  const evalInterval = (a['eval-interval'] as number | undefined) ?? Math.max(1, Math.floor(train.steps / 10));
  const log = (s: string) => process.stderr.write(s);
  const init = a.init === undefined ? null : initWeights(a.init as string, cfg, tokenizer.name);

  // 1. data: unique transcripts, shuffled, 90 / 10 (src/train/lm-run.ts, shared with the notebook)
  const pairs = readHHFiles(a.data as string[], Boolean(a['skip-invalid']), log);
  const data = lmData(
    pairs.flatMap((p) => (sides === 'both' ? [p.chosen, p.rejected] : [p.chosen])),
    { tokenizer, assistantOnly: Boolean(a['assistant-only']), batchSize: train.batchSize, seqLen: train.seqLen, seed },
  );
  log(
    `data: ${data.transcripts} transcripts (${data.heldOutTranscripts} held out), ${data.trainTokens} training tokens\n`,
  );

  // 2. model and trainer
  const gpu = await createNodeGpu();
  const run = new LMRun(gpu, cfg, train, data, seed);
  if (init) gpu.write(run.trainer.model.params, init);
  log(
    `model: ${preset}${a.init ? ` from ${a.init}` : ''}, ${run.trainer.model.table.count.toLocaleString('en')} parameters, on ${gpu.adapter.vendor} ${gpu.adapter.architecture}\n`,
  );

  // 3. train, evaluating every evalInterval steps
  const history: IntervalMetrics[] = [];
  const progress = new Progress('pretrain', train.steps);
  const startLoss = await run.evaluate();
  for (let s = 1; s <= train.steps; s++) {
    run.takeStep();
    if (s % evalInterval === 0 || s === train.steps) {
      const m = await run.intervalMetrics();
      history.push(m);
      progress.update(
        s,
        `loss ${m['train/loss'].toFixed(3)} eval ${m['eval/loss'].toFixed(3)} ${m['train/tokens_per_second'].toFixed(0)} tok/s`,
      );
    }
  }
  progress.done();

  // 4. save: checkpoint first, then the report that points at it
  writeAtomic(a.out as string, await run.checkpoint({ tokenizer: tokenizer.name, preset }));
  log(`saved ${a.out}: held-out loss ${startLoss.toFixed(3)} → ${history.at(-1)!['eval/loss'].toFixed(3)}\n`);
  if (a.report) {
    const report = {
      command: 'pretrain',
      preset,
      init: a.init ?? null,
      tokenizer: tokenizer.name,
      sides,
      config: cfg,
      train,
      seed,
      data: a.data,
      adapter: gpu.adapter,
      initial_eval_loss: startLoss,
      history,
    };
    writeAtomic(a.report as string, `${JSON.stringify(report, null, 2)}\n`);
  }
  gpu.destroy();
}
