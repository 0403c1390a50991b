// <calibration-chart>: a preference model's calibration diagram (Bai et al. 2022, Figure 9's kind): for
// each of 10 bins of the predicted probability σ(r_chosen − r_rejected), how often the predicted event
// happened, against the diagonal of perfect calibration (the stage prints the ECE beside it). Drawn with uPlot like
// <metric-chart> (axes, legend and cursor are uPlot's); the bins also come as a small table.

import { LitElement, css, html, unsafeCSS, type PropertyValues } from 'lit';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import type { CalibrationBin } from '../eval/calibration.ts';
import { calibrationSeries } from './pm-view.ts';
import { shared } from './styles.ts';

export class CalibrationChart extends LitElement {
  static override properties = {
    bins: { attribute: false },
    height: { type: Number },
  };

  bins: readonly CalibrationBin[] = [];
  height = 240;

  private plot: uPlot | null = null;

  static override styles = [
    shared,
    unsafeCSS(uplotCss),
    css`
      :host { display: block; }
      table { font-size: 0.85em; margin-top: 6px; }
      td, th { padding: 1px 10px 1px 0; }
    `,
  ];

  override render() {
    const filled = this.bins.filter((b) => b.count > 0);
    return html`<div id="plot" role="img" aria-label="calibration diagram"></div>
      <details>
        <summary class="hint">the ${filled.length} non-empty bins (each pair counts twice: chosen p, rejected 1 − p)</summary>
        <table id="calibration-bins">
          <tr><th>bin</th><th>predicted</th><th>observed</th><th>events</th></tr>
          ${filled.map(
            (b) => html`<tr class="bin"><td>${b.lo.toFixed(1)}–${b.hi.toFixed(1)}</td><td>${b.predicted.toFixed(3)}</td>
            <td>${b.observed.toFixed(3)}</td><td>${b.count}</td></tr>`,
          )}
        </table>
      </details>`;
  }

  override firstUpdated(): void {
    this.draw();
  }

  override updated(changed: PropertyValues<this>): void {
    if (changed.has('bins')) {
      if (this.plot) this.plot.setData(this.data());
      this.dataset.bins = String(this.bins.filter((b) => b.count > 0).length);
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.plot?.destroy();
    this.plot = null;
  }

  private draw(): void {
    const target = this.renderRoot.querySelector<HTMLDivElement>('#plot')!;
    const width = Math.max(240, Math.min(420, this.clientWidth || 360));
    this.plot = new uPlot(
      {
        width,
        height: this.height,
        scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
        axes: [{ label: 'predicted P(chosen ≻ rejected) = σ(margin)' }, { label: 'observed frequency' }],
        series: [
          { label: 'predicted' },
          { label: 'observed', stroke: '#1a73e8', width: 2, spanGaps: false, points: { show: true, size: 7 } },
          { label: 'perfect calibration', stroke: '#999', width: 1, dash: [4, 4], points: { show: false } },
        ],
        legend: { live: true },
      },
      this.data(),
      target,
    );
  }

  private data(): uPlot.AlignedData {
    const s = calibrationSeries(this.bins);
    return [s.x, s.observed, s.ideal];
  }
}

customElements.define('calibration-chart', CalibrationChart);
