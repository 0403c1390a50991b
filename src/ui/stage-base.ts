// <stage-base>: the Base-model stage. Pretrains a small GPT on the chosen datasets' dialogues
// (context + chosen response) in the Worker — the model every later stage starts from (the paper's
// policies and preference models are initialised from pretrained LMs). Every knob is visible and in
// the URL; play / pause / step / reset drive the Worker's run (Space and "s" while the stage has
// focus); the loss curves update live; at the end, or on Save checkpoint, the weights and the run's
// history are stored in IndexedDB and listed after a reload.
//
// Resume: while training, a checkpoint is also stored every `base.save` steps. After a reload, a stored run
// that did not finish (step < steps) is listed with a Resume button: the Worker rebuilds the run from its
// settings and datasets, loads the run's latest checkpoint and continues at that step (schedule and batch
// stream included). Deviation: AdamW's moments are not stored, so they restart from zero (said in the UI too).

import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { LMRunSettings } from '../protocol.ts';
import { chosenTranscripts, loadComparisons, type DatasetMeta } from '../store/datasets.ts';
import { storageError } from '../store/errors.ts';
import type { KV } from '../store/kv.ts';
import { lastValues } from '../store/runs.ts';
import { ExperimentChange, type KnobChange, type ResumeRun, type SavedAction, type TrainerActionEvent } from './events.ts';
import { BASE_FIELDS, presetMaxSeq, withBase, type BaseModelConfig, type Experiment } from './experiment.ts';
import { formatCount, formatMetric } from '../util/format.ts';
import './knob-field.ts';
import './metric-chart.ts';
import './resume-offer.ts';
import './saved-list.ts';
import { StageStore } from './stage-store.ts';
import { shared } from './styles.ts';
import { stageKeyAction, TrainerController, type StageAction } from './trainer-controller.ts';
import './trainer-controls.ts';
import type { WorkerClient } from './worker-client.ts';

/** What the GPU is doing, as the shell knows it. */
export type GpuState = { kind: 'starting' } | { kind: 'missing'; reason: string } | { kind: 'ready'; adapter: string };

const KNOBS = ['preset', 'steps', 'batch', 'seq', 'lr', 'assistantOnly', 'evalEvery', 'saveEvery'] as const satisfies readonly (keyof BaseModelConfig)[];
const METRICS = ['train/loss', 'eval/loss', 'train/lr', 'train/grad_norm', 'train/tokens_per_second'] as const;

/** The Worker's settings for the experiment's Base-model knobs. */
export function lmSettings(e: Experiment): LMRunSettings {
  const b = e.base;
  return { preset: b.preset, steps: b.steps, batchSize: b.batch, seqLen: b.seq, lr: b.lr, assistantOnly: b.assistantOnly, evalInterval: b.evalEvery, seed: e.seed, saveInterval: b.saveEvery };
}

export class StageBase extends LitElement {
  static override properties = {
    kv: { attribute: false },
    client: { attribute: false },
    gpu: { attribute: false },
    experiment: { attribute: false },
    datasets: { attribute: false },
    error: { state: true },
    note: { state: true },
  };

  kv!: KV;
  client: WorkerClient | null = null;
  gpu: GpuState = { kind: 'starting' };
  experiment!: Experiment;
  datasets: DatasetMeta[] = [];
  error: string | null = null;
  note: string | null = null;

