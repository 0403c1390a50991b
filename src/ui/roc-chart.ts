// <roc-chart>: ROC curves (false-positive rate → true-positive rate), one line per detector, with the chance
// diagonal. Drawn with uPlot like <metric-chart> and <calibration-chart> (axes, legend and cursor are uPlot's);
// the columns come from src/ui/roc-data.ts. A new set of curves is drawn on the next animation frame, so however
// often `curves` changes the chart redraws at most once per frame; the plot is rebuilt then, since the number
// of curves (series) may change with it. `data-curves` says how many curves the last drawing has.

import { LitElement, css, html, unsafeCSS, type PropertyValues } from 'lit';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import type { RocPoint } from '../eval/ood.ts';
import { rocColumns } from './roc-data.ts';

export interface RocCurve {
  label: string;
  points: readonly RocPoint[];
}

const COLORS = ['#1a73e8', '#e8710a', '#188038', '#a142f4'];

export class RocChart extends LitElement {
  static override properties = {
    curves: { attribute: false },
    height: { type: Number },
  };

  curves: readonly RocCurve[] = [];
  height = 300;

  private plot: uPlot | null = null;
  private frame = 0;

  static override styles = [unsafeCSS(uplotCss), css`:host { display: block; }`];

  override render() {
    return html`<div id="plot" role="img" aria-label="ROC curves: false-positive rate against true-positive rate"></div>`;
  }

  override updated(changed: PropertyValues<this>): void {
    if ((changed.has('curves') || changed.has('height')) && !this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.draw();
      });
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.plot?.destroy();
    this.plot = null;
  }

  private draw(): void {
    if (!this.isConnected) return;
    const target = this.renderRoot.querySelector<HTMLDivElement>('#plot')!;
    this.plot?.destroy();
    const size = Math.max(240, Math.min(420, this.clientWidth || 380));
    this.plot = new uPlot(
      {
        width: size,
        height: this.height,
        scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
        axes: [
          { label: 'false-positive rate (in-distribution flagged)' },
          { label: 'true-positive rate (OOD flagged)' },
        ],
        series: [
          { label: 'FPR' },
          { label: 'chance', stroke: '#999', width: 1, dash: [4, 4], points: { show: false } },
          ...this.curves.map((c, i) => ({
            label: c.label,
            stroke: COLORS[i % COLORS.length],
            width: 2,
            spanGaps: true,
            points: { show: false },
          })),
        ],
        legend: { live: true },
      },
      rocColumns(this.curves.map((c) => c.points)) as uPlot.AlignedData,
      target,
    );
    this.dataset.curves = String(this.curves.length);
  }
}

customElements.define('roc-chart', RocChart);
