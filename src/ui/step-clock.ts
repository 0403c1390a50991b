// The pace of a playing run and the time it has left, for the notebook's trainer controls (the command line's
// Progress does the same for `rlhf` commands). It counts only steps taken while playing: a pause, a single step,
// a failure or a new run starts it again, so time spent paused never counts, and the first measured interval
// begins once play has started (a run's kernels compile while it is still 'preparing').

import type { TrainerStatus } from '../protocol.ts';
import { formatSeconds } from '../util/format.ts';

interface Mark {
  step: number;
  /** Milliseconds (performance.now()). */
  t: number;
}

export class StepClock {
  private from: Mark | null = null;
  private latest: Mark | null = null;

  /** Notes the trainer's status and step at time `now` (ms); call on every status or step change. */
  observe(status: TrainerStatus, step: number, now: number): void {
    if (status !== 'playing') {
      this.from = this.latest = null;
    } else if (!this.from || step < this.from.step) {
      this.from = { step, t: now };
      this.latest = null;
    } else if (step > (this.latest ?? this.from).step) {
      this.latest = { step, t: now };
    }
  }

  /** Seconds per step since play began, once a step has finished while playing (and the clock has moved); else null. */
  secondsPerStep(): number | null {
    if (!this.from || !this.latest || this.latest.t <= this.from.t) return null;
    return (this.latest.t - this.from.t) / 1000 / (this.latest.step - this.from.step);
  }

  /** "2.1 s/step · 6m57s left" for a run of `steps` steps now at `step`, or '' while there is no pace to tell. */
  text(step: number, steps: number): string {
    const s = this.secondsPerStep();
    if (s === null) return '';
    const pace = s >= 1 ? `${s.toFixed(1)} s/step` : `${(1 / s).toFixed(s > 0.1 ? 1 : 0)} steps/s`;
    return `${pace} · ${formatSeconds(s * Math.max(0, steps - step))} left`;
  }
}
