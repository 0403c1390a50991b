// <stage-eval>: the Evaluate stage's cross-evaluation. Every stored preference model (rows) is scored on
// every stored dataset (columns): a cell is the model's held-out accuracy on that dataset with its n,
// coloured from red (prefers the rejected responses) through white (chance) to green. The paper's
// helpful-vs-harmless tension (§4.4) shows up here: a PM trained on helpful data alone scores below
// chance on harmless data, one trained on both gets both right. "Evaluate all" sends each model with
// its cells' pairs to the Worker (src/worker/pm-session.ts evaluatePM); a cell scores at most
// CELL_PAIRS pairs of the dataset's held-out split under the model's seed (src/ui/eval-heatmap.ts), so
// it never scores a pair the model trained on, and stays quick on a software GPU. Each model's cells are
// stored as soon as they are scored (src/store/evaluations.ts), and shown again after a reload while the
// model and the dataset are the versions they were computed on.

import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { Comparison } from '../data/comparisons.ts';
import type { PMCellResult, PMDataset, WorkerEvent } from '../protocol.ts';
import { listCheckpoints, loadCheckpointBytes, type CheckpointMeta } from '../store/checkpoints.ts';
import { loadComparisons, type DatasetMeta } from '../store/datasets.ts';
import { storageError } from '../store/errors.ts';
import { freshCells, loadCells, recordVersion, saveCells } from '../store/evaluations.ts';
import type { KV } from '../store/kv.ts';
import './elo-panel.ts';
import { CELL_PAIRS, accuracyRgb, cellKey, cellPairs, heatCell } from './eval-heatmap.ts';
import './online-panel.ts';
import './ood-panel.ts';
import type { Experiment } from './experiment.ts';
import type { GpuState } from './training-stage.ts';
import './tax-panel.ts';
import { shared } from './styles.ts';
import './tension-explorer.ts';
import type { WorkerClient } from './worker-client.ts';

type Answer = Extract<WorkerEvent, { type: 'pm-evaluation' }>;

export class StageEval extends LitElement {
  static override properties = {
    kv: { attribute: false },
    client: { attribute: false },
    gpu: { attribute: false },
    datasets: { attribute: false },
    experiment: { attribute: false },
    models: { state: true },
    results: { state: true },
    rowErrors: { state: true },
    running: { state: true },
    progress: { state: true },
    error: { state: true },
    storedAt: { state: true },
  };

  kv!: KV;
  client: WorkerClient | null = null;
  gpu: GpuState = { kind: 'starting' };
  datasets: DatasetMeta[] = [];
  /** The experiment: the tension explorer runs with the PM and RLHF stages' settings. */
  experiment!: Experiment;
  /** The stored preference models (rows). */
  models: CheckpointMeta[] = [];
  /** Cell results by cellKey(checkpoint, dataset). */
  results = new Map<string, PMCellResult>();
  /** Why a row could not be scored. */
  rowErrors = new Map<string, string>();
  /** When the cells on show were scored, if they came from the store. */
  storedAt: number | null = null;
  running = false;
  progress: string | null = null;
  error: string | null = null;

  private unsubscribe: (() => void) | null = null;
  private readonly pending = new Map<string, (answer: Answer) => void>();
  private requests = 0;

