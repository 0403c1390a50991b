// The Worker's play / pause / step / reset / save loop (src/worker/run-loop.ts) on a fake trainer:
// play runs to the end reading metrics every evalInterval steps and at the last, then stores a
// checkpoint; pause stops after the current step; step is ignored while playing; a failing step
// reports `failed` with its message.

import { describe, expect, it } from 'vitest';
import type { MetricPoint, WorkerEvent } from '../../src/protocol.ts';
import { RunLoop, type SteppableRun } from '../../src/worker/run-loop.ts';

function fakeRun(
  steps: number,
  failAt = Infinity,
): SteppableRun & { reads: number[]; disposed: number; stepAtDispose: number } {
  let step = 0;
  const reads: number[] = [];
  return {
    reads,
    disposed: 0,
    stepAtDispose: -1,
    get step() {
      return step;
    },
    steps,
    takeStep() {
      if (step + 1 === failAt) throw new Error(`loss is NaN at step ${failAt}`);
      step++;
    },
    settle: () => new Promise((r) => setTimeout(r, 1)),
    async readMetrics(): Promise<MetricPoint> {
      reads.push(step);
      return { step, 'train/loss': 1 / step };
    },
    stopClock() {},
    async checkpoint() {
      return { bytes: new Uint8Array([step]), metadata: { step: String(step) } };
    },
    dispose() {
      this.disposed++;
      this.stepAtDispose = step;
    },
  };
}

function recorder() {
  const events: WorkerEvent[] = [];
  return { events, post: (e: WorkerEvent) => void events.push(e) };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(cond()).toBe(true);
};

describe('RunLoop', () => {
  it('play runs to the end, reads metrics every evalInterval steps and at the last, then sends a checkpoint', async () => {
    const run = fakeRun(7);
    const { events, post } = recorder();
    const loop = new RunLoop('lm', 'r1', run, 3, post);
    loop.play();
    await until(() => loop.status === 'done' && events.some((e) => e.type === 'trainer-checkpoint'));
    expect(run.reads).toEqual([3, 6, 7]);
    expect(
      events.filter((e) => e.type === 'trainer-metrics').map((e) => (e as { point: MetricPoint }).point.step),
    ).toEqual([3, 6, 7]);
    const checkpoint = events.find((e) => e.type === 'trainer-checkpoint');
    expect(checkpoint).toMatchObject({ trainer: 'lm', run: 'r1', step: 7, metadata: { step: '7' } });
    const last = events.filter((e) => e.type === 'trainer-status').at(-1);
    expect(last).toMatchObject({ status: 'done', step: 7, steps: 7 });
    loop.play(); // nothing left to do
    expect(loop.status).toBe('done');
  });

  it('pause stops after the current step; step takes exactly one step and reads its metrics', async () => {
    const run = fakeRun(1000);
    const { events, post } = recorder();
    const loop = new RunLoop('lm', 'r2', run, 100, post);
    loop.play();
    await until(() => run.step >= 5);
    await loop.pause();
    const stoppedAt = run.step;
    expect(loop.status).toBe('paused');
    await new Promise((r) => setTimeout(r, 20));
    expect(run.step).toBe(stoppedAt);
    await loop.stepOnce();
    expect(run.step).toBe(stoppedAt + 1);
    expect(run.reads.at(-1)).toBe(stoppedAt + 1);
    expect(events.at(-1)).toMatchObject({ type: 'trainer-status', status: 'paused', step: stoppedAt + 1 });
    expect(events.some((e) => e.type === 'trainer-checkpoint')).toBe(false);
  });

  it('step is ignored while playing; reset stops the loop and reports none', async () => {
    const run = fakeRun(1000);
    const { events, post } = recorder();
    const loop = new RunLoop('lm', 'r3', run, 1000, post);
    loop.play();
    await until(() => run.step >= 2);
    const reads = run.reads.length;
    await loop.stepOnce();
    expect(run.reads.length).toBe(reads);
    expect(run.disposed).toBe(0);
    await loop.reset();
    const at = run.step;
    await new Promise((r) => setTimeout(r, 20));
    expect(run.step).toBe(at);
    expect(events.at(-1)).toMatchObject({ type: 'trainer-status', status: 'none' });
    // the run's GPU memory is freed once, after its last step
    expect(run.disposed).toBe(1);
    expect(run.stepAtDispose).toBe(at);
  });

  it('a failing step reports failed with its message and stops', async () => {
    const run = fakeRun(10, 4);
    const { events, post } = recorder();
    const loop = new RunLoop('lm', 'r4', run, 2, post);
    loop.play();
    await until(() => loop.status === 'failed');
    expect(events.at(-1)).toMatchObject({
      type: 'trainer-status',
      status: 'failed',
      step: 3,
      message: 'loss is NaN at step 4',
    });
  });
});
