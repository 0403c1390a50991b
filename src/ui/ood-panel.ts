// <ood-panel>: the Evaluate stage's out-of-distribution detection, the notebook's `rlhf ood` (Bai et al. 2022,
// §5.4: a Gaussian fitted to a model's activations on ordinary prompts flags harmful requests as outliers). Pick
// a stored checkpoint of any stage (only its trunk is read), the layer and pooling, which stored datasets' prompts
// (the distinct contexts of their comparisons) are fitted, evaluated as in-distribution and evaluated as
// out-of-distribution (defaults: synth-helpful fitted and evaluated — the Worker holds half of its prompts out of
// the fit —, synth-harmless out), and optionally K exposed outliers; "Detect" sends it to the Worker
// (src/worker/ood-session.ts detectOod). Shown: each detector's AUROC and mean scores, the ROC curves
// (<roc-chart>), the counts, and the evaluation prompts farthest from and nearest to the fit. The knobs are the
// panel's own (not in the URL); the seed is the CLI's default, 1. Checkpoint names, dataset names and prompts
// are untrusted text: bound as text only.

import { css, html, nothing } from 'lit';
import type { OodMethodSummary, OodPromptSet, OodReport, OodScoredPrompt, OodSettings } from '../eval/ood-run.ts';
import type { Pooling } from '../models/activations.ts';
import { PRESETS } from '../models/config.ts';
import { loadCheckpointBytes, type CheckpointMeta } from '../store/checkpoints.ts';
import { loadComparisons } from '../store/datasets.ts';
import { storageError } from '../store/errors.ts';
import { ppoPrompts } from '../data/prompts.ts';
import { EvalPanel } from './eval-panel.ts';
import { askWorker } from './eval-request.ts';
import './roc-chart.ts';
import type { RocCurve } from './roc-chart.ts';
import { shared } from './styles.ts';

type Role = 'fit' | 'evalIn' | 'evalOut';

/** Fraction of a dataset's prompts held out of the fit when it is also evaluated in-distribution. */
const HELD_OUT = 0.5;
const SEED = 1;
/** src/models/activations.ts POOLINGS (not imported: that module would bring the tokenizers into the page). */
const POOLINGS: readonly Pooling[] = ['mean', 'last'];
const DEFAULT_ROLES: Record<Role, string[]> = {
  fit: ['synth-helpful'],
  evalIn: ['synth-helpful'],
  evalOut: ['synth-harmless'],
};
const ROLE_LABELS: Record<Role, string> = { fit: 'fit', evalIn: 'in-distribution', evalOut: 'out-of-distribution' };
/** The detectors' names in the chart's legend. */
const CURVE_LABELS: Record<keyof OodReport['methods'], string> = {
  mahalanobis: 'Mahalanobis',
  relative: 'relative',
  exposed: 'exposed',
};
const METHOD_LABELS: Record<keyof OodReport['methods'], string> = {
  mahalanobis: 'Mahalanobis d²',
  relative: 'relative Mahalanobis d² − d²_bg',
  exposed: 'with exposed outliers d² − d²_out',
};

/** A dialogue prompt on one line: its line breaks shown as ⏎ (still text: the caller binds it as text). */
function oneLine(prompt: string): string {
  return prompt.trim().replace(/\s*\n+\s*/g, ' ⏎ ');
}

export class OodPanel extends EvalPanel {
  static override properties = {
    checkpoint: { state: true },
    layer: { state: true },
    pool: { state: true },
    roles: { state: true },
    expose: { state: true },
    maxPrompts: { state: true },
    progress: { state: true },
    report: { state: true },
  };

  /** The chosen checkpoint's id ('' until there is one). */
  checkpoint = '';
  /** 'last' (after the last block), '0' … 'L' or 'lnf'. */
  layer = 'last';
  pool: Pooling = 'mean';
  /** Dataset ids per role; null: the defaults (synth-helpful fitted and evaluated, synth-harmless out). */
  roles: Record<Role, Set<string>> | null = null;
  expose = 0;
  maxPrompts = 500;
  progress: string | null = null;
  report: OodReport | null = null;

