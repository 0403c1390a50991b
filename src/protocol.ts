// The only contract between the notebook's UI and its Worker: typed commands in, typed events out.
// The Worker owns the GPU; the UI never touches it. The UI owns storage (IndexedDB): it sends the
// Worker the text a trainer needs and stores the checkpoints the Worker sends back.
//
// Every trainer answers the same controls (Playground's play / pause / step / reset, plus save) and
// reports with the same events (status, metric points, checkpoints), so one UI controller, one
// control bar and one chart element serve every stage. A trainer's `create` command is its own.

import type { AdapterSummary } from './kernels/gpu.ts';
import type { CheckResult } from './kernels/selfcheck.ts';

/** The trainers the Worker runs. Later stages add theirs here ('pm', 'rlhf'). */
export type TrainerKind = 'lm';

/**
 * play: run steps until the end or a pause; pause: stop after the current step; step: one step
 * (metrics read after it); reset: drop the run and free it; save: send the weights as a checkpoint.
 */
export type TrainerAction = 'play' | 'pause' | 'step' | 'reset' | 'save';

/** none: no run; preparing: tokenizing / compiling; paused; playing; done: every step taken; failed. */
export type TrainerStatus = 'none' | 'preparing' | 'paused' | 'playing' | 'done' | 'failed';

/** One row of a run's history: the step and namespaced metrics (`train/loss`, `eval/loss`, …). */
export type MetricPoint = { step: number } & Record<string, number>;

/** The base language model's settings (the notebook's Base-model knobs, resolved). */
export interface LMRunSettings {
  preset: 'nano' | 'tiny';
  steps: number;
  batchSize: number;
  seqLen: number;
  lr: number;
  assistantOnly: boolean;
  /** Read metrics and evaluate the held-out batches every this many steps while playing. */
  evalInterval: number;
  seed: number;
}

export type Command =
  | { type: 'init' }
  | { type: 'self-check' }
  /** Starts a language-model run (dropping any previous one) on `transcripts` (context + chosen). */
  | { type: 'lm-create'; run: string; settings: LMRunSettings; transcripts: string[] }
  | { type: 'trainer'; trainer: TrainerKind; run: string; action: TrainerAction };

export type WorkerEvent =
  | { type: 'ready'; adapter: AdapterSummary; limits: Record<string, number> }
  | { type: 'no-webgpu'; reason: string }
  | { type: 'self-check'; results: CheckResult[] }
  | { type: 'error'; command: Command['type']; message: string }
  /** A trainer's state changed (sent on every step while playing; the UI coalesces per frame). */
  | { type: 'trainer-status'; trainer: TrainerKind; run: string; status: TrainerStatus; step: number; steps: number; message?: string }
  /** What a run was built from, once it is ready. */
  | { type: 'trainer-info'; trainer: TrainerKind; run: string; info: Record<string, number | string> }
  | { type: 'trainer-metrics'; trainer: TrainerKind; run: string; point: MetricPoint }
  /** The weights at `step` as a safetensors file (GPT-2 layout), on `save` and at the end of a run. */
  | { type: 'trainer-checkpoint'; trainer: TrainerKind; run: string; step: number; bytes: Uint8Array; metadata: Record<string, string> };
