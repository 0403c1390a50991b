// <rlhf-app>: the notebook. Starts the compute Worker and shows the adapter (or why WebGPU is missing
// and how to get it) with the kernel self-check on this GPU; holds the experiment, read from and
// written to the URL (a run is a link), and the store (IndexedDB); and lays out the five stages in
// pipeline order: Data → Base model → Preference model → RLHF → Evaluate. Properties flow down to the
// stages; their typed events (experiment-change, datasets-changed) come back up.

import { LitElement, css, html, nothing } from 'lit';
import type { AdapterSummary, CheckResult, WorkerEvent } from '../protocol.ts';
import { listDatasets, type DatasetMeta } from '../store/datasets.ts';
import { storageError } from '../store/errors.ts';
import { idbKV, type KV } from '../store/kv.ts';
import { sweepOrphans } from '../store/records.ts';
import type { ExperimentChange, KnobChange } from './events.ts';
import { SEED_FIELD, experimentFromParams, experimentToParams, type Experiment } from './experiment.ts';
import './knob-field.ts';
import './label-view.ts';
import type { GpuState } from './training-stage.ts';
import './stage-base.ts';
import './stage-data.ts';
import './stage-eval.ts';
import './stage-pm.ts';
import './stage-rlhf.ts';
import { shared } from './styles.ts';
import { WorkerClient } from './worker-client.ts';

type State =
  | { kind: 'starting' }
  | { kind: 'no-webgpu'; reason: string }
  | { kind: 'ready'; adapter: AdapterSummary; limits: Record<string, number> };

export class RlhfApp extends LitElement {
  static override properties = {
    state: { state: true },
    checks: { state: true },
    error: { state: true },
    experiment: { state: true },
    notices: { state: true },
    datasets: { state: true },
    storageProblem: { state: true },
    copied: { state: true },
  };

  state: State = { kind: 'starting' };
  checks: CheckResult[] | null = null;
  error: string | null = null;
  experiment: Experiment;
  /** Problems with the link's parameters (each names its field). */
  notices: string[];
  datasets: DatasetMeta[] = [];
  storageProblem: string | null = null;
  copied = false;
  private client: WorkerClient | null = null;
  private readonly kv: KV = idbKV();

  static override styles = [
    shared,
    css`
      :host { display: block; max-width: 1080px; margin: 0 auto; padding: 24px; }
      h1 { font-size: 1.6rem; margin: 0 0 4px; }
      .sub { color: #555; margin: 0 0 24px; }
      .err { white-space: pre-wrap; }
      .experiment { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
      .experiment knob-field { flex: 1; min-width: 420px; }
      #self-check { margin-top: 8px; }
      details summary { cursor: pointer; }
    `,
  ];

  constructor() {
    super();
    const { experiment, notices } = experimentFromParams(new URLSearchParams(location.search));
    this.experiment = experiment;
    this.notices = notices;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.writeUrl();
    this.client = new WorkerClient();
    this.client.on((e) => this.onEvent(e));
    this.client.send({ type: 'init' });
    void this.refreshDatasets();
    void sweepOrphans(this.kv).catch(() => undefined);
    // ask the browser not to evict the store under storage pressure (granted silently or not at all)
    void navigator.storage?.persist?.().catch(() => false);
  }

  private onEvent(e: WorkerEvent): void {
    switch (e.type) {
      case 'ready':
        this.state = { kind: 'ready', adapter: e.adapter, limits: e.limits };
        this.client?.send({ type: 'self-check' });
        break;
      case 'no-webgpu':
        this.state = { kind: 'no-webgpu', reason: e.reason };
        break;
      case 'self-check':
        this.checks = e.results;
        break;
      case 'error':
        this.error = `${e.command}: ${e.message}`;
        break;
    }
  }

  override render() {
    return html`
      <h1>RLHF Notebook</h1>
      <p class="sub">Train a language model, a preference model and an RLHF policy on your own GPU — Bai et al. 2022 at browser scale.</p>
      ${this.renderGpu()} ${this.error ? html`<div class="card err" id="error">${this.error}</div>` : nothing}
      ${this.renderExperiment()}
      ${this.storageProblem ? html`<div class="err" id="storage-error">${this.storageProblem}</div>` : nothing}
      <main @experiment-change=${this.onExperiment} @datasets-changed=${this.refreshDatasets}>
        <stage-data .kv=${this.kv} .experiment=${this.experiment} .datasets=${this.datasets}></stage-data>
        <stage-base .kv=${this.kv} .client=${this.client} .gpu=${this.gpuState()} .experiment=${this.experiment} .datasets=${this.datasets}></stage-base>
        <stage-pm .kv=${this.kv} .client=${this.client} .gpu=${this.gpuState()} .experiment=${this.experiment} .datasets=${this.datasets}></stage-pm>
        <stage-rlhf .kv=${this.kv} .client=${this.client} .gpu=${this.gpuState()} .experiment=${this.experiment} .datasets=${this.datasets}></stage-rlhf>
        <stage-eval .kv=${this.kv} .client=${this.client} .gpu=${this.gpuState()} .experiment=${this.experiment} .datasets=${this.datasets}></stage-eval>
        <label-view .kv=${this.kv} .client=${this.client} .gpu=${this.gpuState()} .datasets=${this.datasets}></label-view>
      </main>
    `;
  }

