// <dataset-picker>: which stored datasets a training stage reads, as one checkbox per dataset in the store. A
// change sends the new id list as a KnobChange of the stage's `datasets` field, so the stage treats it like any
// other knob (and the URL keeps it). Chosen ids that are not in this browser's store are named with a warning:
// a link made elsewhere can name datasets this browser never generated or imported.

import { LitElement, css, html, nothing } from 'lit';
import type { DatasetMeta } from '../store/datasets.ts';
import { formatCount } from '../util/format.ts';
import { KnobChange } from './events.ts';
import type { IdListField } from './experiment.ts';
import { shared } from './styles.ts';

export class DatasetPicker extends LitElement {
  static override properties = {
    field: { attribute: false },
    datasets: { attribute: false },
    chosen: { attribute: false },
    disabled: { type: Boolean },
    missingId: { attribute: 'missing-id' },
  };

  /** The stage's `datasets` field (its parameter, label and help). */
  field!: IdListField;
  /** Every stored dataset. */
  datasets: readonly DatasetMeta[] = [];
  /** The ids the experiment chooses. */
  chosen: readonly string[] = [];
  disabled = false;
  /** The id of the warning that names chosen datasets the store lacks. */
  missingId = '';

  static override styles = [
    shared,
    css`
      fieldset { border: 1px solid #e4e4e4; border-radius: 6px; margin: 8px 0; padding: 8px 12px; }
      legend { color: #555; font-size: 0.9em; }
      label { margin-right: 16px; }
    `,
  ];

  override render() {
    const chosen = new Set(this.chosen);
    const missing = this.chosen.filter((id) => !this.datasets.some((d) => d.id === id));
    return html`<fieldset ?disabled=${this.disabled}>
      <legend>${this.field.label}: ${this.field.help}</legend>
      ${
        this.datasets.length
          ? this.datasets.map(
              (d) => html`<label><input type="checkbox" data-id=${d.id} .checked=${chosen.has(d.id)}
            @change=${(e: Event) => this.toggle(d.id, (e.target as HTMLInputElement).checked)} /> ${d.name}
            <span class="hint">(${formatCount(d.count)})</span></label>`,
            )
          : html`<span class="hint">No datasets yet: generate the synthetic world in Data (one click), or import HH
            files.</span>`
      }
      ${
        missing.length
          ? html`<div class="warn" id=${this.missingId || nothing}>Not in this browser's store: ${missing.join(', ')}.
            Generate or import ${missing.length > 1 ? 'them' : 'it'} in Data.</div>`
          : nothing
      }
    </fieldset>`;
  }

  private toggle(id: string, on: boolean): void {
    const ids = this.chosen.filter((d) => d !== id);
    this.dispatchEvent(new KnobChange(this.field.param, on ? [...ids, id] : ids));
  }
}

customElements.define('dataset-picker', DatasetPicker);
