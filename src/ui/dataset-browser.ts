// <dataset-browser>: pages through a dataset's comparisons, the shared context above the chosen and
// rejected responses side by side, with a substring search over context and responses. Transcript
// text is untrusted (anyone's file): it is only ever bound as text, never as HTML.

import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { Comparison } from '../data/comparisons.ts';
import { comparisonsPage, loadComparisons, searchComparisons, type DatasetMeta } from '../store/datasets.ts';
import { storageError } from '../store/errors.ts';
import type { KV } from '../store/kv.ts';
import { formatCount, plural } from '../util/format.ts';
import { shared } from './styles.ts';

export const PAGE_SIZE = 5;

export class DatasetBrowser extends LitElement {
  static override properties = {
    kv: { attribute: false },
    meta: { attribute: false },
    query: { state: true },
    page: { state: true },
    rows: { state: true },
    matchCount: { state: true },
    error: { state: true },
  };

  kv!: KV;
  meta: DatasetMeta | null = null;
  query = '';
  page = 0;
  rows: Comparison[] = [];
  /** Comparisons matching the query (the dataset's count without one). */
  matchCount = 0;
  error: string | null = null;
  /** Every comparison of the dataset, loaded on the first search. */
  private all: { keys: string; rows: Comparison[] } | null = null;
  private loading = 0;

  static override styles = [
    shared,
    css`
      .comparison { border-top: 1px solid #e4e4e4; padding: 10px 0; }
      .where { color: #888; font-size: 0.85em; }
      .text { white-space: pre-wrap; overflow-wrap: anywhere; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.85em;
        background: #f7f7f7; border-radius: 4px; padding: 6px 8px; margin: 4px 0; max-height: 16em; overflow: auto; }
      .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
      .chosen { border-left: 3px solid #188038; }
      .rejected { border-left: 3px solid #d93025; }
      .label { font-size: 0.8em; font-weight: 600; color: #555; }
    `,
  ];

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('meta')) {
      this.query = '';
      this.page = 0;
      this.all = null;
      void this.load();
    }
  }

  override render() {
    const d = this.meta;
    if (!d) return html`<p class="hint">Choose Browse on a dataset to read its comparisons.</p>`;
    const pages = Math.max(1, Math.ceil(this.matchCount / PAGE_SIZE));
    return html`
      <div class="row">
        <strong>${d.name}</strong>
        <input id="search" type="search" placeholder="search context and responses" aria-label="search comparisons" .value=${this.query}
          @input=${(e: Event) => this.search((e.target as HTMLInputElement).value)} />
        <span class="hint" id="matches">${this.query ? `${plural(this.matchCount, 'match', 'matches')} of ${formatCount(d.count)}` : plural(d.count, 'comparison')}</span>
      </div>
      ${this.error ? html`<div class="err">${this.error}</div>` : nothing}
      <div id="comparisons">${this.rows.map((c, i) => this.renderComparison(c, this.page * PAGE_SIZE + i))}</div>
      <div class="row">
        <button id="prev" ?disabled=${this.page === 0} @click=${() => this.go(this.page - 1)}>← Previous</button>
        <span id="page">page ${this.page + 1} of ${pages}</span>
        <button id="next" ?disabled=${this.page + 1 >= pages} @click=${() => this.go(this.page + 1)}>Next →</button>
      </div>
    `;
  }

  private renderComparison(c: Comparison, index: number) {
    return html`<div class="comparison">
      <div class="where">#${index + 1} · ${c.source.file}:${c.source.line} · ${c.subset}</div>
      ${
        c.provenance
          ? html`<div class="where provenance" data-mode=${c.provenance.mode} data-picked=${c.provenance.picked}>labelled (${c.provenance.mode}): picked response
            ${c.provenance.picked} as ${c.provenance.mode === 'helpful' ? 'more helpful' : 'more harmful'} · sampled by ${c.provenance.checkpoints.join(' / ')}
            · seed ${c.provenance.seed} · prompt from ${c.provenance.promptDataset} · ${new Date(c.provenance.time).toISOString()}</div>`
          : nothing
      }
      ${
        c.online
          ? html`<div class="where online" data-round=${c.online.round} data-labeller=${c.online.labeller}>online round ${c.online.round} · labelled by
            ${c.online.labeller} · picked response ${c.online.picked} · both answers by ${c.online.policy}${
              c.online.scores
                ? ` · scores ${c.online.scores[0].toFixed(3)} (chosen) vs ${c.online.scores[1].toFixed(3)}`
                : ''
            }</div>`
          : nothing
      }
      <div class="label">context</div>
      <div class="text context">${c.context}</div>
      <div class="pair">
        <div><div class="label">chosen</div><div class="text chosen">${c.chosen}</div></div>
        <div><div class="label">rejected</div><div class="text rejected">${c.rejected}</div></div>
      </div>
    </div>`;
  }

  private search(query: string): void {
    this.query = query;
    this.page = 0;
    void this.load();
  }

  private go(page: number): void {
    this.page = page;
    void this.load();
  }

  /** Loads the current page: straight from its chunk without a query, from the filtered whole with one. */
  private async load(): Promise<void> {
    const d = this.meta;
    if (!d) return;
    const ticket = ++this.loading;
    try {
      let rows: Comparison[];
      let matches: number;
      if (this.query.trim()) {
        const keys = d.keys.join();
        if (this.all?.keys !== keys) this.all = { keys, rows: await loadComparisons(this.kv, d) };
        const found = searchComparisons(this.all.rows, this.query);
        matches = found.length;
        rows = found.slice(this.page * PAGE_SIZE, (this.page + 1) * PAGE_SIZE);
      } else {
        matches = d.count;
        rows = await comparisonsPage(this.kv, d, this.page * PAGE_SIZE, PAGE_SIZE);
      }
      if (ticket !== this.loading) return; // a newer request won
      this.rows = rows;
      this.matchCount = matches;
      this.error = null;
    } catch (e) {
      if (ticket === this.loading) this.error = storageError(e, `reading ${d.name}`).message;
    }
  }
}

customElements.define('dataset-browser', DatasetBrowser);