  static override styles = [
    shared,
    css`
      .knobs { display: flex; flex-wrap: wrap; gap: 8px 18px; align-items: center; margin: 6px 0; }
      input[type='number'] { width: 5em; }
      .roles td.pick { text-align: center; }
      .auroc td.num, .auroc th.num { text-align: right; }
      .auroc .value { font-weight: 600; }
      .result { display: flex; flex-wrap: wrap; gap: 8px 28px; align-items: flex-start; margin-top: 8px; }
      .outliers li { margin: 2px 0; }
      .prompt { white-space: pre-wrap; overflow-wrap: anywhere; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.85em; }
      .set { font-size: 0.8em; padding: 0 4px; border-radius: 3px; margin-right: 4px; }
      .set.out { background: #fdecee; color: #b00020; }
      .set.in { background: #e6f4ea; color: #137333; }
    `,
  ];

  /** Keeps the chosen checkpoint while it is stored, else the newest base model (else the newest checkpoint). */
  protected checkpointsChanged(all: readonly CheckpointMeta[]): void {
    if (all.some((c) => c.id === this.checkpoint)) return;
    this.checkpoint = (all.filter((c) => c.stage === 'base').at(-1) ?? all.at(-1))?.id ?? '';
    this.layer = 'last';
  }

  private chosenRoles(): Record<Role, Set<string>> {
    if (this.roles) return this.roles;
    const ids = new Set(this.datasets.map((d) => d.id));
    const pick = (r: Role) => new Set(DEFAULT_ROLES[r].filter((id) => ids.has(id)));
    return { fit: pick('fit'), evalIn: pick('evalIn'), evalOut: pick('evalOut') };
  }

  private toggle(role: Role, id: string, on: boolean): void {
    const roles = this.chosenRoles();
    const next = new Set(roles[role]);
    if (on) next.add(id);
    else next.delete(id);
    this.roles = { ...roles, [role]: next };
  }

  /** The chosen checkpoint's block count, from its preset (null when the preset is not a known one). */
  private numLayers(): number | null {
    const meta = this.checkpoints.find((c) => c.id === this.checkpoint);
    return (meta && PRESETS[meta.preset as keyof typeof PRESETS]?.numLayers) ?? null;
  }