  static override styles = [
    shared,
    css`
      .heat { margin-top: 12px; }
      .heat th.col { max-width: 9em; word-break: break-word; font-weight: 600; }
      .heat td.cell { min-width: 5.5em; text-align: center; border: 2px solid white; padding: 6px 8px; }
      .heat td.cell.own { border-color: #444; }
      .heat .acc { font-weight: 600; font-size: 1.05em; }
      .heat .n { font-size: 0.8em; opacity: 0.85; }
      .legend { display: flex; align-items: center; gap: 8px; margin-top: 8px; font-size: 0.88em; color: #555; }
      .bar { width: 180px; height: 12px; border: 1px solid #ccc; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.subscribe();
    void this.refreshModels().then(() => this.showStored());
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) this.subscribe();
    // a dataset imported, grown or deleted elsewhere: show only the stored cells still fresh
    if (changed.has('datasets') && changed.get('datasets') !== undefined && !this.running) void this.showStored();
  }

  /** The stored cells computed on the current models and datasets. */
  private async showStored(): Promise<void> {
    try {
      const cells = freshCells(await loadCells(this.kv), this.models, this.datasets);
      this.results = new Map(cells.map((c) => [cellKey(c.checkpoint, c.dataset), c.result]));
      this.storedAt = cells.length ? Math.max(...cells.map((c) => c.evaluated)) : null;
    } catch (e) {
      this.error = storageError(e, 'reading the stored evaluations').message;
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private subscribe(): void {
    this.unsubscribe?.();
    this.unsubscribe =
      this.isConnected && this.client
        ? this.client.on((e) => {
            if (e.type !== 'pm-evaluation') return;
            this.pending.get(e.request)?.(e);
            this.pending.delete(e.request);
          })
        : null;
  }

  override render() {
    const ready = this.gpu.kind === 'ready';
    const gradient = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map((a) => `rgb(${accuracyRgb(a).join(',')})`).join(', ')})`;
    return html`<section class="stage" id="stage-eval" tabindex="-1" aria-labelledby="eval-title" @focusin=${this.onFocus}>
      <h2 id="eval-title"><span class="n">5</span>Evaluate</h2>
      <p class="lead">Every stored preference model scored on every stored dataset: held-out accuracy, the fraction of comparisons in
        which it gives the chosen response the higher score. Trained on one kind of data, a PM can score below chance on the other —
        the paper's tension between helpfulness and harmlessness (Bai et al. 2022, §4.4).</p>
      <div class="row">
        <button id="evaluate-all" class="primary" ?disabled=${!ready || this.running} @click=${this.evaluateAll}>Evaluate all</button>
        <span class="hint">each cell: at most ${CELL_PAIRS} pairs of the dataset's held-out 10% (split by the model's seed, as in its training), never a training pair</span>
      </div>
      ${this.progress ? html`<p class="hint" id="eval-progress">${this.progress}</p>` : nothing}
      ${
        !this.progress && this.storedAt !== null
          ? html`<p class="hint" id="eval-stored">Stored results, scored ${new Date(this.storedAt).toLocaleString()}; Evaluate all scores them again.</p>`
          : nothing
      }
      ${this.error ? html`<div class="err" id="eval-error">${this.error}</div>` : nothing}
      ${this.renderHeatMap()}
      <div class="legend"><span>0</span><span class="bar" style="background: ${gradient}"></span><span>1</span>
        <span>accuracy: red below chance (½), green above; outlined: a dataset the model was trained on</span></div>
      <tension-explorer .kv=${this.kv} .client=${this.client} .gpu=${this.gpu} .experiment=${this.experiment} .datasets=${this.datasets}></tension-explorer>
      <online-panel .kv=${this.kv} .client=${this.client} .gpu=${this.gpu} .experiment=${this.experiment} .datasets=${this.datasets}></online-panel>
      <elo-panel .kv=${this.kv} .client=${this.client} .gpu=${this.gpu} .datasets=${this.datasets}></elo-panel>
      <tax-panel .kv=${this.kv} .client=${this.client} .gpu=${this.gpu} .datasets=${this.datasets}></tax-panel>
      <ood-panel .kv=${this.kv} .client=${this.client} .gpu=${this.gpu} .datasets=${this.datasets}></ood-panel>
    </section>`;
  }

  private renderHeatMap() {
    if (!this.models.length) {
      return html`<p class="hint" id="eval-empty">No preference model stored yet: train one in the Preference-model stage (it is stored when the run ends or on Save checkpoint).</p>`;
    }
    if (!this.datasets.length)
      return html`<p class="hint" id="eval-empty">No datasets stored: generate or import some in Data.</p>`;
    return html`<table class="heat" id="heatmap">
      <tr><th>preference model ↓ · dataset →</th>${this.datasets.map((d) => html`<th class="col" title=${d.id}>${d.name}</th>`)}</tr>
      ${this.models.map((m) => {
        const own = new Set((m.metadata.datasets ?? '').split(',').filter(Boolean));
        const rowError = this.rowErrors.get(m.id);
        return html`<tr class="model" data-id=${m.id}>
          <th title=${`trained on ${[...own].join(', ') || 'unknown datasets'}`}>${m.name}</th>
          ${
            rowError
              ? html`<td class="err" colspan=${this.datasets.length}>${rowError}</td>`
              : this.datasets.map((d) => {
                  const cell = heatCell(this.results.get(cellKey(m.id, d.id)));
                  return html`<td class="cell ${own.has(d.id) ? 'own' : ''}" data-checkpoint=${m.id} data-dataset=${d.id} title=${cell.title}
                style=${`background: ${cell.background}; color: ${cell.color}`}>
                <div class="acc">${cell.text}</div><div class="n">${cell.n}</div></td>`;
                })
          }
        </tr>`;
      })}
    </table>`;
  }

