// Progress with an ETA for long commands: a redrawn line on a terminal, a line every ~10% otherwise
// (logs, CI).

import { formatSeconds } from '../util/format.ts';

export class Progress {
  private readonly start = performance.now();
  private lastLogged = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, detail = ''): void {
    const elapsed = (performance.now() - this.start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : NaN;
    const line = `${this.label} ${done}/${this.total} ${((100 * done) / this.total).toFixed(0)}% ${formatSeconds(elapsed)} elapsed, ETA ${formatSeconds(eta)}${detail ? `  ${detail}` : ''}`;
    if (this.out.isTTY) this.out.write(`\r\x1b[2K${line}`);
    else {
      const decile = Math.floor((10 * done) / this.total);
      if (decile !== this.lastLogged) {
        this.lastLogged = decile;
        this.out.write(`${line}\n`);
      }
    }
  }

  done(detail = ''): void {
    this.update(this.total, detail);
    if (this.out.isTTY) this.out.write('\n');
  }
}
