// <stage-pm>: the notebook's Preference model stage. A placeholder until its trainer lands: it shows where the
// stage sits in the pipeline and what it will do; it will reuse <trainer-controls>, <metric-chart>
// and TrainerController like <stage-base>.

import { LitElement, html } from 'lit';
import { shared } from './styles.ts';

export class StagePm extends LitElement {
  static override styles = [shared];

  override render() {
    return html`<section class="stage" id="stage-pm" tabindex="-1" aria-labelledby="pm-title">
      <h2 id="pm-title"><span class="n">3</span>Preference model</h2>
      <p class="lead">A language model with a scalar head, read at an end-of-context token, trained on comparisons with the loss −log σ(r_chosen − r_rejected); its accuracy, calibration and Elo scores (Bai et al. 2022, §3).</p>
      <p class="hint pending">Wired in as the Preference model trainer lands.</p>
    </section>`;
  }
}

customElements.define('stage-pm', StagePm);
