// <synth-generator>: generates the synthetic HH world (src/data/synth.ts) from the experiment's seed
// and stores it as two datasets, synth-helpful (benign requests: helpful answer ≻ evasive non-answer)
// and synth-harmless (harmful requests: polite refusal ≻ compliance) — the same split as the paper's
// helpful and red-team data, small enough to learn in minutes. Regenerating replaces both (new
// records first, then the index: a failure keeps the old ones).

import { LitElement, html, nothing } from 'lit';
import { toComparisons } from '../data/comparisons.ts';
import { generateSynthWorld, type SynthPair } from '../data/synth.ts';
import { saveDataset } from '../store/datasets.ts';
import { storageError } from '../store/errors.ts';
import type { KV } from '../store/kv.ts';
import { DatasetsChanged } from './events.ts';
import { DATA_FIELDS, type Experiment } from './experiment.ts';
import { plural } from '../util/format.ts';
import './knob-field.ts';
import { shared } from './styles.ts';

export const SYNTH_IDS = { helpful: 'synth-helpful', harmless: 'synth-harmless' } as const;

export class SynthGenerator extends LitElement {
  static override properties = {
    kv: { attribute: false },
    experiment: { attribute: false },
    busy: { state: true },
    message: { state: true },
    error: { state: true },
  };

  kv!: KV;
  experiment!: Experiment;
  busy = false;
  message: string | null = null;
  error: string | null = null;

  static override styles = [shared];

  override render() {
    const { seed, data } = this.experiment;
    return html`
      <knob-field .field=${DATA_FIELDS.synthPairs} .value=${data.synthPairs} ?disabled=${this.busy}></knob-field>
      <div class="row">
        <button id="generate" class="primary" ?disabled=${this.busy} @click=${this.generate}>Generate synthetic world</button>
        <span class="hint">seed ${seed} (set at the top): ${plural(data.synthPairs, 'pair')} each of helpful and harmless</span>
      </div>
      ${this.message ? html`<p class="ok" id="synth-message">${this.message}</p>` : nothing}
      ${this.error ? html`<div class="err" id="synth-error">${this.error}</div>` : nothing}
    `;
  }

  private async generate(): Promise<void> {
    const { seed, data } = this.experiment;
    this.busy = true;
    this.message = this.error = null;
    await new Promise((r) => setTimeout(r)); // let the disabled button paint first
    try {
      const world = generateSynthWorld({ seed, pairs: data.synthPairs });
      const source = `synthetic world: seed ${seed}, ${data.synthPairs} pairs per subset`;
      const stored: string[] = [];
      for (const subset of ['helpful', 'harmless'] as const) {
        const id = SYNTH_IDS[subset];
        const split = toComparisons(numbered(world[subset]), { file: id, subset });
        const meta = await saveDataset(this.kv, {
          id,
          name: id,
          subset,
          identical: split.identical,
          sources: [source],
          comparisons: split.comparisons,
        });
        stored.push(`${meta.name} (${plural(meta.count, 'comparison')})`);
        this.dispatchEvent(new DatasetsChanged());
      }
      this.message = `Stored ${stored.join(' and ')}.`;
    } catch (e) {
      this.error = storageError(e, 'storing the synthetic world').message;
    } finally {
      this.busy = false;
    }
  }
}

/** Generated pairs with 1-based "line" numbers, as if read from a file. */
function numbered(pairs: readonly SynthPair[]) {
  return pairs.map((p, i) => ({ chosen: p.chosen, rejected: p.rejected, line: i + 1 }));
}

customElements.define('synth-generator', SynthGenerator);
