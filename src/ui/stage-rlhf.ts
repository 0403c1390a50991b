// <stage-rlhf>: the notebook's RLHF stage. A placeholder until its trainer lands: it shows where the
// stage sits in the pipeline and what it will do; it will reuse <trainer-controls>, <metric-chart>
// and TrainerController like <stage-base>.

import { LitElement, html } from 'lit';
import { shared } from './styles.ts';

export class StageRlhf extends LitElement {
  static override styles = [shared];

  override render() {
    return html`<section class="stage" id="stage-rlhf" tabindex="-1" aria-labelledby="rlhf-title">
      <h2 id="rlhf-title"><span class="n">4</span>RLHF</h2>
      <p class="lead">PPO against the preference model with the reward r_PM − λ_KL·D_KL(π ‖ π0), starting from the base model; the reward grows roughly linearly in √KL (§4).</p>
      <p class="hint pending">Wired in as the RLHF trainer lands.</p>
    </section>`;
  }
}

customElements.define('stage-rlhf', StageRlhf);
