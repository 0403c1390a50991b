// Running mean and variance over every value seen so far, updated a batch at a time (Chan et al.'s parallel
// update; TRL's RunningMoments): PPO's score normalisation divides each batch of scores by them.

export class RunningMoments {
  count = 0;
  mean = 0;
  /** Σ (x − mean)² over all values seen. */
  m2 = 0;

  /** Adds a batch of values. */
  update(xs: readonly number[]): void {
    const n = xs.length;
    if (n === 0) return;
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const m2 = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
    const total = this.count + n;
    const delta = mean - this.mean;
    this.m2 += m2 + (delta * delta * this.count * n) / total;
    this.mean += (delta * n) / total;
    this.count = total;
  }

  /** The sample standard deviation (n − 1), 1 before two values have been seen. */
  get std(): number {
    return this.count > 1 ? Math.sqrt(this.m2 / (this.count - 1)) : 1;
  }
}
