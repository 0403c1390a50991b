// <rlhf-app>: the notebook's shell. Starts the compute Worker, shows the adapter (or why WebGPU is
// missing and how to get it), and the kernel self-check on this GPU. Stages mount here as they land.

import { LitElement, css, html, nothing } from 'lit';
import type { AdapterSummary } from '../kernels/gpu.ts';
import type { CheckResult } from '../kernels/selfcheck.ts';
import type { WorkerEvent } from '../protocol.ts';
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
  };

  state: State = { kind: 'starting' };
  checks: CheckResult[] | null = null;
  error: string | null = null;
  private client: WorkerClient | null = null;

  static override styles = css`
    :host { display: block; max-width: 960px; margin: 0 auto; padding: 24px; }
    h1 { font-size: 1.6rem; margin: 0 0 4px; }
    .sub { color: #555; margin: 0 0 24px; }
    .card { background: white; border: 1px solid #ddd; border-radius: 8px; padding: 16px; margin-bottom: 16px; }
    .warn { border-color: #e0a800; background: #fff8e1; }
    .err { color: #b00020; white-space: pre-wrap; }
    table { border-collapse: collapse; }
    td, th { padding: 2px 12px 2px 0; text-align: left; font-variant-numeric: tabular-nums; }
    .ok { color: #137333; }
    .bad { color: #b00020; }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    this.client = new WorkerClient();
    this.client.on((e) => this.onEvent(e));
    this.client.send({ type: 'init' });
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
    `;
  }

  private renderGpu() {
    const s = this.state;
    if (s.kind === 'starting') return html`<div class="card" id="gpu">Starting the GPU…</div>`;
    if (s.kind === 'no-webgpu') {
      return html`<div class="card warn" id="no-webgpu">
        <strong>WebGPU is not available here.</strong>
        <p>${s.reason}</p>
        <p>The notebook runs every kernel on your GPU through WebGPU: use Chrome or Chromium 113+ (desktop), served from
          http://localhost or https.</p>
      </div>`;
    }
    const a = s.adapter;
    return html`<div class="card" id="gpu" data-state="ready">
      <div>GPU: <strong id="adapter">${a.vendor} ${a.architecture}</strong> ${a.description}
        ${a.software ? html`<em>(software adapter: correct but about 1000× slower than a GPU)</em>` : nothing}</div>
      ${this.checks
        ? html`<table id="self-check" data-ok=${String(this.checks.every((c) => c.ok))}>
            <tr><th>kernel</th><th>max error</th><th></th></tr>
            ${this.checks.map(
              (c) => html`<tr><td>${c.kernel}</td><td>${c.maxError.toExponential(2)}</td>
                <td class=${c.ok ? 'ok' : 'bad'}>${c.ok ? 'ok' : `exceeds ${c.tolerance}`}</td></tr>`,
            )}
          </table>`
        : html`<div>Checking kernels against their references…</div>`}
    </div>`;
  }
}

customElements.define('rlhf-app', RlhfApp);
