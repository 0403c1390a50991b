// <stage-eval>: the notebook's Evaluate stage. A placeholder until its trainer lands: it shows where the
// stage sits in the pipeline and what it will do; it will reuse <trainer-controls>, <metric-chart>
// and TrainerController like <stage-base>.

import { LitElement, html } from 'lit';
import { shared } from './styles.ts';

export class StageEval extends LitElement {
  static override styles = [shared];

  override render() {
    return html`<section class="stage" id="stage-eval" tabindex="-1" aria-labelledby="eval-title">
      <h2 id="eval-title"><span class="n">5</span>Evaluate</h2>
      <p class="lead">Compare the base model and the RLHF policies: preference-model scores, Elo, helpful-vs-harmless tension, and samples side by side (§3–§4).</p>
      <p class="hint pending">Wired in as the Evaluate trainer lands.</p>
    </section>`;
  }
}

customElements.define('stage-eval', StageEval);
