// <saved-list>: a stage's stored checkpoints and runs (IndexedDB; they survive a reload). A checkpoint
// downloads as a .safetensors file in GPT-2 layout (loads with `rlhf sample --model` and Hugging
// Face); a run's loss curves can be shown again. Actions go up as SavedAction events.

import { LitElement, css, html } from 'lit';
import type { CheckpointMeta } from '../store/checkpoints.ts';
import type { RunMeta } from '../store/runs.ts';
import { SavedAction } from './events.ts';
import { formatBytes, formatMetric } from '../util/format.ts';
import { shared } from './styles.ts';

export class SavedList extends LitElement {
  static override properties = {
    checkpoints: { attribute: false },
    runs: { attribute: false },
    shown: { type: String },
    columns: { attribute: false },
  };

  checkpoints: CheckpointMeta[] = [];
  runs: RunMeta[] = [];
  /** The run whose curves are shown. */
  shown = '';
  /** The last values a run row shows: [metric, column heading] (the language model's losses by default). */
  columns: [string, string][] = [
    ['train/loss', 'train loss'],
    ['eval/loss', 'eval loss'],
  ];

  static override styles = [shared, css`.actions { display: flex; gap: 6px; white-space: nowrap; }`];

  override render() {
    const act = (action: SavedAction['action'], id: string) => () => this.dispatchEvent(new SavedAction(action, id));
    const when = (t: number) => new Date(t).toLocaleString();
    return html`
      <h3>Checkpoints</h3>
      ${
        this.checkpoints.length
          ? html`<table id="checkpoints">
            <tr><th>checkpoint</th><th>step</th><th>size</th><th>saved</th><th></th></tr>
            ${this.checkpoints.map(
              (c) => html`<tr class="checkpoint" data-id=${c.id}>
              <td>${c.name}</td><td>${c.step}</td><td>${formatBytes(c.bytes)}</td><td class="hint">${when(c.created)}</td>
              <td><div class="actions"><button @click=${act('download-checkpoint', c.id)}>Download .safetensors</button>
                <button @click=${act('delete-checkpoint', c.id)}>Delete</button></div></td>
            </tr>`,
            )}
          </table>`
          : html`<p class="hint" id="no-checkpoints">None yet: a run stores one when it ends, or when you press Save checkpoint.</p>`
      }
      <h3>Runs</h3>
      ${
        this.runs.length
          ? html`<table id="runs">
            <tr><th>run</th><th>steps</th>${this.columns.map(([, heading]) => html`<th>${heading}</th>`)}<th>saved</th><th></th></tr>
            ${this.runs.map(
              (r) => html`<tr class="run" data-id=${r.id}>
              <td>${r.name}</td><td>${r.step} / ${r.steps}</td>
              ${this.columns.map(([m]) => html`<td>${formatMetric(m, r.last[m])}</td>`)}
              <td class="hint">${when(r.created)}</td>
              <td><div class="actions"><button aria-pressed=${String(this.shown === r.id)} @click=${act('show-run', r.id)}>Show curves</button>
                <button @click=${act('delete-run', r.id)}>Delete</button></div></td>
            </tr>`,
            )}
          </table>`
          : html`<p class="hint" id="no-runs">None yet.</p>`
      }
    `;
  }
}

customElements.define('saved-list', SavedList);
