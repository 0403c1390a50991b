// The Base-model stage in the Worker: builds an LMRun (src/train/lm-run.ts, the same setup as
// `rlhf pretrain`) from the transcripts the UI sends, reports what it was built from and the initial
// held-out loss, and hands it to a RunLoop as a SteppableRun.
//
// Resume (`lm-create` with `resume`): the run is rebuilt exactly as before from the same transcripts and seed,
// then the checkpoint's weights replace the initial ones, the optimizer's step counter is set to the stored
// step (so the warm-up / cosine schedule and AdamW's bias correction continue there) and the training-batch
// stream is advanced past the batches already trained on. Deviation: AdamW's first and second moments are
// not stored in a checkpoint, so they restart from zero; the first steps after a resume are therefore a
// little smaller than in an uninterrupted run (m and v re-warm within ~1/(1−β2) steps).

import { byteTokenizer } from '../data/tokenizer.ts';
import type { Gpu } from '../kernels/gpu.ts';
import { loadCheckpoint } from '../models/checkpoint.ts';
import { PRESETS } from '../models/config.ts';
import type { Command } from '../protocol.ts';
import { LMRun, lmData, lmTrainConfig } from '../train/lm-run.ts';
import { checkResumeStep, RunLoop, type Post, type SteppableRun } from './run-loop.ts';

type LMCreate = Extract<Command, { type: 'lm-create' }>;

export async function createLMLoop(gpu: Gpu, command: LMCreate, post: Post): Promise<RunLoop> {
  const { run: runId, settings: s, transcripts } = command;
  post({
    type: 'trainer-status',
    trainer: 'lm',
    run: runId,
    status: 'preparing',
    step: command.resume?.step ?? 0,
    steps: s.steps,
    message: 'tokenizing and compiling the kernels',
  });
  const cfg = PRESETS[s.preset];
  if (!cfg) throw new Error(`unknown preset ${s.preset}`);
  if (s.seqLen > cfg.maxSeqLen)
    throw new Error(`sequence length ${s.seqLen} exceeds the ${s.preset} preset's maximum ${cfg.maxSeqLen}`);
  const train = lmTrainConfig(cfg, { steps: s.steps, batchSize: s.batchSize, seqLen: s.seqLen, lr: s.lr });
  const data = lmData(transcripts, {
    tokenizer: byteTokenizer,
    assistantOnly: s.assistantOnly,
    batchSize: s.batchSize,
    seqLen: s.seqLen,
    seed: s.seed,
  });
  const run = new LMRun(gpu, cfg, train, data, s.seed);
  if (command.resume) resumeRun(run, command.resume, s.steps);
  const initialEvalLoss = await run.evaluate();
  post({
    type: 'trainer-info',
    trainer: 'lm',
    run: runId,
    info: {
      parameters: run.trainer.model.table.count,
      'unique transcripts': data.transcripts,
      'held out': data.heldOutTranscripts,
      'training tokens': data.trainTokens,
      'tokens per step': run.tokensPerStep,
      'warm-up steps': train.warmupSteps,
      ...(command.resume ? { 'resumed at step': command.resume.step } : {}),
    },
  });
  post({ type: 'trainer-metrics', trainer: 'lm', run: runId, point: { step: run.step, 'eval/loss': initialEvalLoss } });

  const steppable: SteppableRun = {
    get step() {
      return run.step;
    },
    steps: s.steps,
    takeStep: () => run.takeStep(),
    settle: () => gpu.sync(),
    readMetrics: () => run.intervalMetrics(),
    stopClock: () => run.stopClock(),
    checkpoint: async () => {
      const metadata = {
        tokenizer: byteTokenizer.name,
        preset: s.preset,
        step: String(run.step),
        seed: String(s.seed),
      };
      return { bytes: await run.checkpoint(metadata), metadata };
    },
    dispose: () => run.dispose(),
  };
  return new RunLoop('lm', runId, steppable, s.evalInterval, post, s.saveInterval ?? 0);
}

/** Puts a freshly built run where the stored one stopped: its weights, its step, its place in the batch stream. */
function resumeRun(run: LMRun, resume: { bytes: Uint8Array; step: number }, steps: number): void {
  const { step } = resume;
  checkResumeStep(step, steps);
  const ckpt = loadCheckpoint(resume.bytes, `resume@${step}`, run.cfg);
  run.gpu.write(run.trainer.model.params, ckpt.packed);
  run.trainer.step = step;
  for (let i = 0; i < step * run.train.gradAccum; i++) run.data.batches.next();
}
