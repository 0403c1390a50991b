// <stage-pm>: the Preference-model stage (Bai et al. 2022, §3). A preference model is the GPT trunk with a
// scalar reward head read at an end-of-context token appended to each side of a comparison, trained on
// −log σ(r_chosen − r_rejected). Its trunk starts from a stored base-model checkpoint (the paper starts
// its PMs from pretrained language models) or at random. The Worker trains it (src/worker/pm-session.ts)
// under play / pause / step / reset / save (Space and "s" while the stage has focus); at every metrics
// read the stage shows that step's batch pair by pair (context, both responses, r_chosen, r_rejected, the
// margin, the pair's loss, right or wrong), the loss and accuracy curves, and the calibration diagram of
// the latest held-out evaluation. Checkpoints (with their reward head) and runs are stored in IndexedDB
// (stage 'pm') and listed after a reload; the Evaluate stage scores them on every dataset. A checkpoint is
// also stored every `pm.save` steps; after a reload an unfinished run resumes from it (src/worker/pm-session.ts
// says how, and what differs from an uninterrupted run).

import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { PMEvalReport } from '../eval/pm-report.ts';
import { trainingPairs } from '../data/comparisons.ts';
import { PRESETS, type PresetName } from '../models/config.ts';
import type { PMDataset, PMInspectPair, PMRunSettings, WorkerEvent } from '../protocol.ts';
import { loadCheckpointBytes, type CheckpointMeta } from '../store/checkpoints.ts';
import { loadComparisons, type DatasetMeta } from '../store/datasets.ts';
import { storageError } from '../store/errors.ts';
import type { KV } from '../store/kv.ts';
import { lastValues } from '../store/runs.ts';
import './calibration-chart.ts';
import { ExperimentChange, type KnobChange, type ResumeRun, type SavedAction, type TrainerActionEvent } from './events.ts';
import { PM_FIELDS, withPm, type Experiment, type PMConfig } from './experiment.ts';
import { formatCount, formatMetric } from '../util/format.ts';
import './knob-field.ts';
import './metric-chart.ts';
import { stepRows, stepSummary } from './pm-view.ts';
import './resume-offer.ts';
import './saved-list.ts';
import type { GpuState } from './stage-base.ts';
import { StageStore } from './stage-store.ts';
import { shared } from './styles.ts';
import { stageKeyAction, TrainerController, type StageAction } from './trainer-controller.ts';
import './trainer-controls.ts';
import type { WorkerClient } from './worker-client.ts';

const KNOBS = ['steps', 'pairs', 'seq', 'lr', 'evalEvery', 'init', 'saveEvery'] as const satisfies readonly (keyof PMConfig)[];
const METRICS = [
  'train/loss', 'train/accuracy', 'eval/loss', 'eval/accuracy', 'eval/ece', 'eval/length_baseline_accuracy', 'train/margin', 'train/grad_norm', 'train/lr',
  'train/pairs_per_second',
] as const;

/** The last values a stored run's row shows. */
const SAVED_COLUMNS: [string, string][] = [['train/loss', 'train loss'], ['eval/loss', 'eval loss'], ['eval/accuracy', 'eval accuracy'], ['eval/ece', 'ECE']];

/** The context length of a stored checkpoint's model, when its preset is known. */
function checkpointContext(c: CheckpointMeta): number | undefined {
  return PRESETS[c.preset as PresetName]?.maxSeqLen;
}

export class StagePm extends LitElement {
  static override properties = {
    kv: { attribute: false },
    client: { attribute: false },
    gpu: { attribute: false },
    experiment: { attribute: false },
    datasets: { attribute: false },
    baseChoice: { state: true },
    inspected: { state: true },
    report: { state: true },
    error: { state: true },
    note: { state: true },
  };