  private renderExperiment() {
    return html`<div class="card">
      <div class="experiment" @knob-change=${this.onSeed}>
        <strong>Experiment</strong>
        <knob-field .field=${SEED_FIELD} .value=${this.experiment.seed}></knob-field>
        <button id="copy-link" @click=${this.copyLink} title="The whole experiment (seed, datasets, every knob) is in this page's address">
          ${this.copied ? 'Link copied' : 'Copy link to this experiment'}
        </button>
      </div>
      ${
        this.notices.length
          ? html`<div class="warn" id="notices"><strong>Some of the link's settings were not valid and use their defaults:</strong>
            <ul>${this.notices.map((n) => html`<li>${n}</li>`)}</ul></div>`
          : nothing
      }
    </div>`;
  }

  private renderGpu() {
    const s = this.state;
    if (s.kind === 'starting') return html`<div class="card" id="gpu">Starting the GPU…</div>`;
    if (s.kind === 'no-webgpu') {
      return html`<div class="card warn" id="no-webgpu">
        <strong>WebGPU is not available here.</strong>
        <p>${s.reason}</p>
        <p>The notebook runs every kernel on your GPU through WebGPU: use Chrome or Chromium 113+ (desktop), served from
          http://localhost or https. Importing and browsing data works without it.</p>
      </div>`;
    }
    const a = s.adapter;
    const ok = this.checks?.every((c) => c.ok);
    return html`<div class="card" id="gpu" data-state="ready">
      <div>GPU: <strong id="adapter">${a.vendor} ${a.architecture}</strong> ${a.description}
        ${a.software ? html`<em>(software adapter: correct but about 1000× slower than a GPU)</em>` : nothing}</div>
      ${
        this.checks
          ? html`<details ?open=${!ok}>
            <summary>Kernel self-check: <span class=${ok ? 'ok' : 'bad'} id="self-check-summary">${ok ? `all ${this.checks.length} kernels match their references` : 'some kernels disagree with their references'}</span></summary>
            <table id="self-check" data-ok=${String(ok)}>
              <tr><th>kernel</th><th>max error</th><th></th></tr>
              ${this.checks.map(
                (c) => html`<tr><td>${c.kernel}</td><td>${c.maxError.toExponential(2)}</td>
                  <td class=${c.ok ? 'ok' : 'bad'}>${c.ok ? 'ok' : `exceeds ${c.tolerance}`}</td></tr>`,
              )}
            </table>
          </details>`
          : html`<div>Checking kernels against their references…</div>`
      }
    </div>`;
  }

  private gpuState(): GpuState {
    const s = this.state;
    if (s.kind === 'ready')
      return {
        kind: 'ready',
        adapter: `${s.adapter.vendor} ${s.adapter.architecture} ${s.adapter.description}`.trim(),
      };
    if (s.kind === 'no-webgpu') return { kind: 'missing', reason: s.reason };
    return { kind: 'starting' };
  }

  private onExperiment(e: ExperimentChange): void {
    this.experiment = e.experiment;
    this.copied = false;
    this.writeUrl();
  }

  private onSeed(e: KnobChange): void {
    e.stopPropagation();
    if (e.param === SEED_FIELD.param && typeof e.value === 'number') {
      this.experiment = { ...this.experiment, seed: e.value };
      this.copied = false;
      this.writeUrl();
    }
  }

  /** The address always holds the whole experiment (replaceState: knob changes do not pile up in history). */
  private writeUrl(): void {
    const query = experimentToParams(this.experiment).toString();
    if (location.search.slice(1) !== query)
      history.replaceState(null, '', `${location.pathname}?${query}${location.hash}`);
  }

  private async copyLink(): Promise<void> {
    try {
      await navigator.clipboard.writeText(location.href);
      this.copied = true;
    } catch {
      this.error = `Copy this address to share the experiment: ${location.href}`;
    }
  }

  private async refreshDatasets(): Promise<void> {
    try {
      this.datasets = await listDatasets(this.kv);
      this.storageProblem = null;
    } catch (e) {
      this.storageProblem = storageError(e, 'reading the stored datasets').message;
    }
  }
}

customElements.define('rlhf-app', RlhfApp);
