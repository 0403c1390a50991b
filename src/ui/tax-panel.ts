// <tax-panel>: the Evaluate stage's alignment tax, the notebook's `rlhf lm-eval` (Bai et al. 2022 §4.5 ask
// whether RLHF costs the model its other abilities; at our scale: its language-model loss on dialogues).
// Tick stored policy checkpoints (the base model first, then its RLHF policies: the list puts base models
// first) and datasets; "Compute" sends them with the datasets' transcripts (context + chosen, as the Base-model
// stage trains on) to the Worker (src/worker/eval-session.ts lmLosses), which splits them by the seed exactly
// as the base run did (src/train/lm-run.ts lmData: with the base run's datasets and seed, its own held-out 10%)
// and evaluates every model on the same four held-out batches. Shown: each loss in nats/token and its
// difference to the first ticked checkpoint's, the tax. The seed is the first ticked base model's (its
// metadata), else 1; sequences are min(128, the shortest context) tokens, BATCH per batch.
// Checkpoint and dataset names are untrusted text: bound as text only.

import { css, html, nothing } from 'lit';
import { PRESETS } from '../models/config.ts';
import type { LMLossEvaluation } from '../protocol.ts';
import { loadCheckpointBytes, type CheckpointMeta } from '../store/checkpoints.ts';
import { chosenTranscripts, loadComparisons, type DatasetMeta } from '../store/datasets.ts';
import { storageError } from '../store/errors.ts';
import { EvalPanel } from './eval-panel.ts';
import { askWorker, policyCheckpoints, toggled } from './eval-request.ts';
import { shared } from './styles.ts';

/** Sequences per held-out batch. */
const BATCH = 8;

export class TaxPanel extends EvalPanel {
  static override properties = {
    policies: { state: true },
    ticked: { state: true },
    sets: { state: true },
    progress: { state: true },
    evaluation: { state: true },
    seed: { state: true },
  };

  policies: CheckpointMeta[] = [];
  /** Ticked checkpoint ids. */
  ticked = new Set<string>();
  /** Ticked dataset ids; null: every dataset that is not a labels dataset. */
  sets: Set<string> | null = null;
  progress: { done: number; total: number; message: string } | null = null;
  evaluation: LMLossEvaluation | null = null;
  /** The seed the shown evaluation split the transcripts with. */
  seed = 1;

  static override styles = [
    shared,
    css`
      .picks { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 4px 0 8px; }
      .picks label { white-space: nowrap; }
      td.num, th.num { text-align: right; }
      progress { width: 200px; vertical-align: middle; }
    `,
  ];

  protected checkpointsChanged(all: readonly CheckpointMeta[]): void {
    this.policies = policyCheckpoints(all);
    this.ticked = new Set([...this.ticked].filter((id) => this.policies.some((c) => c.id === id)));
  }

  private chosenSets(): DatasetMeta[] {
    return this.datasets.filter((d) => (this.sets ? this.sets.has(d.id) : !d.id.startsWith('labels-')));
  }