  kv!: KV;
  client: WorkerClient | null = null;
  gpu: GpuState = { kind: 'starting' };
  experiment!: Experiment;
  datasets: DatasetMeta[] = [];
  /** The base checkpoint chosen to start from ('' = the newest). */
  baseChoice = '';
  /** The batch of the last step whose metrics were read. */
  inspected: { step: number; pairs: PMInspectPair[] } | null = null;
  /** The latest held-out evaluation. */
  report: { step: number; report: PMEvalReport } | null = null;
  error: string | null = null;
  note: string | null = null;

  private readonly pm = new TrainerController(this, 'pm');
  private readonly store = new StageStore(this, {
    stage: 'pm',
    kv: () => this.kv,
    checkpoint: (e, live) => {
      const preset = e.metadata.preset ?? String(live.settings.model);
      return { id: `${e.run}-step${e.step}`, name: `pm ${preset} · step ${e.step}`, preset };
    },
    record: () => ({ info: this.pm.info, adapter: this.gpu.kind === 'ready' ? this.gpu.adapter : '', history: this.pm.history }),
    onError: (message) => (this.error = message),
  });
  private unsubscribe: (() => void) | null = null;

  static override styles = [
    shared,
    css`
      fieldset { border: 1px solid #e4e4e4; border-radius: 6px; margin: 8px 0; padding: 8px 12px; }
      legend { color: #555; font-size: 0.9em; }
      .datasets label { margin-right: 16px; }
      .metrics { align-self: start; }
      .metrics td:first-child { color: #555; }
      .cols { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 16px; margin-top: 12px; }
      metric-chart { width: 100%; }
      .steps td { font-size: 0.88em; }
      .steps .text { white-space: pre-wrap; word-break: break-word; max-width: 22em; }
      .steps .context { color: #666; max-width: 16em; }
      .steps .num { text-align: right; }
      .steps tr.wrong td { background: #fdecee; }
      .calibration { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; align-items: start; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.pm.onCheckpoint = (e) => void this.store.queue(e);
    this.subscribe();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) {
      this.pm.setClient(this.client);
      this.subscribe();
    }
  }

  /** Follows the Worker's preference-model events that the trainer controller does not know (inspect, report). */
  private subscribe(): void {
    this.unsubscribe?.();
    this.unsubscribe = this.isConnected && this.client ? this.client.on((e) => this.onWorkerEvent(e)) : null;
  }

  private onWorkerEvent(e: WorkerEvent): void {
    if (e.type === 'pm-inspect' && e.run === this.pm.run) this.inspected = { step: e.step, pairs: e.pairs };
    else if (e.type === 'pm-report' && e.run === this.pm.run) this.report = { step: e.step, report: e.report };
  }

  override render() {
    const live = this.pm.run !== null;
    const ready = this.gpu.kind === 'ready';
    const shown = this.store.shown;
    const history = live ? this.store.history(this.pm.history) : (shown?.record.history ?? []);
    const revision = live ? this.pm.revision : 0;
    const last = lastValues(history);
    return html`<section class="stage" id="stage-pm" tabindex="0" aria-labelledby="pm-title" @keydown=${this.onKey} @focusin=${this.onFocus}
      @trainer-action=${this.onAction} @knob-change=${this.onKnob} @saved-action=${this.onSaved} @resume-run=${this.onResume}>
      <h2 id="pm-title"><span class="n">3</span>Preference model</h2>
      <p class="lead">A preference model (PM) scores a dialogue: the language model's trunk with a scalar head read at an
        end-of-context token appended to each side. Trained on comparisons with −log σ(r_chosen − r_rejected), it learns to give
        the chosen response the higher score; its accuracy, calibration and the length rules it must beat are measured on held-out
        pairs (Bai et al. 2022, §3). Keys: <kbd>Space</kbd> play / pause, <kbd>s</kbd> one step, while this stage has focus.</p>
      ${this.renderGpuNote()}
      <resume-offer .runs=${this.store.offers} ?disabled=${live || !ready}></resume-offer>
      ${this.renderDatasets(live)}
      <fieldset ?disabled=${live}>
        <legend>${live ? 'settings of the live run (Reset to change them)' : 'settings'}</legend>
        ${KNOBS.map((k) => html`<knob-field .field=${PM_FIELDS[k]} .value=${this.experiment.pm[k]} ?disabled=${live}></knob-field>`)}
        ${this.renderStart(live)}
      </fieldset>
      ${this.note ? html`<p class="hint" id="pm-note">${this.note}</p>` : nothing}
      <trainer-controls .pace=${this.pm.pace()} .status=${this.pm.status} .step=${this.pm.step} .steps=${this.pm.steps || this.experiment.pm.steps}
        ?disabled=${!ready}></trainer-controls>
      ${this.pm.status === 'failed' ? html`<div class="err" id="pm-failure">The run failed: ${this.pm.message ?? 'no reason given'}</div>` : nothing}
      ${this.pm.status === 'preparing'
        ? html`<p class="hint" id="pm-preparing">Preparing the run: ${this.pm.message ?? 'sending the data'}… (a software adapter takes about half a minute to compile the kernels)</p>`
        : nothing}
      ${this.error ? html`<div class="err" id="pm-error">${this.error}</div>` : nothing}
      <div class="cols">
        <div>
          <metric-chart id="pm-loss-chart" label="loss (nats/pair)" .metrics=${['train/loss', 'eval/loss']} .points=${history} .revision=${revision}></metric-chart>
          <metric-chart id="pm-accuracy-chart" label="accuracy" .metrics=${['train/accuracy', 'eval/accuracy', 'eval/length_baseline_accuracy']}
            .points=${history} .revision=${revision}></metric-chart>
          ${!live && shown ? html`<p class="hint">Showing stored run ${shown.meta.name}.</p>` : nothing}
        </div>
        <table class="metrics" id="pm-metrics" data-step=${this.pm.step}>
          <tr><td>step</td><td id="pm-metric-step">${live ? this.pm.step : (shown?.meta.step ?? '–')}</td></tr>
          ${METRICS.map((m) => html`<tr><td>${m}</td><td data-metric=${m}>${formatMetric(m, last[m])}</td></tr>`)}
          ${Object.entries(this.pm.info).map(([k, v]) => html`<tr><td>${k}</td><td>${typeof v === 'number' ? formatCount(v) : v}</td></tr>`)}
        </table>
      </div>
      ${live ? this.renderStep() : nothing}
      ${live ? this.renderCalibration() : nothing}
      <saved-list .checkpoints=${this.store.checkpoints} .runs=${this.store.runs} .columns=${SAVED_COLUMNS} shown=${shown?.meta.id ?? ''}></saved-list>
    </section>`;
  }

  private renderGpuNote() {
    if (this.gpu.kind === 'starting') return html`<p class="hint">Waiting for the GPU…</p>`;
    if (this.gpu.kind === 'missing') return html`<div class="warn">Training needs WebGPU, which this browser does not offer (see the top of the page).</div>`;
    return nothing;
  }

  private renderDatasets(live: boolean) {
    const chosen = new Set(this.experiment.pm.datasets);
    const missing = this.experiment.pm.datasets.filter((id) => !this.datasets.some((d) => d.id === id));
    return html`<fieldset class="datasets" id="pm-datasets" ?disabled=${live}>
      <legend>${PM_FIELDS.datasets.label}: ${PM_FIELDS.datasets.help}</legend>
      ${this.datasets.length
        ? this.datasets.map((d) => html`<label><input type="checkbox" data-id=${d.id} .checked=${chosen.has(d.id)}
            @change=${(e: Event) => this.toggleDataset(d.id, (e.target as HTMLInputElement).checked)} /> ${d.name}
            <span class="hint">(${formatCount(d.count)})</span></label>`)
        : html`<span class="hint">No datasets yet: generate the synthetic world in Data (one click), or import HH files.</span>`}
      ${missing.length
        ? html`<div class="warn" id="pm-missing-datasets">Not in this browser's store: ${missing.join(', ')}. Generate or import ${missing.length > 1 ? 'them' : 'it'} in Data.</div>`
        : nothing}
    </fieldset>`;
  }

  /** Where the trunk starts: the chosen base checkpoint, or at random at the Base-model stage's size. */
  private renderStart(live: boolean) {
    if (!this.experiment.pm.init) {
      return html`<p class="hint" id="pm-start">The trunk starts at random, at the base model's size (${this.experiment.base.preset}).</p>`;
    }
    const bases = this.baseCheckpoints();
    if (!bases.length) {
      return html`<p class="warn" id="pm-start">No base-model checkpoint stored yet: train the Base model first, or untick “start from base model”.</p>`;
    }
    const chosen = this.chosenBase();
    return html`<label class="row" id="pm-start">base checkpoint
      <select id="pm-base" ?disabled=${live} @change=${(e: Event) => (this.baseChoice = (e.target as HTMLSelectElement).value)}>
        ${bases.map((c) => html`<option value=${c.id} ?selected=${c.id === chosen?.id}>${c.name}</option>`)}
      </select>
      <span class="hint">its weights start the trunk; the reward head starts fresh</span></label>`;
  }

  private renderStep() {
    const ins = this.inspected;
    if (!ins) return html`<h3>The last step's batch</h3><p class="hint" id="pm-step-empty">Take a step: each pair of its batch shows here with its scores.</p>`;
    const rows = stepRows(ins.pairs);
    const summary = stepSummary(rows);
    return html`<h3>The batch of step ${ins.step}</h3>
      <p class="hint">Each pair as the loss saw it: rewards from the forward pass before this step's update; margin = r_chosen − r_rejected;
        loss = −log σ(margin). Batch: accuracy ${summary.accuracy.toFixed(3)}, mean loss ${summary.loss.toFixed(3)}.</p>
      <table class="steps" id="pm-step-table" data-step=${ins.step}>
        <tr><th>#</th><th>subset</th><th>context (end)</th><th>chosen</th><th>rejected</th><th class="num">r_chosen</th><th class="num">r_rejected</th>
          <th class="num">margin</th><th class="num">σ(margin)</th><th class="num">loss</th><th></th></tr>
        ${rows.map((r, i) => html`<tr class="pair ${r.verdict}" data-verdict=${r.verdict}>
          <td>${i + 1}</td><td>${r.subset}</td>
          <td class="text context">${r.context.trimStart()}</td><td class="text chosen">${r.chosen}</td><td class="text rejected">${r.rejected}</td>
          <td class="num">${r.rChosen.toFixed(3)}</td><td class="num">${r.rRejected.toFixed(3)}</td>
          <td class="num margin">${r.margin.toFixed(3)}</td><td class="num">${r.probability.toFixed(3)}</td><td class="num">${r.loss.toFixed(3)}</td>
          <td class=${r.verdict === 'wrong' ? 'bad' : 'ok'}>${r.verdict === 'right' ? '✓ right' : r.verdict === 'wrong' ? '✗ wrong' : '½ tie'}${r.cut
            ? html` <span class="hint" title="longer than the sequence length: the model read only its end">(cut)</span>` : nothing}</td>
        </tr>`)}
      </table>`;
  }

  private renderCalibration() {
    const r = this.report;
    if (!r) return nothing;
    const rep = r.report;
    const len = rep.length_baseline_accuracy;
    return html`<h3>Calibration on the held-out pairs (step ${r.step})</h3>
      <div class="calibration">
        <calibration-chart id="pm-calibration" .bins=${rep.calibration}></calibration-chart>
        <table id="pm-report" data-step=${r.step}>
          <tr><td>held-out pairs</td><td>${rep.n}</td></tr>
          <tr><td>accuracy</td><td id="pm-report-accuracy">${rep.accuracy.toFixed(3)} <span class="hint">(95% ${rep.accuracy_interval[0].toFixed(3)}–${rep.accuracy_interval[1].toFixed(3)})</span></td></tr>
          <tr><td>ECE</td><td id="pm-ece">${rep.ece.toFixed(3)}</td></tr>
          <tr><td>loss</td><td>${rep.loss.toFixed(3)}</td></tr>
          <tr><td>mean margin</td><td>${rep.mean_margin.toFixed(3)}</td></tr>
          <tr><td>longer response wins</td><td>${len.longer.toFixed(3)}</td></tr>
          <tr><td>shorter response wins</td><td>${len.shorter.toFixed(3)}</td></tr>
          <tr><td>length, subset-aware</td><td>${len.subset_aware.toFixed(3)}</td></tr>
        </table>
      </div>
      <p class="hint">A calibrated PM's predicted probability σ(margin) matches how often it is right: the points lie on the diagonal.
        ECE is the count-weighted mean distance from it. The length rules never read the content: a PM has learned more than length
        only when it beats the best of them (the accuracy chart's length_baseline_accuracy).</p>`;
  }

  /** Other stages store checkpoints too (a base model to start from): re-read the list when the user comes here. */
  private onFocus(): void {
    this.store.maybeRefresh();
  }

  // ---- knobs -------------------------------------------------------------------------------------

  private toggleDataset(id: string, on: boolean): void {
    const ids = this.experiment.pm.datasets.filter((d) => d !== id);
    this.dispatchEvent(new ExperimentChange(withPm(this.experiment, 'datasets', on ? [...ids, id] : ids)));
  }

  private onKnob(e: KnobChange): void {
    e.stopPropagation();
    const key = KNOBS.find((k) => PM_FIELDS[k].param === e.param);
    if (!key) return;
    this.note = null;
    this.dispatchEvent(new ExperimentChange(withPm(this.experiment, key, e.value as PMConfig[typeof key])));
  }

  private baseCheckpoints(): CheckpointMeta[] {
    return this.store.allCheckpoints.filter((c) => c.stage === 'base').sort((a, b) => b.created - a.created);
  }

  private chosenBase(): CheckpointMeta | undefined {
    const bases = this.baseCheckpoints();
    return bases.find((c) => c.id === this.baseChoice) ?? bases[0];
  }

  // ---- controls ----------------------------------------------------------------------------------

  private onKey(e: KeyboardEvent): void {
    const action = stageKeyAction(e, this.pm.status);
    if (action) void this.act(action);
  }

  private onAction(e: TrainerActionEvent): void {
    e.stopPropagation();
    void this.act(e.action);
  }

  private async act(action: StageAction): Promise<void> {
    if (this.gpu.kind !== 'ready') return;
    return this.pm.act(action, () => this.createRun(), () => {
      this.store.end();
      this.inspected = null;
      this.report = null;
    });
  }

  /** Loads the chosen datasets (and the base checkpoint) and starts a run in the Worker. */
  private async createRun(): Promise<boolean> {
    this.error = null;
    this.note = null;
    const cfg = this.experiment.pm;
    const chosen = this.datasets.filter((d) => cfg.datasets.includes(d.id));
    if (!chosen.length) {
      this.error = 'Choose at least one stored dataset to train on (generate the synthetic world in Data with one click).';
      return false;
    }
    await this.store.refresh();
    const base = cfg.init ? this.chosenBase() : undefined;
    if (cfg.init && !base) {
      this.error = 'No base-model checkpoint is stored: train the Base model first, or untick “start from base model” to start at random.';
      return false;
    }
    const datasets: PMDataset[] = [];
    let init: { checkpoint: string; bytes: Uint8Array } | null = null;
    try {
      for (const d of chosen) {
        const comparisons = trainingPairs(await loadComparisons(this.kv, d));
        datasets.push({ id: d.id, comparisons });
      }
      if (base) init = { checkpoint: base.id, bytes: await loadCheckpointBytes(this.kv, base) };
    } catch (e) {
      this.error = storageError(e, 'reading the training data').message;
      return false;
    }
    const preset = base ? base.preset : this.experiment.base.preset;
    const context = base ? checkpointContext(base) : PRESETS[this.experiment.base.preset].maxSeqLen;
    let seqLen = cfg.seq;
    if (context !== undefined && seqLen > context) {
      this.note = `The ${preset} model reads at most ${context} tokens: this run uses a sequence length of ${context}.`;
      seqLen = context;
    }
    const settings: PMRunSettings = {
      preset: this.experiment.base.preset, steps: cfg.steps, pairsPerBatch: cfg.pairs, seqLen, lr: cfg.lr, evalInterval: cfg.evalEvery, seed: this.experiment.seed,
      saveInterval: cfg.saveEvery,
    };
    const run = `pm-${Date.now().toString(36)}`;
    const ids = chosen.map((d) => d.id);
    // `init` and `model` (the trunk's preset) are what a resume needs besides the Worker's settings
    const stored: StoredPMSettings = { ...settings, init: base?.id ?? 'random', model: preset };
    this.store.begin({ id: run, name: `pm ${preset} · ${ids.join(' + ')}`, steps: settings.steps, settings: { ...stored }, datasets: ids, created: Date.now(), checkpoints: [] });
    this.inspected = null;
    this.report = null;
    this.pm.begin(run, settings.steps);
    this.client?.send({ type: 'pm-create', run, settings, datasets, init });
    return true;
  }

  /** Recreates an unfinished stored run in the Worker (same data, same starting trunk) from its latest checkpoint, and plays on. */
  private async onResume(e: ResumeRun): Promise<void> {
    e.stopPropagation();
    const r = this.store.offers.find((o) => o.run.id === e.run);
    if (!r || this.gpu.kind !== 'ready' || this.pm.run !== null) return;
    this.error = null;
    this.note = null;
    let stored: Awaited<ReturnType<StageStore['resumeData']>>;
    const datasets: PMDataset[] = [];
    let init: { checkpoint: string; bytes: Uint8Array } | null = null;
    let settings: StoredPMSettings;
    try {
      stored = await this.store.resumeData(r);
      settings = stored.record.settings as unknown as StoredPMSettings;
      const missing = stored.record.datasets.filter((id) => !this.datasets.some((d) => d.id === id));
      if (missing.length) {
        this.error = `Cannot resume ${r.run.name}: its dataset${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} no longer stored.`;
        return;
      }
      if (settings.init !== 'random') {
        const base = this.store.allCheckpoints.find((c) => c.id === settings.init);
        if (!base) {
          this.error = `Cannot resume ${r.run.name}: the base checkpoint it started from (${settings.init}) is no longer stored.`;
          return;
        }
        init = { checkpoint: base.id, bytes: await loadCheckpointBytes(this.kv, base) };
      }
      for (const id of stored.record.datasets) {
        const comparisons = trainingPairs(await loadComparisons(this.kv, this.datasets.find((d) => d.id === id)!));
        datasets.push({ id, comparisons });
      }
    } catch (err) {
      this.error = storageError(err, `reading run ${r.run.name} to resume it`).message;
      return;
    }
    const worker = pmRunSettings(settings);
    const step = r.checkpoint.step;
    this.store.begin({ id: r.run.id, name: r.run.name, steps: worker.steps, settings: { ...settings }, datasets: stored.record.datasets, created: r.run.created, checkpoints: [...r.run.checkpoints], resumed: { step, history: stored.record.history } });
    this.inspected = null;
    this.report = null;
    this.pm.begin(r.run.id, worker.steps);
    this.pm.step = step;
    this.client?.send({ type: 'pm-create', run: r.run.id, settings: worker, datasets, init, resume: { bytes: stored.bytes, step } });
    this.pm.send('play');
  }

  private onSaved(e: SavedAction): void {
    e.stopPropagation();
    this.error = null;
    void this.store.act(e);
  }
}

/** A stored PM run's settings: the Worker's, the base checkpoint its trunk started from ('random' for none) and the trunk's preset. */
type StoredPMSettings = PMRunSettings & { init: string; model: string };

/** The Worker's part of stored PM settings. */
function pmRunSettings(s: StoredPMSettings): PMRunSettings {
  const { preset, steps, pairsPerBatch, seqLen, lr, evalInterval, seed, saveInterval } = s;
  return { preset, steps, pairsPerBatch, seqLen, lr, evalInterval, seed, saveInterval };
}

customElements.define('stage-pm', StagePm);
