// <stage-data>: the notebook's first stage. Where comparisons come from (HH files, or the synthetic
// world), what is stored (the dataset list), and what is in it (the browser). Datasets live in
// IndexedDB and survive a reload; a dataset can be exported back to HH .jsonl or deleted.

import { LitElement, html, nothing } from 'lit';
import { comparisonsToJsonl } from '../data/comparisons.ts';
import { deleteDataset, loadComparisons, type DatasetMeta } from '../store/datasets.ts';
import { storageError } from '../store/errors.ts';
import type { KV } from '../store/kv.ts';
import './data-import.ts';
import './dataset-browser.ts';
import './dataset-list.ts';
import { DatasetsChanged, ExperimentChange, type DatasetAction, type KnobChange } from './events.ts';
import { DATA_FIELDS, withSetting, type Experiment } from './experiment.ts';
import { shared } from './styles.ts';
import './synth-generator.ts';

export class StageData extends LitElement {
  static override properties = {
    kv: { attribute: false },
    experiment: { attribute: false },
    datasets: { attribute: false },
    browsing: { state: true },
    error: { state: true },
  };

  kv!: KV;
  experiment!: Experiment;
  datasets: DatasetMeta[] = [];
  browsing: string | null = null;
  error: string | null = null;

  static override styles = [shared];

  override render() {
    const shown = this.datasets.find((d) => d.id === this.browsing) ?? null;
    return html`<section class="stage" id="stage-data" tabindex="-1" aria-labelledby="data-title">
      <h2 id="data-title"><span class="n">1</span>Data</h2>
      <p class="lead">Comparisons: a conversation and two final Assistant responses, one preferred by a crowdworker. Helpful data
        prefers the more helpful response; harmless (red-team) data stores the more harmful one as rejected (Bai et al. 2022, §2).</p>

      <h3>Import HH files</h3>
      <data-import .kv=${this.kv}></data-import>

      <h3>Or generate the synthetic world</h3>
      <p class="hint">A small world with the same structure: benign requests (helpful answer ≻ evasive non-answer) and harmful
        requests (polite refusal ≻ compliance), with a gold scorer for later stages.</p>
      <synth-generator .kv=${this.kv} .experiment=${this.experiment} @knob-change=${this.onKnob}></synth-generator>

      <h3>Datasets</h3>
      ${this.error ? html`<div class="err" id="data-error">${this.error}</div>` : nothing}
      <dataset-list .datasets=${this.datasets} browsing=${this.browsing ?? ''} @dataset-action=${this.onAction}></dataset-list>

      ${shown ? html`<h3>Browse</h3><dataset-browser .kv=${this.kv} .meta=${shown}></dataset-browser>` : nothing}
    </section>`;
  }

  private onKnob(e: KnobChange): void {
    e.stopPropagation();
    if (e.param === DATA_FIELDS.synthPairs.param && typeof e.value === 'number') {
      this.dispatchEvent(new ExperimentChange(withSetting(this.experiment, 'data', 'synthPairs', e.value)));
    }
  }

  private async onAction(e: DatasetAction): Promise<void> {
    const meta = this.datasets.find((d) => d.id === e.id);
    if (!meta) return;
    this.error = null;
    try {
      switch (e.action) {
        case 'browse':
          this.browsing = this.browsing === meta.id ? null : meta.id;
          return;
        case 'export':
          return download(`${meta.id}.jsonl`, comparisonsToJsonl(await loadComparisons(this.kv, meta)));
        case 'delete':
          await deleteDataset(this.kv, meta.id);
          if (this.browsing === meta.id) this.browsing = null;
          this.dispatchEvent(new DatasetsChanged());
          return;
      }
    } catch (err) {
      this.error = storageError(err, `${e.action === 'delete' ? 'deleting' : 'exporting'} ${meta.name}`).message;
    }
  }
}

/** Saves `text` as a file through a temporary Blob link. */
function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/jsonl' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

customElements.define('stage-data', StageData);
