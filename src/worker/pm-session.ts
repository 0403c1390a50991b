// The Preference-model stage in the Worker (Bai et al. 2022, §3): translates `pm-create` into a PMRun
// (src/train/pm-run.ts, the same setup as `rlhf pm`), hands it to a RunLoop and turns what it reads into
// protocol events; and scores a stored preference model on sets of comparisons for the Evaluate stage.
//   settings  pmRunConfigOf: each dataset split by the seed (splitDatasets, the split the Evaluate stage finds
//             again); the byte tokenizer (the notebook's models read bytes); the trunk from the base checkpoint
//             the UI sends, else the settings' preset at random (the preset names the size of a random trunk
//             only: a checkpoint brings its own)
//   events    trainer-info (what the run was built from), pm-report at every evaluation (the monitored
//             held-out pairs' accuracy, loss, calibration, ECE and length baselines), and at every metrics
//             read, before the evaluation reuses the reward buffer, pm-inspect (the step's batch as the loss
//             saw it: the step-through table)
//   resume    `pm-create` with `resume`: the run is rebuilt from the same settings, data and starting trunk,
//             then PMRun.resumeAt puts the stored checkpoint's trunk, head, step and batch stream in place.
//             Deviation: AdamW's moments restart from zero (not stored in a checkpoint).
// Nothing here imports the DOM: it runs in the Worker and, in the tests, in Node.

import { byteTokenizer, type Tokenizer } from '../data/tokenizer.ts';
import { scorePMOnSets, type PMCellResult } from '../eval/pm-cells.ts';
import type { Gpu } from '../kernels/gpu.ts';
import { loadCheckpoint } from '../models/checkpoint.ts';
import { BYTE_VOCAB, type GPTConfig } from '../models/config.ts';
import type { Command, MetricPoint, PMComparison, PMDataset, PMInspectPair } from '../protocol.ts';
import type { PMStepInspection } from '../train/pm.ts';
import { isCut, planPMRun, PMRun, splitDatasets, type PMRunConfig } from '../train/pm-run.ts';
import { checkResumeStep, RunLoop, type Post, type SteppableRun } from './run-loop.ts';

export { bestLengthRule, isCut, MONITOR_PAIRS, splitDatasets } from '../train/pm-run.ts';

type PMCreate = Extract<Command, { type: 'pm-create' }>;

/** Characters of the shared context shown per pair in the step-through table. */
export const CONTEXT_SNIPPET = 160;
/** The context's last `n` characters, '…' first when it was longer. */
export function contextSnippet(context: string, n = CONTEXT_SNIPPET): string {
  return context.length <= n ? context : `…${context.slice(context.length - (n - 1))}`;
}

/** The pairs of a step's batch with their rewards and losses, for the step-through table. */
export function inspectPairs(
  pairs: readonly PMComparison[],
  step: PMStepInspection,
  tokenizer: Tokenizer,
  T: number,
): PMInspectPair[] {
  return pairs.map((c, p) => ({
    context: contextSnippet(c.context),
    chosen: c.chosen,
    rejected: c.rejected,
    subset: c.subset,
    cut: isCut(c, tokenizer, T),
    rChosen: step.chosen[p],
    rRejected: step.rejected[p],
    loss: step.losses[p],
  }));
}

/**
 * Checks that a checkpoint reads bytes, as every model of the notebook does: its `tokenizer` metadata, or
 * for a file without it a byte-sized vocabulary.
 */
function requireByteTokenizer(metadata: Record<string, string>, cfg: GPTConfig, file: string): Tokenizer {
  const name =
    metadata.tokenizer ?? (cfg.vocabSize === BYTE_VOCAB ? 'byte' : `unknown (a vocabulary of ${cfg.vocabSize})`);
  if (name !== byteTokenizer.name)
    throw new Error(`${file} was trained with the ${name} tokenizer; the notebook's models read bytes`);
  return byteTokenizer;
}

