// <dataset-list>: the stored datasets — name, subset, comparisons, identical pairs dropped, source
// files — each with Browse, Export (.jsonl) and Delete (asks once more inline) buttons that send a
// DatasetAction up.

import { LitElement, css, html } from 'lit';
import type { DatasetMeta } from '../store/datasets.ts';
import { DatasetAction } from './events.ts';
import { formatCount } from '../util/format.ts';
import { shared } from './styles.ts';

export class DatasetList extends LitElement {
  static override properties = {
    datasets: { attribute: false },
    browsing: { type: String },
    confirming: { state: true },
  };

  datasets: DatasetMeta[] = [];
  /** The id of the dataset shown in the browser. */
  browsing = '';
  confirming: string | null = null;

  static override styles = [shared, css`.actions { display: flex; gap: 6px; white-space: nowrap; }`];

  override render() {
    if (!this.datasets.length) {
      return html`<p class="hint" id="no-datasets">No datasets yet: generate the synthetic world or import HH files above.</p>`;
    }
    const act = (action: DatasetAction['action'], id: string) => () => {
      this.confirming = null;
      this.dispatchEvent(new DatasetAction(action, id));
    };
    return html`<table id="datasets">
      <tr><th>dataset</th><th>subset</th><th>comparisons</th><th>identical dropped</th><th>source</th><th></th></tr>
      ${this.datasets.map(
        (d) => html`<tr data-id=${d.id} class="dataset">
          <td><strong class="name">${d.name}</strong><div class="hint mono">${d.id}</div></td>
          <td>${d.subset}</td>
          <td class="count">${formatCount(d.count)}</td>
          <td>${formatCount(d.identical)}</td>
          <td class="hint">${d.sources.join(', ')}</td>
          <td><div class="actions">
            <button class="browse" aria-pressed=${String(this.browsing === d.id)} @click=${act('browse', d.id)}>Browse</button>
            <button class="export" @click=${act('export', d.id)}>Export .jsonl</button>
            ${
              this.confirming === d.id
                ? html`<button class="delete-confirm bad" @click=${act('delete', d.id)}>Really delete?</button>
                  <button @click=${() => (this.confirming = null)}>Keep</button>`
                : html`<button class="delete" @click=${() => (this.confirming = d.id)}>Delete</button>`
            }
          </div></td>
        </tr>`,
      )}
    </table>`;
  }
}

customElements.define('dataset-list', DatasetList);
