// <kl-reward-chart>: the RLHF stage's reward-vs-√KL chart (Bai et al. 2022 §4.1): one point per PPO iteration
// at x = √KL(π ‖ π0), y = its mean score, the least-squares line through them, and the line's slope,
// intercept and R² in words. Drawn by uPlot (axes, legend, cursor; see metric-chart.ts for why uPlot): x is
// not monotonic over a run, so the points are sorted by √KL and drawn as points without a connecting line.
// Clicking near a point (within 12 px) sends IterationPick with that iteration; the stage also offers a
// keyboard-accessible picker. It redraws only when `revision` or `points` change, and its owner changes them
// at most once per animation frame.

import { LitElement, css, html, unsafeCSS, type PropertyValues } from 'lit';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import type { MetricPoint } from '../protocol.ts';
import { chartColumns, describeFit, klRewardData, nearestPoint, type KlRewardData } from './kl-reward-data.ts';

/** A point of the chart was picked: show that iteration's samples. */
export class IterationPick extends Event {
  static readonly type = 'iteration-pick';
  constructor(readonly iteration: number) {
    super(IterationPick.type, { bubbles: true, composed: true });
  }
}

declare global {
  interface HTMLElementEventMap {
    'iteration-pick': IterationPick;
  }
}

/** How close (CSS pixels) a click must be to a point to pick it. */
const PICK_RADIUS = 12;

export class KlRewardChart extends LitElement {
  static override properties = {
    points: { attribute: false },
    revision: { type: Number },
    yKey: { type: String },
    yLabel: { type: String },
    selected: { attribute: false },
    height: { type: Number },
  };

  /** The run's metric history (every point with objective/sqrt_kl and `yKey` is drawn). */
  points: readonly MetricPoint[] = [];
  /** Change this to redraw (the points array is appended to in place). */
  revision = 0;
  yKey = 'objective/scores';
  yLabel = 'score';
  /** The iteration whose samples are shown (drawn larger). */
  selected: number | null = null;
  height = 260;

  private plot: uPlot | null = null;
  private resize: ResizeObserver | null = null;
  private drawn = -1;
  private data: KlRewardData = klRewardData([]);

  static override styles = [
    unsafeCSS(uplotCss),
    css`
      :host { display: block; min-height: 40px; }
      .fit { font-variant-numeric: tabular-nums; margin: 4px 0; }
      .empty { color: #888; font-size: 0.9em; padding: 8px 0; }
      .u-over { cursor: pointer; }
    `,
  ];

  override render() {
    return html`<div id="plot" role="img" aria-label=${`${this.yLabel} against the square root of KL(π ‖ π0), one point per iteration`}></div>
      <div class="fit" id="fit" data-n=${this.data.fit.n}>${describeFit(this.data.fit, this.yLabel)}</div>
      ${this.data.points.length ? '' : html`<div class="empty">No iterations yet: play or step the trainer.</div>`}`;
  }

  override willUpdate(): void {
    this.data = klRewardData(this.points, this.yKey);
  }

  override firstUpdated(): void {
    this.build();
    this.resize = new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: this.height }));
    this.resize.observe(this);
  }

  override updated(changed: PropertyValues<this>): void {
    if (!this.plot) return;
    if (changed.has('yKey') || changed.has('yLabel')) {
      this.plot.destroy();
      this.build();
    } else if (this.revision !== this.drawn || changed.has('points') || changed.has('selected')) {
      this.plot.setData(chartColumns(this.data, this.selected) as uPlot.AlignedData);
      this.drawn = this.revision;
    }
    this.dataset.points = String(this.data.points.length);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize?.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  /** The viewport position of an iteration's point (for tests and tooltips), or null when it is not drawn. */
  pointCenter(iteration: number): { x: number; y: number } | null {
    const p = this.data.points.find((q) => q.iteration === iteration);
    if (!p || !this.plot) return null;
    const box = this.plot.over.getBoundingClientRect();
    return { x: box.left + this.plot.valToPos(p.x, 'x'), y: box.top + this.plot.valToPos(p.y, 'y') };
  }

  private build(): void {
    const target = this.renderRoot.querySelector<HTMLDivElement>('#plot')!;
    this.plot = new uPlot(
      this.options(this.width()),
      chartColumns(this.data, this.selected) as uPlot.AlignedData,
      target,
    );
    this.plot.over.addEventListener('click', (e) => this.pick(e));
    this.drawn = this.revision;
  }

  private pick(e: MouseEvent): void {
    const u = this.plot;
    if (!u) return;
    // relative to the plotting area (offsetX would be relative to uPlot's cursor marker when the click lands on it)
    const box = u.over.getBoundingClientRect();
    const pixels = this.data.points.map((p) => ({ x: u.valToPos(p.x, 'x'), y: u.valToPos(p.y, 'y') }));
    const i = nearestPoint(pixels, e.clientX - box.left, e.clientY - box.top, PICK_RADIUS);
    if (i >= 0) this.dispatchEvent(new IterationPick(this.data.points[i].iteration));
  }

  private width(): number {
    return Math.max(240, this.clientWidth || 600);
  }

  private options(width: number): uPlot.Options {
    // the legend's x value names the iteration under the cursor
    const xValue = (_u: uPlot, v: number, _s: number, idx: number | null) =>
      idx === null || v == null ? '–' : `${v.toFixed(3)} (iteration ${this.data.points[idx]?.iteration ?? '–'})`;
    return {
      width,
      height: this.height,
      scales: {
        // uPlot widens a constant column of zeros to [0, 100]; √KL and scores live near [0, a few], so widen by less
        x: {
          time: false,
          range: (_u, min, max) =>
            min === max ? [Math.max(0, min - 0.5), max + 0.5] : uPlot.rangeNum(min, max, 0.1, true),
        },
        y: { range: (_u, min, max) => (min === max ? [min - 1, max + 1] : uPlot.rangeNum(min, max, 0.1, true)) },
      },
      axes: [{ label: '√KL(π ‖ π0)' }, { label: this.yLabel }],
      series: [
        { label: '√KL', value: xValue },
        { label: this.yLabel, stroke: '#1a73e8', paths: () => null, points: { show: true, size: 7, fill: '#1a73e8' } },
        { label: 'fit', stroke: '#888', width: 1.5, dash: [6, 4], spanGaps: true, points: { show: false } },
        {
          label: 'samples shown',
          stroke: '#d93025',
          paths: () => null,
          points: { show: true, size: 13, width: 2, fill: 'transparent' },
        },
      ],
      legend: { live: true },
    };
  }
}

customElements.define('kl-reward-chart', KlRewardChart);
