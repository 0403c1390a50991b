// <knob-field>: one experiment knob (a field of experiment.ts) as a labelled input with its one-line
// explanation. Invalid input is shown as such and not sent; a valid change sends KnobChange.

import { LitElement, css, html } from 'lit';
import { KnobChange } from './events.ts';
import type { Field } from './experiment.ts';
import { shared } from './styles.ts';

export class KnobField extends LitElement {
  static override properties = {
    field: { attribute: false },
    value: { attribute: false },
    disabled: { type: Boolean },
    invalid: { state: true },
  };

  field!: Field;
  value: number | string | boolean = '';
  disabled = false;
  invalid = false;

  static override styles = [
    shared,
    css`
      label { display: grid; grid-template-columns: 11em 9em 1fr; gap: 10px; align-items: baseline; padding: 3px 0; }
      .name { font-weight: 500; }
      input[type='number'], select { width: 8em; }
      .invalid { border-color: #b00020; background: #fdecee; }
      .help { color: #666; font-size: 0.88em; }
    `,
  ];

  override render() {
    const f = this.field;
    return html`<label>
      <span class="name">${f.label}</span>
      <span>${this.renderInput()}</span>
      <span class="help" id="help">${f.help}${this.invalid ? html` <span class="bad">(${f.expect})</span>` : ''}</span>
    </label>`;
  }

  private renderInput() {
    const f = this.field;
    const id = f.param.replace(/\./g, '-');
    switch (f.kind) {
      case 'choice':
        return html`<select id=${id} ?disabled=${this.disabled} aria-describedby="help" @change=${this.onInput}>
          ${f.options.map((o) => html`<option value=${o} ?selected=${o === this.value}>${o}</option>`)}
        </select>`;
      case 'flag':
        return html`<input id=${id} type="checkbox" ?disabled=${this.disabled} aria-describedby="help" .checked=${Boolean(this.value)} @change=${this.onInput} />`;
      case 'int':
      case 'number':
        return html`<input id=${id} type="number" class=${this.invalid ? 'invalid' : ''} ?disabled=${this.disabled} aria-describedby="help"
          min=${f.min} max=${f.max} step=${f.kind === 'int' ? 1 : 'any'} .value=${String(this.value)} @change=${this.onInput} />`;
      case 'ids':
        return html`<input id=${id} type="text" ?disabled=${this.disabled} .value=${String(this.value)} @change=${this.onInput} />`;
    }
  }

  private onInput(e: Event): void {
    const input = e.target as HTMLInputElement | HTMLSelectElement;
    const raw =
      input instanceof HTMLInputElement && input.type === 'checkbox' ? (input.checked ? '1' : '0') : input.value;
    const value = this.field.parse(raw);
    this.invalid = value === undefined;
    if (value !== undefined && !Array.isArray(value)) this.dispatchEvent(new KnobChange(this.field.param, value));
  }
}

customElements.define('knob-field', KnobField);
