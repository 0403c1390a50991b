// Progress with an ETA for long commands: a redrawn line on a terminal, a line every ~10% otherwise
// (logs, CI).

export class Progress {
  private readonly start = performance.now();
  private lastLogged = -1;

  constructor(private readonly label: string, private readonly total: number, private readonly out: NodeJS.WriteStream = process.stderr) {}

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

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}