/** The run a `pm-create` command asks for (the same PMRunConfig `rlhf pm` builds from its options). */
export function pmRunConfigOf(command: PMCreate): PMRunConfig<PMComparison> {
  const { settings: s, init } = command;
  let trunk: PMRunConfig['trunk'];
  if (init) {
    const checkpoint = loadCheckpoint(init.bytes, init.checkpoint);
    requireByteTokenizer(checkpoint.metadata, checkpoint.cfg, init.checkpoint);
    trunk = { kind: 'checkpoint', name: init.checkpoint, checkpoint };
  } else {
    trunk = { kind: 'random', preset: s.preset, tokenizer: byteTokenizer };
  }
  const { train, heldOut } = splitDatasets(command.datasets, s.seed);
  return {
    trunk,
    train,
    heldOut,
    seed: s.seed,
    steps: s.steps,
    pairsPerBatch: s.pairsPerBatch,
    seqLen: s.seqLen,
    lr: s.lr,
  };
}

/** Starts a preference-model run: reports what it was built from and the held-out evaluation at step 0. */
export async function createPMLoop(gpu: Gpu, command: PMCreate, post: Post): Promise<RunLoop> {
  const { run: runId, settings: s } = command;
  const preparing = 'tokenizing and compiling the kernels';
  post({
    type: 'trainer-status',
    trainer: 'pm',
    run: runId,
    status: 'preparing',
    step: command.resume?.step ?? 0,
    steps: s.steps,
    message: preparing,
  });
  const plan = planPMRun(pmRunConfigOf(command));
  if (command.resume) checkResumeStep(command.resume.step, s.steps);
  const run = new PMRun(gpu, plan);
  try {
    if (command.resume) run.resumeAt(command.resume.bytes, command.resume.step);
  } catch (e) {
    run.dispose();
    throw e;
  }
  const T = run.train.seqLen;

  const evaluated = (step: number, report: Awaited<ReturnType<PMRun['evaluate']>>['report']) =>
    post({ type: 'pm-report', run: runId, step, report });
  post({
    type: 'trainer-info',
    trainer: 'pm',
    run: runId,
    info: {
      model: plan.preset,
      'trunk from': plan.trunkFrom,
      parameters: run.parameters,
      'training pairs': plan.trainPairs.length,
      'held-out pairs': plan.heldOutPairs.length,
      'held-out pairs scored': plan.monitorPairs.length,
      'training pairs cut to T': plan.cutTrainPairs,
      'sequence length': T,
      'warm-up steps': run.train.warmupSteps,
      ...(command.resume ? { 'resumed at step': command.resume.step } : {}),
    },
  });
  const initial = await run.evaluate();
  evaluated(run.step, initial.report);
  post({ type: 'trainer-metrics', trainer: 'pm', run: runId, point: { step: run.step, ...initial.metrics } });

  const steppable: SteppableRun = {
    get step() {
      return run.step;
    },
    steps: s.steps,
    takeStep: () => run.takeStep(),
    settle: () => run.settle(),
    dispose: () => run.dispose(),
    readMetrics: async (): Promise<MetricPoint> => {
      // the step's own rewards first: the evaluation overwrites them
      const { inspection, pairs } = await run.inspectStep();
      post({
        type: 'pm-inspect',
        run: runId,
        step: inspection.step,
        pairs: inspectPairs(pairs, inspection, plan.tokenizer, T),
      });
      const { point, report } = await run.intervalMetrics();
      evaluated(point.step, report);
      return point;
    },
    stopClock: () => run.stopClock(),
    checkpoint: async () => {
      const metadata = run.metadata({ datasets: command.datasets.map((d) => d.id).join(',') });
      return { bytes: await run.checkpoint(metadata), metadata };
    },
  };
  return new RunLoop('pm', runId, steppable, s.evalInterval, post, s.saveInterval ?? 0);
}

/**
 * A stored preference model's accuracy (with its 95% interval), n and ECE on each set (eval/pm-cells.ts): the
 * notebook's models read bytes.
 */
export async function evaluatePM(
  gpu: Gpu,
  bytes: Uint8Array,
  sets: readonly PMDataset[],
  file = 'checkpoint',
): Promise<PMCellResult[]> {
  const ckpt = loadCheckpoint(bytes, file);
  if (!ckpt.heads.reward_head) throw new Error(`${file}: no reward head: not a preference model`);
  return scorePMOnSets(gpu, ckpt, requireByteTokenizer(ckpt.metadata, ckpt.cfg, file), sets, file);
}
