// `rlhf pretrain --data FILE… --preset NAME --steps N --out MODEL.safetensors [--report R.json]`:
// trains a language model on the transcripts of HH-format files (the chosen side of every pair,
// deduplicated), 90% for training and 10% held out by transcript, and saves a GPT-2-layout checkpoint.

import { LMBatcher, tokenizeTranscripts } from '../data/lm-batches.ts';
import { TOKENIZER_NAMES, isTokenizerName, lmVocabSize, tokenizerByName } from '../data/tokenizers.ts';
import { createNodeGpu } from '../kernels/device-node.ts';
import { randn, rng } from '../kernels/random.ts';
import { checkpointBytes } from '../models/checkpoint.ts';
import { PRESETS, type PresetName } from '../models/config.ts';
import { initParams } from '../models/params.ts';
import { DEFAULT_LM_TRAIN, LMTrainer, type LMTrainConfig } from '../train/lm.ts';
import { UsageError, parseArgs } from './args.ts';
import { readHHFiles, writeAtomic } from './files.ts';
import { Progress } from './progress.ts';

const OPTIONS = {
  data: { type: 'list', required: true },
  preset: { type: 'string', required: true },
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
} as const;

export interface IntervalMetrics {
  step: number;
  'train/loss': number;
  'eval/loss': number;
  'train/lr': number;
  'train/grad_norm': number;
  'train/tokens_per_second': number;
}

export async function pretrain(argv: string[]): Promise<void> {
  const a = parseArgs(argv, OPTIONS, 'pretrain');
  const preset = a.preset as string;
  if (!(preset in PRESETS)) throw new UsageError(`pretrain: unknown --preset ${preset} (one of ${Object.keys(PRESETS).join(', ')})`);
  const tokenizerName = (a.tokenizer as string | undefined) ?? 'byte';
  if (!isTokenizerName(tokenizerName)) throw new UsageError(`pretrain: unknown --tokenizer ${tokenizerName} (one of ${TOKENIZER_NAMES.join(', ')})`);
  const tokenizer = tokenizerByName(tokenizerName);
  // A preset fixes the architecture; the tokenizer fixes V (258 bytes, or GPT-2's 50257 BPE tokens).
  const cfg = { ...PRESETS[preset as PresetName], vocabSize: lmVocabSize(tokenizer) };
  const seed = (a.seed as number | undefined) ?? 1;
  const train: LMTrainConfig = {
    ...DEFAULT_LM_TRAIN,
    steps: a.steps as number,
    batchSize: (a.batch as number | undefined) ?? DEFAULT_LM_TRAIN.batchSize,
    seqLen: (a.seq as number | undefined) ?? Math.min(cfg.maxSeqLen, 128),
    lr: (a.lr as number | undefined) ?? DEFAULT_LM_TRAIN.lr,
    gradAccum: (a['grad-accum'] as number | undefined) ?? 1,
    warmupSteps: Math.min(DEFAULT_LM_TRAIN.warmupSteps, Math.floor((a.steps as number) / 10)),
  };
  if (!Number.isInteger(train.steps) || train.steps < 1) throw new UsageError(`pretrain: --steps must be a positive integer, got ${train.steps}`);
  if (train.seqLen > cfg.maxSeqLen) throw new UsageError(`pretrain: --seq ${train.seqLen} exceeds the ${preset} preset's maxSeqLen ${cfg.maxSeqLen}`);
  const evalInterval = (a['eval-interval'] as number | undefined) ?? Math.max(1, Math.floor(train.steps / 10));
  const log = (s: string) => process.stderr.write(s);

  // 1. data: unique chosen transcripts, shuffled, 90 / 10
  const pairs = readHHFiles(a.data as string[], Boolean(a['skip-invalid']), log);
  const transcripts = [...new Set(pairs.map((p) => p.chosen))];
  const random = rng(seed);
  for (let i = transcripts.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [transcripts[i], transcripts[j]] = [transcripts[j], transcripts[i]];
  }
  const nHeld = Math.max(1, Math.floor(transcripts.length / 10));
  const assistantOnly = Boolean(a['assistant-only']);
  const trainStream = tokenizeTranscripts(transcripts.slice(nHeld), tokenizer, assistantOnly);
  const heldStream = tokenizeTranscripts(transcripts.slice(0, nHeld), tokenizer, assistantOnly);
  const batches = new LMBatcher(trainStream, train.batchSize, train.seqLen, seed);
  const heldBatcher = new LMBatcher(heldStream, train.batchSize, train.seqLen, seed + 1);
  const heldOut = Array.from({ length: 4 }, () => heldBatcher.next());
  log(`data: ${transcripts.length} transcripts (${nHeld} held out), ${trainStream.tokens.length} training tokens\n`);

  // 2. model and trainer
  const gpu = await createNodeGpu();
  const trainer = new LMTrainer(gpu, cfg, train);
  gpu.write(trainer.model.params, initParams(trainer.model.table, cfg, (n) => randn(n, seed + 2)));
  log(`model: ${preset}, ${trainer.model.table.count.toLocaleString('en')} parameters, on ${gpu.adapter.vendor} ${gpu.adapter.architecture}\n`);

  // 3. train, evaluating every evalInterval steps
  const history: IntervalMetrics[] = [];
  const progress = new Progress('pretrain', train.steps);
  const tokensPerStep = train.batchSize * train.seqLen * train.gradAccum;
  let t0 = performance.now();
  let s0 = 0;
  const startLoss = await trainer.evaluate(heldOut);
  for (let s = 1; s <= train.steps; s++) {
    trainer.stepOn(Array.from({ length: train.gradAccum }, () => batches.next()));
    if (s % evalInterval === 0 || s === train.steps) {
      const m = await trainer.metrics();
      const tokensPerSecond = ((s - s0) * tokensPerStep) / ((performance.now() - t0) / 1000);
      const evalLoss = await trainer.evaluate(heldOut);
      history.push({ step: s, 'train/loss': m.loss, 'eval/loss': evalLoss, 'train/lr': m.lr, 'train/grad_norm': m.gradNorm, 'train/tokens_per_second': tokensPerSecond });
      progress.update(s, `loss ${m.loss.toFixed(3)} eval ${evalLoss.toFixed(3)} ${tokensPerSecond.toFixed(0)} tok/s`);
      t0 = performance.now();
      s0 = s;
    }
  }
  progress.done();

  // 4. save: checkpoint first, then the report that points at it
  const packed = (await gpu.read(trainer.model.params)) as Float32Array;
  writeAtomic(a.out as string, checkpointBytes(cfg, packed, { tokenizer: tokenizer.name, preset }));
  log(`saved ${a.out}: held-out loss ${startLoss.toFixed(3)} → ${history.at(-1)!['eval/loss'].toFixed(3)}\n`);
  if (a.report) {
    const report = { command: 'pretrain', preset, tokenizer: tokenizer.name, config: cfg, train, seed, data: a.data, adapter: gpu.adapter, initial_eval_loss: startLoss, history };
    writeAtomic(a.report as string, `${JSON.stringify(report, null, 2)}\n`);
  }
  gpu.destroy();
}
