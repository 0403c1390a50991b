// The play / pause / step / reset / save loop every trainer runs under in the Worker (TensorFlow
// Playground's controls). A trainer plugs in as a `SteppableRun`; the loop decides when to read
// metrics back (every `evalInterval` steps while playing, after every single step), keeps at most two
// steps in flight on the GPU so that a pause takes effect after the current step, and yields to the
// Worker's message queue between steps so that `pause` arrives while playing.

import type { MetricPoint, TrainerKind, TrainerStatus, WorkerEvent } from '../protocol.ts';

export interface SteppableRun {
  /** Steps taken so far. */
  readonly step: number;
  /** Steps in the whole run. */
  readonly steps: number;
  /** Submits one step to the GPU; reads nothing back. */
  takeStep(): void;
  /** Resolves when everything submitted so far has finished on the GPU. */
  settle(): Promise<void>;
  /** Reads the last step's metrics (GPU reads, held-out evaluation). */
  readMetrics(): Promise<MetricPoint>;
  /** The run is idle from now on: stop timing (tokens/s must not count pauses). */
  stopClock(): void;
  /** The weights as a checkpoint file. */
  checkpoint(): Promise<{ bytes: Uint8Array; metadata: Record<string, string> }>;
  /** Frees the run's GPU memory (its trainer and whatever else it made); called once, by `reset`. */
  dispose(): void;
}

export type Post = (event: WorkerEvent, transfer?: Transferable[]) => void;

/** A stored run can resume after `step` of its `steps` when some steps are left. */
export function checkResumeStep(step: number, steps: number): void {
  if (!Number.isInteger(step) || step < 0 || step >= steps)
    throw new Error(`cannot resume at step ${step} of a ${steps}-step run`);
}

/** Status events while playing are throttled to this many milliseconds apart (metrics never are). */
const STATUS_EVERY_MS = 50;

let channel: MessageChannel | null = null;
const waiting: (() => void)[] = [];

/** Lets queued messages (a pause, a reset) run: a macrotask without setTimeout's 4 ms clamp. */
function yieldToMessages(): Promise<void> {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => waiting.shift()?.();
    // in Node (tests) the port must not keep the process alive on its own
    (channel.port1 as MessagePort & { unref?: () => void }).unref?.();
  }
  const port = channel.port2;
  return new Promise((resolve) => {
    waiting.push(resolve);
    port.postMessage(null);
  });
}

export class RunLoop {
  status: TrainerStatus = 'paused';
  private playing = false;
  private looping: Promise<void> | null = null;
  private lastStatus = 0;
  /** Why the run failed, once it has. */
  private failure: string | null = null;

  constructor(
    readonly trainer: TrainerKind,
    readonly run: string,
    private readonly steppable: SteppableRun,
    private readonly evalInterval: number,
    private readonly post: Post,
    /** While playing (and after a single step), send a checkpoint every this many steps; 0: never on its own. */
    private readonly saveInterval = 0,
  ) {}

  /** Runs steps until the end or a pause; returns at once. */
  play(): void {
    if (this.playing || this.steppable.step >= this.steppable.steps) return;
    this.playing = true;
    this.setStatus('playing');
    this.looping = this.loop().finally(() => {
      this.looping = null;
    });
  }

  /** Plays to the end; resolves when the run is done, rejects with the failure's message if it failed. */
  async playToEnd(): Promise<void> {
    this.play();
    await this.looping;
    if (this.status === 'failed') throw new Error(this.failure ?? `${this.trainer} run ${this.run} failed`);
  }

  /** Stops after the current step; resolves once the loop has stopped. */
  async pause(): Promise<void> {
    this.playing = false;
    await this.looping;
  }

  /** One step, then its metrics. Ignored while playing. */
  async stepOnce(): Promise<void> {
    if (this.playing || this.steppable.step >= this.steppable.steps) return;
    await this.guard(async () => {
      this.steppable.takeStep();
      this.emitMetrics(await this.steppable.readMetrics());
      this.steppable.stopClock();
      if (this.autoSaveDue(this.steppable.step)) await this.save();
      await this.afterStep();
    });
  }

  /** An automatic checkpoint is due after `step` (the last step's checkpoint is sent by afterStep anyway). */
  private autoSaveDue(step: number): boolean {
    return this.saveInterval > 0 && step % this.saveInterval === 0 && step < this.steppable.steps;
  }

  /** Stops the loop and frees the run's GPU memory; the caller drops the run. */
  async reset(): Promise<void> {
    await this.pause();
    this.status = 'none';
    this.steppable.dispose();
    this.emitStatus();
  }

  /** Sends the weights as they are now. */
  async save(): Promise<void> {
    const { bytes, metadata } = await this.steppable.checkpoint();
    this.post(
      { type: 'trainer-checkpoint', trainer: this.trainer, run: this.run, step: this.steppable.step, bytes, metadata },
      [bytes.buffer as ArrayBuffer],
    );
  }

  private async loop(): Promise<void> {
    await this.guard(async () => {
      let inFlight: Promise<void> | null = null;
      while (this.playing && this.steppable.step < this.steppable.steps) {
        this.steppable.takeStep();
        const step = this.steppable.step;
        if (step % this.evalInterval === 0 || step === this.steppable.steps) {
          this.emitMetrics(await this.steppable.readMetrics());
          inFlight = null;
        } else {
          // at most two steps in flight: wait for the previous one while this one runs
          const settled = this.steppable.settle();
          if (inFlight) await inFlight;
          inFlight = settled;
        }
        if (this.autoSaveDue(step)) {
          if (inFlight) await inFlight;
          inFlight = null;
          await this.save();
        }
        if (performance.now() - this.lastStatus > STATUS_EVERY_MS) this.emitStatus();
        await yieldToMessages();
      }
      if (inFlight) await inFlight;
      this.playing = false;
      this.steppable.stopClock();
      await this.afterStep();
    });
  }

  /** After a step or a pause: the final status, and the checkpoint when the run has ended. */
  private async afterStep(): Promise<void> {
    if (this.steppable.step >= this.steppable.steps) {
      this.setStatus('done');
      await this.save();
    } else {
      this.setStatus('paused');
    }
  }

  private async guard(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e) {
      this.playing = false;
      this.failure = e instanceof Error ? e.message : String(e);
      this.setStatus('failed', this.failure);
    }
  }

  private emitMetrics(point: MetricPoint): void {
    this.post({ type: 'trainer-metrics', trainer: this.trainer, run: this.run, point });
    this.emitStatus();
  }

  private setStatus(status: TrainerStatus, message?: string): void {
    this.status = status;
    this.emitStatus(message);
  }

  private emitStatus(message?: string): void {
    this.lastStatus = performance.now();
    this.post({
      type: 'trainer-status',
      trainer: this.trainer,
      run: this.run,
      status: this.status,
      step: this.steppable.step,
      steps: this.steppable.steps,
      ...(message ? { message } : {}),
    });
  }
}
