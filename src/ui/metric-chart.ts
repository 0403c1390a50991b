// <metric-chart>: a live line chart of metric histories (x = step), wrapped around uPlot.
// Why uPlot: it is small (~50 KB), fast, made for live-updating time series (setData redraws
// thousands of points in well under a frame), and draws its own axes, legend and cursor — no
// hand-written axis code here. The chart redraws only when `revision` changes, and its owner bumps
// `revision` at most once per animation frame (TrainerController), so there is at most one redraw
// per frame.

import { LitElement, css, html, unsafeCSS, type PropertyValues } from 'lit';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import type { MetricPoint } from '../protocol.ts';

const COLORS = ['#1a73e8', '#e8710a', '#188038', '#a142f4', '#d93025', '#12b5cb'];

export class MetricChart extends LitElement {
  static override properties = {
    metrics: { type: Array },
    points: { attribute: false },
    revision: { type: Number },
    label: { type: String },
    height: { type: Number },
  };

  /** Which metrics to draw (keys of the points), one line each. */
  metrics: string[] = [];
  points: readonly MetricPoint[] = [];
  /** Change this to redraw (the points array is appended to in place). */
  revision = 0;
  /** The y axis' label. */
  label = '';
  height = 220;

  private plot: uPlot | null = null;
  private resize: ResizeObserver | null = null;
  private drawn = -1;

  static override styles = [
    unsafeCSS(uplotCss),
    css`
      :host { display: block; min-height: 40px; }
      .empty { color: #888; font-size: 0.9em; padding: 8px 0; }
    `,
  ];

  override render() {
    return html`<div id="plot" role="img" aria-label=${`${this.label} chart`}></div>
      ${this.points.length ? '' : html`<div class="empty">No points yet: play or step the trainer.</div>`}`;
  }

  override firstUpdated(): void {
    const target = this.renderRoot.querySelector<HTMLDivElement>('#plot')!;
    this.plot = new uPlot(this.options(this.width()), this.data(), target);
    this.drawn = this.revision;
    this.resize = new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: this.height }));
    this.resize.observe(this);
  }

  override updated(changed: PropertyValues<this>): void {
    if (!this.plot) return;
    if (changed.has('metrics') || changed.has('label')) {
      // new series: rebuild the plot
      const target = this.renderRoot.querySelector<HTMLDivElement>('#plot')!;
      this.plot.destroy();
      this.plot = new uPlot(this.options(this.width()), this.data(), target);
      this.drawn = this.revision;
    } else if (this.revision !== this.drawn || changed.has('points')) {
      this.plot.setData(this.data());
      this.drawn = this.revision;
    }
    this.dataset.points = String(this.points.length);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize?.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  private width(): number {
    return Math.max(240, this.clientWidth || 600);
  }

  /** uPlot's columnar data: steps, then one column per metric (null where a point lacks it). */
  private data(): uPlot.AlignedData {
    const xs = this.points.map((p) => p.step);
    const columns = this.metrics.map((m) => this.points.map((p) => (Number.isFinite(p[m]) ? p[m] : null)));
    return [xs, ...columns];
  }

  private options(width: number): uPlot.Options {
    return {
      width,
      height: this.height,
      scales: { x: { time: false } },
      axes: [{ label: 'step' }, { label: this.label }],
      series: [
        { label: 'step' },
        ...this.metrics.map((m, i) => ({
          label: m,
          stroke: COLORS[i % COLORS.length],
          width: 2,
          spanGaps: true,
          points: { show: true, size: 4 },
        })),
      ],
      legend: { live: true },
    };
  }
}

customElements.define('metric-chart', MetricChart);
