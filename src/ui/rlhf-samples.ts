// <rlhf-samples>: the responses of one PPO iteration (prompt, response, score, gold score where the prompt is the
// synthetic world's, whether it ended by itself), with a picker of the iteration. Picking one sends an
// IterationPick, as a click on the reward-vs-√KL chart does. Prompts and responses are untrusted: text bindings.

import { LitElement, css, html, nothing } from 'lit';
import type { RLHFSample } from '../protocol.ts';
import { IterationPick } from './kl-reward-chart.ts';
import { shared } from './styles.ts';

export type SamplesByIteration = ReadonlyMap<number, readonly RLHFSample[]>;

export class RlhfSamples extends LitElement {
  static override properties = {
    samples: { attribute: false },
    iteration: { attribute: false },
  };

  samples: SamplesByIteration = new Map();
  /** The iteration shown (null: none). */
  iteration: number | null = null;

  static override styles = [
    shared,
    css`
      .text { white-space: pre-wrap; word-break: break-word; font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
        font-size: 0.88em; }
      .samples td { border-bottom: 1px solid #eee; }
      .inline { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 6px 0; }
    `,
  ];

  override render() {
    const iterations = [...this.samples.keys()].sort((a, b) => a - b);
    if (!iterations.length) return nothing;
    const it = this.iteration;
    const samples = it !== null ? this.samples.get(it) : undefined;
    const gold = samples?.some((x) => x.gold !== undefined);
    return html`<div class="inline">
        <label for="sample-iteration">Samples of iteration</label>
        <select id="sample-iteration" @change=${this.onPick}>
          ${iterations.map((n) => html`<option value=${n} ?selected=${n === it}>${n}</option>`)}
        </select>
        <span class="hint">(or click a point of the chart)</span>
      </div>
      ${
        samples
          ? html`<table class="samples" id="samples" data-iteration=${it}>
            <tr><th>prompt</th><th>response</th><th>score</th>${gold ? html`<th>gold</th>` : nothing}<th>ended</th></tr>
            ${samples.map(
              (x) => html`<tr class="sample">
              <td class="text">${x.prompt.replace(/^\n+/, '')}</td><td class="text response">${x.response}</td>
              <td>${x.score.toFixed(3)}</td>${gold ? html`<td>${x.gold?.toFixed(3) ?? '–'}</td>` : nothing}
              <td>${x.ended ? 'yes' : 'cut'}</td>
            </tr>`,
            )}
          </table>`
          : nothing
      }`;
  }

  private onPick(e: Event): void {
    this.dispatchEvent(new IterationPick(Number((e.target as HTMLSelectElement).value)));
  }
}

customElements.define('rlhf-samples', RlhfSamples);