  private readonly lm = new TrainerController(this, 'lm');
  private readonly store = new StageStore(this, {
    stage: 'base',
    kv: () => this.kv,
    checkpoint: (e) => {
      const preset = e.metadata.preset ?? 'custom';
      return { id: `${e.run}-step${e.step}`, name: `base ${preset} · step ${e.step}`, preset };
    },
    record: () => ({ info: this.lm.info, adapter: this.gpu.kind === 'ready' ? this.gpu.adapter : '', history: this.lm.history }),
    onError: (message) => (this.error = message),
  });

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
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.lm.onCheckpoint = (e) => void this.store.queue(e);
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) this.lm.setClient(this.client);
  }

  override render() {
    const live = this.lm.run !== null;
    const ready = this.gpu.kind === 'ready';
    const shown = this.store.shown;
    const history = live ? this.store.history(this.lm.history) : (shown?.record.history ?? []);
    const last = lastValues(history);
    return html`<section class="stage" id="stage-base" tabindex="0" aria-labelledby="base-title" @keydown=${this.onKey}
      @trainer-action=${this.onAction} @knob-change=${this.onKnob} @saved-action=${this.onSaved} @resume-run=${this.onResume}>
      <h2 id="base-title"><span class="n">2</span>Base model</h2>
      <p class="lead">A small GPT learns to continue the dialogues (next-token prediction on context + chosen response). Every
        later model starts from it: the paper's preference models and RLHF policies are initialised from pretrained language
        models. Keys: <kbd>Space</kbd> play / pause, <kbd>s</kbd> one step, while this stage has focus.</p>
      ${this.renderGpuNote()}
      <resume-offer .runs=${this.store.offers} ?disabled=${live || !ready}></resume-offer>
      ${this.renderDatasets(live)}
      <fieldset ?disabled=${live}>
        <legend>${live ? 'settings of the live run (Reset to change them)' : 'settings'}</legend>
        ${KNOBS.map((k) => html`<knob-field .field=${BASE_FIELDS[k]} .value=${this.experiment.base[k]} ?disabled=${live}></knob-field>`)}
      </fieldset>
      ${this.note ? html`<p class="hint" id="base-note">${this.note}</p>` : nothing}
      <trainer-controls .pace=${this.lm.pace()} .status=${this.lm.status} .step=${this.lm.step} .steps=${this.lm.steps || this.experiment.base.steps}
        ?disabled=${!ready}></trainer-controls>
      ${this.lm.status === 'failed' ? html`<div class="err" id="base-failure">The run failed: ${this.lm.message ?? 'no reason given'}</div>` : nothing}
      ${this.lm.status === 'preparing'
        ? html`<p class="hint" id="base-preparing">Preparing the run: ${this.lm.message ?? 'sending the data'}… (a software adapter takes about half a minute to compile the kernels)</p>`
        : nothing}
      ${this.error ? html`<div class="err" id="base-error">${this.error}</div>` : nothing}
      <div class="cols">
        <div>
          <metric-chart id="loss-chart" label="loss (nats/token)" .metrics=${['train/loss', 'eval/loss']} .points=${history}
            .revision=${live ? this.lm.revision : 0}></metric-chart>
          ${!live && shown ? html`<p class="hint">Showing stored run ${shown.meta.name}.</p>` : nothing}
        </div>
        <table class="metrics" id="lm-metrics" data-step=${this.lm.step}>
          <tr><td>step</td><td id="metric-step">${live ? this.lm.step : (shown?.meta.step ?? '–')}</td></tr>
          ${METRICS.map((m) => html`<tr><td>${m}</td><td data-metric=${m}>${formatMetric(m, last[m])}</td></tr>`)}
          ${Object.entries(this.lm.info).map(([k, v]) => html`<tr><td>${k}</td><td>${typeof v === 'number' ? formatCount(v) : v}</td></tr>`)}
        </table>
      </div>
      <saved-list .checkpoints=${this.store.checkpoints} .runs=${this.store.runs} shown=${shown?.meta.id ?? ''}></saved-list>
    </section>`;
  }

  private renderGpuNote() {
    if (this.gpu.kind === 'starting') return html`<p class="hint">Waiting for the GPU…</p>`;
    if (this.gpu.kind === 'missing') return html`<div class="warn">Training needs WebGPU, which this browser does not offer (see the top of the page). Data still works.</div>`;
    return nothing;
  }

  private renderDatasets(live: boolean) {
    const chosen = new Set(this.experiment.base.datasets);
    const missing = this.experiment.base.datasets.filter((id) => !this.datasets.some((d) => d.id === id));
    return html`<fieldset class="datasets" id="base-datasets" ?disabled=${live}>
      <legend>${BASE_FIELDS.datasets.label}: ${BASE_FIELDS.datasets.help}</legend>
      ${this.datasets.length
        ? this.datasets.map((d) => html`<label><input type="checkbox" data-id=${d.id} .checked=${chosen.has(d.id)}
            @change=${(e: Event) => this.toggleDataset(d.id, (e.target as HTMLInputElement).checked)} /> ${d.name}
            <span class="hint">(${formatCount(d.count)})</span></label>`)
        : html`<span class="hint">No datasets yet: generate the synthetic world in Data (one click), or import HH files.</span>`}
      ${missing.length
        ? html`<div class="warn" id="missing-datasets">Not in this browser's store: ${missing.join(', ')}. Generate or import ${missing.length > 1 ? 'them' : 'it'} in Data.</div>`
        : nothing}
    </fieldset>`;
  }

  // ---- knobs -------------------------------------------------------------------------------------

  private toggleDataset(id: string, on: boolean): void {
    const ids = this.experiment.base.datasets.filter((d) => d !== id);
    this.dispatchEvent(new ExperimentChange(withBase(this.experiment, 'datasets', on ? [...ids, id] : ids)));
  }

  private onKnob(e: KnobChange): void {
    e.stopPropagation();
    const key = KNOBS.find((k) => BASE_FIELDS[k].param === e.param);
    if (!key) return;
    this.note = null;
    let next = withBase(this.experiment, key, e.value as BaseModelConfig[typeof key]);
    const max = presetMaxSeq(next.base.preset);
    if (next.base.seq > max) {
      this.note = `The ${next.base.preset} model reads at most ${max} tokens: sequence length set to ${max}.`;
      next = withBase(next, 'seq', max);
    }
    this.dispatchEvent(new ExperimentChange(next));
  }

  // ---- controls ----------------------------------------------------------------------------------

  private onKey(e: KeyboardEvent): void {
    const action = stageKeyAction(e, this.lm.status);
    if (action) void this.act(action);
  }

  private onAction(e: TrainerActionEvent): void {
    e.stopPropagation();
    void this.act(e.action);
  }

  private async act(action: StageAction): Promise<void> {
    if (this.gpu.kind !== 'ready') return;
    return this.lm.act(action, () => this.createRun(), () => {
      this.store.end();
    });
  }

  /** Loads the chosen datasets' transcripts and starts a run in the Worker. */
  private async createRun(): Promise<boolean> {
    this.error = null;
    const chosen = this.datasets.filter((d) => this.experiment.base.datasets.includes(d.id));
    if (!chosen.length) {
      this.error = 'Choose at least one stored dataset to train on (generate the synthetic world in Data with one click).';
      return false;
    }
    let transcripts: string[] = [];
    try {
      for (const d of chosen) transcripts = transcripts.concat(chosenTranscripts(await loadComparisons(this.kv, d)));
    } catch (e) {
      this.error = storageError(e, 'reading the training data').message;
      return false;
    }
    const settings = lmSettings(this.experiment);
    const run = `base-${Date.now().toString(36)}`;
    const datasets = chosen.map((d) => d.id);
    this.store.begin({ id: run, name: `base ${settings.preset} · ${datasets.join(' + ')}`, steps: settings.steps, settings: { ...settings }, datasets, created: Date.now(), checkpoints: [] });
    this.lm.begin(run, settings.steps);
    this.client?.send({ type: 'lm-create', run, settings, transcripts });
    return true;
  }

  /** Recreates an unfinished stored run in the Worker from its latest checkpoint, and plays on. */
  private async onResume(e: ResumeRun): Promise<void> {
    e.stopPropagation();
    const r = this.store.offers.find((o) => o.run.id === e.run);
    if (!r || this.gpu.kind !== 'ready' || this.lm.run !== null) return;
    this.error = null;
    let transcripts: string[] = [];
    let settings: LMRunSettings;
    let datasets: string[];
    let stored: Awaited<ReturnType<StageStore['resumeData']>>;
    try {
      stored = await this.store.resumeData(r);
      settings = { ...(stored.record.settings as unknown as LMRunSettings) };
      settings.saveInterval ??= this.experiment.base.saveEvery;
      datasets = stored.record.datasets;
      const missing = datasets.filter((id) => !this.datasets.some((d) => d.id === id));
      if (missing.length) {
        this.error = `Cannot resume ${r.run.name}: its dataset${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} no longer stored.`;
        return;
      }
      for (const id of datasets) transcripts = transcripts.concat(chosenTranscripts(await loadComparisons(this.kv, this.datasets.find((d) => d.id === id)!)));
    } catch (err) {
      this.error = storageError(err, `reading run ${r.run.name} to resume it`).message;
      return;
    }
    // the knobs show the resumed run's settings
    let next = this.experiment;
    next = withBase(next, 'datasets', datasets);
    next = withBase(next, 'preset', settings.preset);
    for (const [key, value] of [['steps', settings.steps], ['batch', settings.batchSize], ['seq', settings.seqLen], ['lr', settings.lr], ['assistantOnly', settings.assistantOnly], ['evalEvery', settings.evalInterval], ['saveEvery', settings.saveInterval]] as const) {
      next = withBase(next, key, value as never);
    }
    this.dispatchEvent(new ExperimentChange(next));
    const step = r.checkpoint.step;
    this.store.begin({ id: r.run.id, name: r.run.name, steps: settings.steps, settings: { ...settings }, datasets, created: r.run.created, checkpoints: [...r.run.checkpoints], resumed: { step, history: stored.record.history } });
    this.lm.begin(r.run.id, settings.steps);
    this.lm.step = step;
    this.client?.send({ type: 'lm-create', run: r.run.id, settings, transcripts, resume: { bytes: stored.bytes, step } });
    this.lm.send('play');
  }

  private onSaved(e: SavedAction): void {
    e.stopPropagation();
    this.error = null;
    void this.store.act(e);
  }
}

customElements.define('stage-base', StageBase);
