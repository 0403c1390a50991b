// <ppo-trace-view>: the step-through of one inspected PPO iteration. The user picks a rollout and walks the
// phases (rollout, score, KL penalty, advantages, PPO update) one at a time; the per-token table (src/ui/ppo-trace.ts)
// grows by the columns each phase adds, with the seconds the phase took for the whole batch. Tokens, prompts and
// responses are untrusted text: Lit text bindings only. A new trace starts again at its first rollout and phase.

import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { RLHFTrace } from '../protocol.ts';
import type { HistoryPoint } from '../store/runs.ts';
import { PPO_PHASES, cellText, traceTable, visibleToken } from './ppo-trace.ts';
import { shared } from './styles.ts';

/** Which seconds metric each phase of the step-through took. */
const PHASE_TIME = ['time/rollout', 'time/score', 'time/logprobs', 'time/logprobs', 'time/update'];

export class PPOTraceView extends LitElement {
  static override properties = {
    trace: { attribute: false },
    history: { attribute: false },
    row: { state: true },
    phase: { state: true },
  };

  /** The inspected iteration; null: none yet. */
  trace: RLHFTrace | null = null;
  /** The run's metrics (the phases' seconds). */
  history: readonly HistoryPoint[] = [];
  row = 0;
  phase = 1;

  static override styles = [
    shared,
    css`
      .text { white-space: pre-wrap; word-break: break-word; font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
        font-size: 0.88em; }
      .phases { display: flex; gap: 6px; flex-wrap: wrap; margin: 6px 0; }
      .phases button[aria-pressed='true'] { background: #1a73e8; color: white; border-color: #1a73e8; }
      .trace-table { font-size: 0.88em; }
      .trace-table td.num { text-align: right; }
      .trace-table td.tok { background: #f3f6fb; }
      .trace-table tr.last td { border-top: 1px dashed #999; }
      .scroll { overflow-x: auto; }
      .inline { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 6px 0; }
    `,
  ];

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('trace')) {
      this.row = 0;
      this.phase = 1;
    }
  }

  override render() {
    const t = this.trace;
    if (!t) {
      return html`<h3>Step-through of one iteration</h3>
        <p class="hint" id="no-trace">Press <strong>Step (inspect)</strong> to run one PPO iteration and follow it
          phase by phase, token by token.</p>`;
    }
    const row = Math.min(this.row, t.rows.length - 1);
    const r = t.rows[row];
    const table = traceTable(t, row, this.phase);
    const phase = PPO_PHASES[this.phase - 1];
    const seconds = this.history.find((p) => p.step === t.iteration)?.[PHASE_TIME[this.phase - 1]];
    const last = PPO_PHASES.length;
    return html`<h3>Step-through of iteration ${t.iteration}</h3>
      <div class="inline">
        <label for="trace-row">rollout</label>
        <select id="trace-row" @change=${(e: Event) => (this.row = Number((e.target as HTMLSelectElement).value))}>
          ${t.rows.map(
            (x, b) => html`<option value=${b} ?selected=${b === row}>${b + 1} · score
            ${x.score.toFixed(3)} · ${x.tokens.length} tokens</option>`,
          )}
        </select>
      </div>
      <div class="phases" role="group" aria-label="phases of the iteration">
        ${PPO_PHASES.map(
          (p) => html`<button class="phase" data-phase=${p.n} aria-pressed=${String(p.n === this.phase)}
          @click=${() => (this.phase = p.n)}>${p.n} ${p.name}</button>`,
        )}
        <button id="next-phase" ?disabled=${this.phase >= last} @click=${() => (this.phase = Math.min(last, this.phase + 1))}>
          Next phase ▸</button>
      </div>
      <p id="phase-text"><strong>${phase.n}. ${phase.name}.</strong> ${phase.text}
        ${
          seconds !== undefined
            ? html`<span class="hint">(${seconds.toFixed(2)} s for the whole batch${
                this.phase === 3 || this.phase === 4 ? ', phases 3 and 4 together' : ''
              })</span>`
            : nothing
        }
        ${this.phase === 3 ? html`<span class="hint">λ = ${t.klCoef}.</span>` : nothing}
        ${
          this.phase === 5
            ? html`<span class="hint">ε = ${t.cliprange}; this rollout is in minibatch ${r.minibatch + 1}; minibatch order
              per epoch: ${t.order.map((o) => o.map((m) => m + 1).join('→')).join(' | ')}.</span>`
            : nothing
        }</p>
      <p class="hint">The prompt as the policy read it: <span class="text" id="trace-prompt">${visibleToken(r.prompt)}</span></p>
      <div class="scroll">
        <table class="trace-table" id="trace-table" data-phase=${this.phase} data-rows=${table.rows.length}>
          <tr>${table.columns.map((c) => html`<th title=${c.title}>${c.label}</th>`)}</tr>
          ${table.rows.map(
            (tr) => html`<tr class=${tr.i === table.rows.length - 1 ? 'last token-row' : 'token-row'}>
            ${table.columns.map(
              (c) => html`<td class=${c.key === 'token' ? 'tok mono' : c.key === 'i' ? '' : 'num'}
              data-col=${c.key}>${cellText(tr, c.key)}</td>`,
            )}
          </tr>`,
          )}
        </table>
      </div>
      ${
        this.phase >= 3
          ? html`<p class="hint" id="trace-totals">Σ KL = ${table.totals.kl.toFixed(4)} nats; Σ reward =
            ${table.totals.reward.toFixed(4)} (score ${r.score.toFixed(4)} − λ·Σ KL; the response
            ${r.ended ? 'ended by itself' : 'was cut at the token limit'}).</p>`
          : nothing
      }`;
  }
}

customElements.define('ppo-trace-view', PPOTraceView);
