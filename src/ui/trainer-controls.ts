// <trainer-controls>: play / pause, step, reset and save for any trainer, with a progress bar and, while it
// plays, its pace and time left. Real <button>s (so Tab, Enter and Space work); the owning stage also maps Space
// and "s" to play/pause and step while it has focus. Sends TrainerActionEvent up; knows nothing about the Worker.

import { LitElement, css, html } from 'lit';
import type { TrainerStatus } from '../protocol.ts';
import { TrainerActionEvent } from './events.ts';
import { shared } from './styles.ts';

export class TrainerControls extends LitElement {
  static override properties = {
    status: { type: String },
    step: { type: Number },
    steps: { type: Number },
    disabled: { type: Boolean },
    pace: { type: String },
  };

  status: TrainerStatus = 'none';
  step = 0;
  steps = 0;
  /** No controls at all (no GPU, no data). */
  disabled = false;
  /** The pace and time left while playing (TrainerController.pace), shown after the step count. */
  pace = '';

  static override styles = [
    shared,
    css`
      .bar { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
      progress { width: 220px; height: 10px; }
      .count { font-variant-numeric: tabular-nums; color: #444; min-width: 9em; }
      .pace { font-variant-numeric: tabular-nums; color: #666; }
    `,
  ];

  override render() {
    const playing = this.status === 'playing';
    const busy = this.status === 'preparing';
    const ended = this.status === 'done';
    const fire = (action: TrainerActionEvent['action']) => () => this.dispatchEvent(new TrainerActionEvent(action));
    return html`<div class="bar" role="group" aria-label="trainer controls">
      <button id="play" class="primary" ?disabled=${this.disabled || busy || ended} @click=${fire(playing ? 'pause' : 'play')}
        aria-keyshortcuts="Space" title=${playing ? 'Pause after the current step (Space)' : 'Run steps until the end (Space)'}>
        ${playing ? '❚❚ Pause' : '▶ Play'}
      </button>
      <button id="step" ?disabled=${this.disabled || playing || busy || ended} @click=${fire('step')} aria-keyshortcuts="s"
        title="Take one step and read its metrics (s)">Step</button>
      <button id="reset" ?disabled=${this.disabled || this.status === 'none'} @click=${fire('reset')}
        title="Drop this run (its saved checkpoints stay)">Reset</button>
      <button id="save" ?disabled=${this.disabled || playing || busy || this.step === 0} @click=${fire('save')}
        title="Store the weights as they are now">Save checkpoint</button>
      <progress id="progress" max=${Math.max(1, this.steps)} .value=${this.step} aria-label="training progress"></progress>
      <span class="count" id="step-count">${this.statusText()}</span>
      <span class="pace" id="pace" aria-live="off">${this.pace}</span>
    </div>`;
  }

  private statusText(): string {
    switch (this.status) {
      case 'none':
        return 'no run yet';
      case 'preparing':
        return 'preparing…';
      case 'failed':
        return `failed at step ${this.step}`;
      default:
        return `step ${this.step} / ${this.steps}${this.status === 'done' ? ' (done)' : this.status === 'playing' ? ' ▸' : ''}`;
    }
  }
}

customElements.define('trainer-controls', TrainerControls);