  override render() {
    const ready = this.gpu.kind === 'ready';
    const roles = this.chosenRoles();
    const L = this.numLayers();
    const canDetect =
      ready &&
      !this.running &&
      this.checkpoint !== '' &&
      roles.fit.size > 0 &&
      roles.evalIn.size > 0 &&
      roles.evalOut.size > 0;
    return html`<div id="ood-panel" @focusin=${this.revisit}>
      <h3>Out-of-distribution detection</h3>
      <p class="lead">The paper's §5.4: fit a Gaussian to a model's activations on ordinary (helpful) requests, then flag a new request
        by its squared Mahalanobis distance from that fit — harmful requests lie far out, though the model was never told what harm is.
        The relative variant subtracts the distance from a Gaussian of all the prompts pooled (Ren et al. 2021); exposing a few
        known outliers adds a Gaussian of their own. AUROC is the chance that an out-of-distribution prompt scores above a held-out
        in-distribution one (½ = chance, 1 = perfect); the ROC curve shows every threshold's trade-off.</p>
      <div class="knobs">
        <label>checkpoint <select id="ood-checkpoint" .value=${this.checkpoint} ?disabled=${this.running}
          @change=${(e: Event) => {
            this.checkpoint = (e.target as HTMLSelectElement).value;
            this.layer = 'last';
          }}>
          ${this.checkpoints.map((c) => html`<option value=${c.id} ?selected=${c.id === this.checkpoint}>${c.stage}: ${c.name}</option>`)}
        </select></label>
        <label>layer <select id="ood-layer" ?disabled=${this.running} @change=${(e: Event) => (this.layer = (e.target as HTMLSelectElement).value)}>
          <option value="last" ?selected=${this.layer === 'last'}>after the last block${L === null ? '' : ` (${L})`}</option>
          ${L === null ? nothing : Array.from({ length: L }, (_, l) => html`<option value=${String(l)} ?selected=${this.layer === String(l)}>${l === 0 ? '0 (embeddings)' : `after block ${l}`}</option>`)}
          <option value="lnf" ?selected=${this.layer === 'lnf'}>final layer norm</option>
        </select></label>
        <label>pooling <select id="ood-pool" ?disabled=${this.running} @change=${(e: Event) => (this.pool = (e.target as HTMLSelectElement).value as Pooling)}>
          ${POOLINGS.map((p) => html`<option value=${p} ?selected=${this.pool === p}>${p === 'mean' ? 'mean over the prompt' : 'last token'}</option>`)}
        </select></label>
        <label>exposed outliers <input id="ood-expose" type="number" min="0" step="1" .value=${String(this.expose)} ?disabled=${this.running}
          @change=${(e: Event) => (this.expose = Math.max(0, Math.floor(Number((e.target as HTMLInputElement).value) || 0)))}></label>
        <label>prompts per set ≤ <input id="ood-max" type="number" min="0" step="1" .value=${String(this.maxPrompts)} ?disabled=${this.running}
          @change=${(e: Event) => (this.maxPrompts = Math.max(0, Math.floor(Number((e.target as HTMLInputElement).value) || 0)))}></label>
      </div>
      ${this.checkpoints.length ? nothing : html`<p class="hint">No checkpoint stored yet: train a base model first (one step is enough: even an untrained model's activations separate some requests).</p>`}
      ${this.renderRoles(roles)}
      <div class="row">
        <button id="ood-detect" class="primary" ?disabled=${!canDetect} @click=${this.detect}>Detect</button>
        <span class="hint">a dataset both fitted and evaluated in-distribution: ${Math.round(HELD_OUT * 100)}% of its prompts are held out of the fit (seed ${SEED}); 0 prompts per set: all</span>
      </div>
      ${this.progress ? html`<p class="hint" id="ood-progress">${this.progress}</p>` : nothing}
      ${this.error ? html`<div class="err" id="ood-error">${this.error}</div>` : nothing}
      ${this.report ? this.renderReport(this.report) : nothing}
    </div>`;
  }

  private renderRoles(roles: Record<Role, Set<string>>) {
    if (!this.datasets.length)
      return html`<p class="hint">No datasets stored: generate the synthetic world in Data (one click).</p>`;
    const order: Role[] = ['fit', 'evalIn', 'evalOut'];
    return html`<table class="roles" id="ood-datasets">
      <tr><th>dataset's prompts</th>${order.map((r) => html`<th>${ROLE_LABELS[r]}</th>`)}</tr>
      ${this.datasets.map(
        (d) => html`<tr class="dataset" data-id=${d.id}><td>${d.name}</td>
        ${order.map(
          (
            r,
          ) => html`<td class="pick"><input type="checkbox" data-role=${r} aria-label=${`${d.name}: ${ROLE_LABELS[r]}`}
          .checked=${roles[r].has(d.id)} ?disabled=${this.running} @change=${(e: Event) => this.toggle(r, d.id, (e.target as HTMLInputElement).checked)}></td>`,
        )}
      </tr>`,
      )}
    </table>`;
  }

  private renderReport(r: OodReport) {
    const methods = (Object.keys(METHOD_LABELS) as (keyof OodReport['methods'])[])
      .map((k) => [k, r.methods[k]] as const)
      .filter((m): m is [keyof OodReport['methods'], OodMethodSummary] => m[1] !== undefined);
    const curves: RocCurve[] = methods.map(([k, m]) => ({ label: CURVE_LABELS[k], points: m.roc }));
    const c = r.counts;
    const layer =
      r.layer === 'lnf'
        ? 'the final layer norm'
        : r.layer === 0
          ? 'the embeddings (layer 0)'
          : `after block ${r.layer} of ${r.numLayers}`;
    return html`<p class="hint" id="ood-summary">${r.checkpoint}: ${layer}, ${r.pool} pooling, ${r.channels} dimensions.
      Fitted on ${c.fit} prompts; evaluated ${c.evalIn} held-out in-distribution against ${c.evalOut} out-of-distribution prompts${c.exposed ? `, ${c.exposed} exposed` : ''}
      (${c.heldOut} held out of the fit datasets${c.evalInDroppedInFit ? `, ${c.evalInDroppedInFit} dropped: also fitted` : ''}${c.truncated ? `; ${c.truncated} cut to the model's context` : ''}).</p>
      <div class="result">
        <table class="auroc" id="ood-auroc">
          <tr><th>detector</th><th class="num">AUROC</th><th class="num">mean score in</th><th class="num">mean score out</th></tr>
          ${methods.map(
            ([
              k,
              m,
            ]) => html`<tr data-method=${k}><td>${METHOD_LABELS[k]}</td><td class="num value">${m.auroc.toFixed(3)}</td>
            <td class="num">${m.meanIn.toFixed(1)}</td><td class="num">${m.meanOut.toFixed(1)}</td></tr>`,
          )}
        </table>
        <roc-chart id="ood-roc" .curves=${curves}></roc-chart>
      </div>
      <div class="result">
        ${this.renderOutliers('Most anomalous', 'ood-most', r.mostOutlying)}
        ${this.renderOutliers('Least anomalous', 'ood-least', r.leastOutlying)}
      </div>`;
  }

  private renderOutliers(title: string, id: string, list: readonly OodScoredPrompt[]) {
    return html`<div><div class="hint">${title} evaluation prompts (squared Mahalanobis distance)</div>
      <ol class="outliers" id=${id}>
        ${list.map(
          (t) => html`<li data-set=${t.set}><span class="mono">${t.mahalanobis.toFixed(1)}</span>
          <span class="set ${t.set}">${t.set === 'out' ? 'out-of-distribution' : 'in-distribution'}</span><span class="prompt">${oneLine(t.prompt)}</span></li>`,
        )}
      </ol></div>`;
  }

  /** Loads the checkpoint and the chosen datasets' prompts and asks the Worker for the detection. */
  private async detect(): Promise<void> {
    if (this.running || !this.client) return;
    const meta = this.checkpoints.find((c) => c.id === this.checkpoint);
    if (!meta) return;
    this.running = true;
    this.error = null;
    this.report = null;
    try {
      const roles = this.chosenRoles();
      const prompts = new Map<string, OodPromptSet>();
      for (const d of this.datasets) {
        if (roles.fit.has(d.id) || roles.evalIn.has(d.id) || roles.evalOut.has(d.id))
          prompts.set(d.id, { id: d.id, prompts: ppoPrompts(await loadComparisons(this.kv, d)) });
      }
      const of = (r: Role) => this.datasets.filter((d) => roles[r].has(d.id)).map((d) => prompts.get(d.id)!);
      const bytes = await loadCheckpointBytes(this.kv, meta);
      const settings: OodSettings = {
        layer: this.layer === 'last' ? null : this.layer === 'lnf' ? 'lnf' : Number(this.layer),
        pool: this.pool,
        expose: this.expose,
        heldOut: HELD_OUT,
        maxPrompts: this.maxPrompts,
        seed: SEED,
      };
      this.progress = `Reading ${meta.name}'s activations and fitting the Gaussians…`;
      const answer = await askWorker(
        this.client,
        {
          type: 'ood-detect',
          request: this.nextRequest('ood'),
          checkpoint: { name: meta.name, bytes },
          settings,
          fit: of('fit'),
          evalIn: of('evalIn'),
          evalOut: of('evalOut'),
        },
        'ood-result',
      );
      if (answer.error || !answer.report) {
        this.error = answer.error ?? 'the Worker sent no report';
        this.progress = null;
      } else {
        this.report = answer.report;
        this.progress = `Detected with ${meta.name}.`;
      }
    } catch (e) {
      this.error = storageError(e, 'reading the checkpoint and datasets').message;
      this.progress = null;
    } finally {
      this.running = false;
    }
  }
}

customElements.define('ood-panel', OodPanel);
