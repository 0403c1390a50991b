// The notebook's pace and time-left line (src/ui/step-clock.ts, shown by <trainer-controls> through
// TrainerController.pace): measured only over steps taken while playing, started again by a pause or a new run.

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WorkerEvent } from '../../src/protocol.ts';
import { StepClock } from '../../src/ui/step-clock.ts';
import { TrainerController } from '../../src/ui/trainer-controller.ts';
import type { WorkerClient } from '../../src/ui/worker-client.ts';

describe('StepClock', () => {
  it('tells nothing until a step has finished while playing, then the pace and the time left', () => {
    const c = new StepClock();
    c.observe('paused', 2, 0);
    expect(c.text(2, 100)).toBe('');
    c.observe('playing', 2, 1_000);
    expect(c.secondsPerStep()).toBeNull();
    c.observe('playing', 2, 2_000); // a status with no new step changes nothing
    c.observe('playing', 6, 9_000); // 4 steps in 8 s
    expect(c.secondsPerStep()).toBe(2);
    expect(c.text(6, 100)).toBe('2.0 s/step · 3m08s left');
    expect(c.text(100, 100)).toBe('2.0 s/step · 0s left');
  });

  it('writes a fast pace as steps per second', () => {
    const c = new StepClock();
    c.observe('playing', 0, 0);
    c.observe('playing', 2, 0); // two steps reported within the clock's resolution: no pace yet, not an infinite one
    expect(c.text(2, 400)).toBe('');
    c.observe('playing', 40, 1_000);
    expect(c.text(40, 400)).toBe('40 steps/s · 9s left');
    c.observe('playing', 44, 2_000); // 44 steps in 2 s
    expect(c.text(44, 400)).toBe('22 steps/s · 16s left');
  });

  it('does not count time spent paused, and starts again with a new run', () => {
    const c = new StepClock();
    c.observe('playing', 0, 0);
    c.observe('playing', 5, 5_000);
    c.observe('paused', 5, 6_000);
    expect(c.text(5, 10)).toBe('');
    c.observe('playing', 5, 600_000); // ten minutes later
    c.observe('playing', 7, 601_000);
    expect(c.secondsPerStep()).toBe(0.5);
    c.observe('playing', 0, 700_000); // a new run's first status: its step count is back at 0
    expect(c.secondsPerStep()).toBeNull();
  });
});

describe('TrainerController.pace', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });

  it("follows the Worker's status events of its own run", () => {
    vi.stubGlobal('requestAnimationFrame', () => 1); // the host update is not what this test looks at
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    let listener: (e: WorkerEvent) => void = () => {};
    const host = {
      addController: () => {},
      removeController: () => {},
      requestUpdate: () => {},
      updateComplete: Promise.resolve(true),
    };
    const ctl = new TrainerController(host, 'pm');
    ctl.setClient({
      send: () => {},
      on: (f: (e: WorkerEvent) => void) => ((listener = f), () => {}),
    } as unknown as WorkerClient);
    ctl.hostConnected();
    ctl.begin('run-1', 50);
    const status = (run: string, status: 'playing' | 'paused', step: number, t: number) => {
      now = t;
      listener({ type: 'trainer-status', trainer: 'pm', run, status, step, steps: 50 });
    };
    status('run-1', 'playing', 0, 10_000);
    expect(ctl.pace()).toBe('');
    status('run-1', 'playing', 10, 40_000);
    expect(ctl.pace()).toBe('3.0 s/step · 2m00s left');
    status('run-2', 'playing', 20, 41_000); // another run's event is ignored
    expect(ctl.pace()).toBe('3.0 s/step · 2m00s left');
    status('run-1', 'paused', 10, 42_000);
    expect(ctl.pace()).toBe('');
  });
});
