// <resume-offer>: a stage's unfinished runs (the page was closed or reloaded while training), each with the step
// it stopped at, its latest checkpoint and a Resume button (a ResumeRun event up to the stage), and what resuming
// changes: the run goes on from the checkpoint with its own settings and data, AdamW's moments start again at zero.

import { LitElement, html, nothing } from 'lit';
import type { Resumable } from '../store/resume.ts';
import { ResumeRun } from './events.ts';
import { shared } from './styles.ts';

export class ResumeOffer extends LitElement {
  static override properties = {
    runs: { attribute: false },
    disabled: { type: Boolean },
    unit: { type: String },
  };

  runs: Resumable[] = [];
  disabled = false;
  /** What a step of these runs is called ('step', 'iteration'). */
  unit = 'step';

  static override styles = [shared];

  override render() {
    if (!this.runs.length) return nothing;
    return html`<div class="warn" id="resume">
      <strong>Unfinished run${this.runs.length > 1 ? 's' : ''}</strong> (the page was closed or reloaded while training):
      <ul>${this.runs.map(
        (
          r,
        ) => html`<li class="resumable" data-run=${r.run.id}>${r.run.name}: stopped at ${this.unit} ${r.run.step} / ${r.run.steps};
        latest checkpoint at ${this.unit} ${r.checkpoint.step}.
        <button class="resume" data-run=${r.run.id} ?disabled=${this.disabled} @click=${() => this.dispatchEvent(new ResumeRun(r.run.id))}>Resume</button></li>`,
      )}</ul>
      <span class="hint">Resume continues from the checkpoint's ${this.unit} with the run's own settings and data (the schedule and
        the ${this.unit === 'iteration' ? 'prompts' : 'batches'} go on from there). AdamW's moment estimates are not stored in checkpoints, so they
        restart from zero: the first updates after a resume are slightly smaller than in an uninterrupted run.</span>
    </div>`;
  }
}

customElements.define('resume-offer', ResumeOffer);