  override render() {
    const chosen = this.chosenSets();
    const sets = new Set(chosen.map((d) => d.id));
    const can = this.gpu.kind === 'ready' && !this.running && this.ticked.size >= 1 && chosen.length > 0;
    return html`<div id="tax-panel" @focusin=${this.revisit}>
      <h3>Alignment tax</h3>
      <p class="lead">Does RLHF cost the model its language modelling (the paper's §4.5)? Every ticked checkpoint's loss on the same
        held-out dialogues, in nats per token; the tax is each loss minus the first ticked checkpoint's (tick the base model and its
        RLHF policies). With the base run's datasets the held-out dialogues are exactly the ones it held out.</p>
      <div class="hint">checkpoints (base models first)</div>
      <div class="picks" id="tax-models">
        ${
          this.policies.length
            ? this.policies.map(
                (
                  c,
                ) => html`<label class="model"><input type="checkbox" data-id=${c.id} .checked=${this.ticked.has(c.id)}
              @change=${(e: Event) => {
                this.ticked = toggled(this.ticked, c.id, (e.target as HTMLInputElement).checked);
              }}>${c.name}</label>`,
              )
            : html`<span class="hint">no policy checkpoints stored yet</span>`
        }
      </div>
      <div class="hint">dialogues from</div>
      <div class="picks" id="tax-datasets">
        ${this.datasets.map(
          (d) => html`<label class="dataset"><input type="checkbox" data-id=${d.id} .checked=${sets.has(d.id)}
          @change=${(e: Event) => {
            this.sets = toggled(sets, d.id, (e.target as HTMLInputElement).checked);
          }}>${d.name}</label>`,
        )}
      </div>
      <div class="row"><button id="tax-compute" class="primary" ?disabled=${!can} @click=${() => void this.compute()}>Compute the tax</button></div>
      ${
        this.progress
          ? html`<p class="hint" id="tax-progress"><progress max=${this.progress.total} .value=${this.progress.done}></progress>
        ${this.progress.message}</p>`
          : nothing
      }
      ${this.error ? html`<div class="err" id="tax-error">${this.error}</div>` : nothing}
      ${this.evaluation ? this.renderResults(this.evaluation) : nothing}
    </div>`;
  }

  private renderResults(ev: LMLossEvaluation) {
    return html`<table id="tax-table">
        <tr><th>checkpoint</th><th class="num">held-out loss (nats/token)</th><th class="num">alignment tax</th></tr>
        ${ev.results.map(
          (r, i) => html`<tr class="tax-row" data-model=${r.model}><td>${r.model}</td>
          <td class="num" data-col="loss">${r.loss.toFixed(4)}</td>
          <td class="num" data-col="tax">${i === 0 ? '0 (reference)' : `${r.alignment_tax >= 0 ? '+' : '−'}${Math.abs(r.alignment_tax).toFixed(4)}`}</td></tr>`,
        )}
      </table>
      <p class="hint" id="tax-about">${ev.heldOutTranscripts} held-out dialogues of ${ev.transcripts} (split by seed ${this.seed});
        ${ev.batches} batches of ${ev.batchSize} × ${ev.seqLen} tokens, the same for every checkpoint.</p>`;
  }

  private async compute(): Promise<void> {
    if (this.running || !this.client) return;
    this.running = true;
    this.error = null;
    this.evaluation = null;
    this.progress = { done: 0, total: 1, message: 'loading the checkpoints and dialogues…' };
    try {
      const chosen = this.policies.filter((c) => this.ticked.has(c.id));
      const models = [];
      for (const c of chosen) models.push({ name: c.name, bytes: await loadCheckpointBytes(this.kv, c) });
      let transcripts: string[] = [];
      for (const d of this.chosenSets())
        transcripts = transcripts.concat(chosenTranscripts(await loadComparisons(this.kv, d)));
      const base = Number(chosen.find((c) => c.stage === 'base')?.metadata.seed);
      const seed = Number.isInteger(base) ? base : 1;
      const contexts = chosen.map(
        (c) => (PRESETS as Record<string, { maxSeqLen: number } | undefined>)[c.preset]?.maxSeqLen ?? 32,
      );
      const request = this.nextRequest('tax');
      const answer = await askWorker(
        this.client,
        {
          type: 'lm-evaluate',
          request,
          models,
          transcripts,
          settings: { batchSize: BATCH, seqLen: Math.min(128, ...contexts), seed, assistantOnly: false },
        },
        'lm-evaluation',
        (p) => (this.progress = { done: p.done, total: p.total, message: p.message }),
      );
      if (answer.error || !answer.evaluation) throw new Error(`the evaluation failed: ${answer.error ?? 'no answer'}`);
      this.seed = seed;
      this.evaluation = answer.evaluation;
    } catch (e) {
      this.error =
        e instanceof Error && e.name !== 'StorageError'
          ? e.message
          : storageError(e, 'loading the checkpoints').message;
    } finally {
      this.running = false;
      this.progress = null;
    }
  }
}

customElements.define('tax-panel', TaxPanel);