  private onFocus(): void {
    if (!this.running) void this.refreshModels();
  }

  private async refreshModels(): Promise<void> {
    try {
      this.models = (await listCheckpoints(this.kv)).filter((c) => c.stage === 'pm');
    } catch (e) {
      this.error = storageError(e, 'listing the preference models').message;
    }
  }

  /** Scores every stored preference model on every stored dataset, one model (one Worker request) at a time. */
  private async evaluateAll(): Promise<void> {
    if (this.running || !this.client) return;
    this.running = true;
    this.error = null;
    this.results = new Map();
    this.rowErrors = new Map();
    this.storedAt = null;
    const comparisons = new Map<string, Comparison[]>();
    try {
      await this.refreshModels();
      const datasets = this.datasets;
      for (const d of datasets) comparisons.set(d.id, await loadComparisons(this.kv, d));
      for (const [i, m] of this.models.entries()) {
        this.progress = `Scoring ${m.name} (${i + 1} of ${this.models.length}) on ${datasets.length} dataset${datasets.length === 1 ? '' : 's'}…`;
        const seed = Number(m.metadata.seed);
        if (!m.metadata.seed || !Number.isInteger(seed)) {
          this.rowErrors = new Map(this.rowErrors).set(
            m.id,
            'its metadata has no seed, so its held-out pairs cannot be found',
          );
          continue;
        }
        const sets: PMDataset[] = datasets.map((d) => {
          const all = comparisons.get(d.id)!;
          return {
            id: d.id,
            comparisons: cellPairs(all.length, seed).map((j) => ({
              context: all[j].context,
              chosen: all[j].chosen,
              rejected: all[j].rejected,
              subset: all[j].subset,
            })),
          };
        });
        const answer = await this.ask(await loadCheckpointBytes(this.kv, m), sets);
        if (answer.error) {
          this.rowErrors = new Map(this.rowErrors).set(m.id, answer.error);
          continue;
        }
        const results = new Map(this.results);
        for (const r of answer.results) results.set(cellKey(m.id, r.dataset), r);
        this.results = results;
        const byId = new Map(datasets.map((d) => [d.id, d]));
        const evaluated = Date.now();
        const cells = answer.results.map((result) => ({
          checkpoint: m.id,
          dataset: result.dataset,
          checkpointVersion: recordVersion(m),
          datasetVersion: recordVersion(byId.get(result.dataset)!),
          result,
          evaluated,
        }));
        // the heat map keeps its cells when storing them fails; the message says they will not survive a reload
        await saveCells(this.kv, cells, this.models, datasets).catch(
          (e: unknown) => (this.error = `${(e as Error).message} The results on show will not survive a reload.`),
        );
      }
      this.progress = `Scored ${this.models.length} preference model${this.models.length === 1 ? '' : 's'} on ${datasets.length} dataset${datasets.length === 1 ? '' : 's'}.`;
    } catch (e) {
      this.error = storageError(e, 'reading the models and datasets').message;
      this.progress = null;
    } finally {
      this.running = false;
    }
  }

  /** Sends one model and its cells' pairs to the Worker; resolves with the Worker's answer. */
  private ask(checkpoint: Uint8Array, sets: PMDataset[]): Promise<Answer> {
    const request = `eval-${++this.requests}`;
    return new Promise((resolve) => {
      this.pending.set(request, resolve);
      this.client!.send({ type: 'pm-evaluate', request, checkpoint, sets });
    });
  }
}

customElements.define('stage-eval', StageEval);
