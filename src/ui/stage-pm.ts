// <stage-pm>: the Preference-model stage (Bai et al. 2022, §3). A preference model is the GPT trunk with a
// scalar reward head read at an end-of-context token appended to each side of a comparison, trained on
// −log σ(r_chosen − r_rejected). Its trunk starts from a stored base-model checkpoint (the paper starts
// its PMs from pretrained language models) or at random. The Worker trains it (src/worker/pm-session.ts)
// under play / pause / step / reset / save (Space and "s" while the stage has focus); at every metrics
// read the stage shows that step's batch pair by pair (context, both responses, r_chosen, r_rejected, the
// margin, the pair's loss, right or wrong), the loss and accuracy curves, and the calibration diagram of
// the latest held-out evaluation. Checkpoints (with their reward head) and runs are stored in IndexedDB
// (stage 'pm') and listed after a reload; the Evaluate stage scores them on every dataset. A checkpoint is
// also stored every `pm.saveInterval` steps; after a reload an unfinished run resumes from it (src/worker/pm-session.ts
// says how, and what differs from an uninterrupted run).

import { css, html, nothing } from 'lit';
import { trainingPairs } from '../data/comparisons.ts';
import type { PMEvalReport } from '../eval/pm-report.ts';
import { PRESETS, type PresetName } from '../models/config.ts';
import type { PMDataset, PMInspectPair, PMRunSettings, WorkerEvent } from '../protocol.ts';
import { loadCheckpointBytes, type CheckpointMeta } from '../store/checkpoints.ts';
import { loadComparisons } from '../store/datasets.ts';
import { lastValues, type RunRecord } from '../store/runs.ts';
import { formatCount, formatMetric } from '../util/format.ts';
import './calibration-chart.ts';
import type { Experiment, PMConfig } from './experiment.ts';
import './metric-chart.ts';
import { stepRows, stepSummary } from './pm-view.ts';
import { StageStore } from './stage-store.ts';
import { shared } from './styles.ts';
import { TrainerController } from './trainer-controller.ts';
import { TrainingStage, type RunRestart, type RunStart } from './training-stage.ts';

const KNOBS = [
  'steps',
  'pairsPerBatch',
  'seqLen',
  'lr',
  'evalInterval',
  'init',
  'saveInterval',
] as const satisfies readonly (keyof PMConfig)[];
const METRICS = [
  'train/loss',
  'train/accuracy',
  'eval/loss',
  'eval/accuracy',
  'eval/ece',
  'eval/length_baseline_accuracy',
  'train/margin',
  'train/grad_norm',
  'train/lr',
  'train/pairs_per_second',
] as const;

/** The last values a stored run's row shows. */
const SAVED_COLUMNS: [string, string][] = [
  ['train/loss', 'train loss'],
  ['eval/loss', 'eval loss'],
  ['eval/accuracy', 'eval accuracy'],
  ['eval/ece', 'ECE'],
];

/** The context length of a stored checkpoint's model, when its preset is known. */
function checkpointContext(c: CheckpointMeta): number | undefined {
  return PRESETS[c.preset as PresetName]?.maxSeqLen;
}

/**
 * A stored PM run's settings: the Worker's, the base checkpoint its trunk started from ('random' for none) and
 * the trunk's preset.
 */
type StoredPMSettings = PMRunSettings & { init: string; model: string };

/** The Worker's settings for the experiment's PM knobs, with the sequence length the run uses. */
export function pmSettings(e: Experiment, seqLen: number): PMRunSettings {
  const { datasets: _, init: __, ...settings } = e.pm;
  return { ...settings, seqLen, preset: e.base.preset, seed: e.seed };
}

/** The Worker's part of stored PM settings. */
function pmRunSettings(s: StoredPMSettings): PMRunSettings {
  const { init: _, model: __, ...settings } = s;
  return settings;
}

export class StagePm extends TrainingStage<'pm'> {
  static override properties = {
    ...TrainingStage.properties,
    baseChoice: { state: true },
    inspected: { state: true },
    report: { state: true },
  };

  /** The base checkpoint chosen to start from ('' = the newest). */
  baseChoice = '';
  /** The batch of the last step whose metrics were read. */
  inspected: { step: number; pairs: PMInspectPair[] } | null = null;
  /** The latest held-out evaluation. */
  report: { step: number; report: PMEvalReport } | null = null;

  protected readonly section = 'pm';
  protected readonly knobs = KNOBS;
  protected readonly ctl = new TrainerController(this, 'pm');
  protected readonly store = new StageStore(this, {
    stage: 'pm',
    kv: () => this.kv,
    checkpoint: (e, live) => {
      const preset = e.metadata.preset ?? String(live.settings.model);
      return { id: `${e.run}-step${e.step}`, name: `pm ${preset} · step ${e.step}`, preset };
    },
    record: () => ({
      info: this.ctl.info,
      adapter: this.gpu.kind === 'ready' ? this.gpu.adapter : '',
      history: this.ctl.history,
    }),
    onError: (message) => (this.error = message),
  });

  static override styles = [
    shared,
    css`
      fieldset { border: 1px solid #e4e4e4; border-radius: 6px; margin: 8px 0; padding: 8px 12px; }
      legend { color: #555; font-size: 0.9em; }
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
    this.ctl.onRunEvent = (e) => this.onRunEvent(e);
  }

  /** The run's step batches and held-out reports (the controller keeps the rest). */
  private onRunEvent(e: WorkerEvent): boolean {
    if (e.type === 'pm-inspect') this.inspected = { step: e.step, pairs: e.pairs };
    else if (e.type === 'pm-report') this.report = { step: e.step, report: e.report };
    else return false;
    return true;
  }

  protected override forgetRun(): void {
    this.inspected = null;
    this.report = null;
  }

  override render() {
    const live = this.ctl.run !== null;
    const ready = this.gpu.kind === 'ready';
    const shown = this.store.shown;
    const history = this.history();
    const revision = live ? this.ctl.revision : 0;
    const last = lastValues(history);
    return html`<section class="stage" id="stage-pm" tabindex="0" aria-labelledby="pm-title" @keydown=${this.onKey}
      @focusin=${this.maybeRefresh} @trainer-action=${this.onAction} @knob-change=${this.onKnob}
      @saved-action=${this.onSaved} @resume-run=${this.onResume}>
      <h2 id="pm-title"><span class="n">3</span>Preference model</h2>
      <p class="lead">A preference model (PM) scores a dialogue: the language model's trunk with a scalar head read at
        an end-of-context token appended to each side. Trained on comparisons with −log σ(r_chosen − r_rejected), it
        learns to give the chosen response the higher score; its accuracy, calibration and the length rules it must
        beat are measured on held-out pairs (Bai et al. 2022, §3). Keys: <kbd>Space</kbd> play / pause,
        <kbd>s</kbd> one step, while this stage has focus.</p>
      ${this.renderGpuNote()}
      <resume-offer .runs=${this.store.offers} ?disabled=${live || !ready}></resume-offer>
      ${this.renderDatasets(live, 'pm-missing-datasets')}
      ${this.renderSettings(live, this.renderStart(live))}
      ${this.note ? html`<p class="hint" id="pm-note">${this.note}</p>` : nothing}
      <trainer-controls .pace=${this.ctl.pace()} .status=${this.ctl.status} .step=${this.ctl.step}
        .steps=${this.ctl.steps || this.experiment.pm.steps} ?disabled=${!ready}></trainer-controls>
      ${this.renderRunNotes('sending the data', 'about half a minute')}
      <div class="cols">
        <div>
          <metric-chart id="pm-loss-chart" label="loss (nats/pair)" .metrics=${['train/loss', 'eval/loss']}
            .points=${history} .revision=${revision}></metric-chart>
          <metric-chart id="pm-accuracy-chart" label="accuracy"
            .metrics=${['train/accuracy', 'eval/accuracy', 'eval/length_baseline_accuracy']}
            .points=${history} .revision=${revision}></metric-chart>
          ${!live && shown ? html`<p class="hint">Showing stored run ${shown.meta.name}.</p>` : nothing}
        </div>
        <table class="metrics" id="pm-metrics" data-step=${this.ctl.step}>
          <tr><td>step</td><td id="pm-metric-step">${live ? this.ctl.step : (shown?.meta.step ?? '–')}</td></tr>
          ${METRICS.map((m) => html`<tr><td>${m}</td><td data-metric=${m}>${formatMetric(m, last[m])}</td></tr>`)}
          ${Object.entries(this.ctl.info).map(
            ([k, v]) => html`<tr><td>${k}</td>
            <td>${typeof v === 'number' ? formatCount(v) : v}</td></tr>`,
          )}
        </table>
      </div>
      ${live ? this.renderStep() : nothing}
      ${live ? this.renderCalibration() : nothing}
      <saved-list .checkpoints=${this.store.checkpoints} .runs=${this.store.runs} .columns=${SAVED_COLUMNS}
        shown=${shown?.meta.id ?? ''}></saved-list>
    </section>`;
  }

  /** Where the trunk starts: the chosen base checkpoint, or at random at the Base-model stage's size. */
  private renderStart(live: boolean) {
    if (!this.experiment.pm.init) {
      return html`<p class="hint" id="pm-start">The trunk starts at random, at the base model's size (${this.experiment.base.preset}).</p>`;
    }
    const bases = this.baseCheckpoints();
    if (!bases.length) {
      return html`<p class="warn" id="pm-start">No base-model checkpoint stored yet: train the Base model first, or
        untick “start from base model”.</p>`;
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
    if (!ins)
      return html`<h3>The last step's batch</h3><p class="hint" id="pm-step-empty">Take a step: each pair of its batch shows here with its scores.</p>`;
    const rows = stepRows(ins.pairs);
    const summary = stepSummary(rows);
    return html`<h3>The batch of step ${ins.step}</h3>
      <p class="hint">Each pair as the loss saw it: rewards from the forward pass before this step's update; margin = r_chosen − r_rejected;
        loss = −log σ(margin). Batch: accuracy ${summary.accuracy.toFixed(3)}, mean loss ${summary.loss.toFixed(3)}.</p>
      <table class="steps" id="pm-step-table" data-step=${ins.step}>
        <tr><th>#</th><th>subset</th><th>context (end)</th><th>chosen</th><th>rejected</th><th class="num">r_chosen</th><th class="num">r_rejected</th>
          <th class="num">margin</th><th class="num">σ(margin)</th><th class="num">loss</th><th></th></tr>
        ${rows.map(
          (r, i) => html`<tr class="pair ${r.verdict}" data-verdict=${r.verdict}>
          <td>${i + 1}</td><td>${r.subset}</td>
          <td class="text context">${r.context.trimStart()}</td><td class="text chosen">${r.chosen}</td><td class="text rejected">${r.rejected}</td>
          <td class="num">${r.rChosen.toFixed(3)}</td><td class="num">${r.rRejected.toFixed(3)}</td>
          <td class="num margin">${r.margin.toFixed(3)}</td><td class="num">${r.probability.toFixed(3)}</td><td class="num">${r.loss.toFixed(3)}</td>
          <td class=${r.verdict === 'wrong' ? 'bad' : 'ok'}>${r.verdict === 'right' ? '✓ right' : r.verdict === 'wrong' ? '✗ wrong' : '½ tie'}${
            r.cut
              ? html` <span class="hint" title="longer than the sequence length: the model read only its end">(cut)</span>`
              : nothing
          }</td>
        </tr>`,
        )}
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

  private baseCheckpoints(): CheckpointMeta[] {
    return this.store.allCheckpoints.filter((c) => c.stage === 'base').sort((a, b) => b.created - a.created);
  }

  private chosenBase(): CheckpointMeta | undefined {
    const bases = this.baseCheckpoints();
    return bases.find((c) => c.id === this.baseChoice) ?? bases[0];
  }

  /** The stored datasets' comparisons as the PM reads them. */
  private async pmDatasets(ids: readonly string[]): Promise<PMDataset[]> {
    const datasets: PMDataset[] = [];
    for (const d of this.chosen(ids)) {
      datasets.push({ id: d.id, comparisons: trainingPairs(await loadComparisons(this.kv, d)) });
    }
    return datasets;
  }

  /** Loads the chosen datasets (and the base checkpoint) for a new run. */
  protected async prepare(): Promise<RunStart | string> {
    const cfg = this.experiment.pm;
    const ids = this.datasets.filter((d) => cfg.datasets.includes(d.id)).map((d) => d.id);
    if (!ids.length) {
      return 'Choose at least one stored dataset to train on (generate the synthetic world in Data with one click).';
    }
    await this.store.refresh();
    const base = cfg.init ? this.chosenBase() : undefined;
    if (cfg.init && !base) {
      return (
        'No base-model checkpoint is stored: train the Base model first, or untick “start from base model” to ' +
        'start at random.'
      );
    }
    const datasets = await this.pmDatasets(ids);
    const init = base ? { checkpoint: base.id, bytes: await loadCheckpointBytes(this.kv, base) } : null;
    const preset = base ? base.preset : this.experiment.base.preset;
    const context = base ? checkpointContext(base) : PRESETS[this.experiment.base.preset].maxSeqLen;
    let seqLen = cfg.seqLen;
    if (context !== undefined && seqLen > context) {
      this.note = `The ${preset} model reads at most ${context} tokens: this run uses a sequence length of ${context}.`;
      seqLen = context;
    }
    const settings = pmSettings(this.experiment, seqLen);
    // `init` and `model` (the trunk's preset) are what a resume needs besides the Worker's settings
    const stored: StoredPMSettings = { ...settings, init: base?.id ?? 'random', model: preset };
    return {
      live: {
        name: `pm ${preset} · ${ids.join(' + ')}`,
        steps: settings.steps,
        settings: { ...stored },
        datasets: ids,
      },
      command: (run) => ({ type: 'pm-create', run, settings, datasets, init }),
    };
  }

  /** The same data and the same starting trunk as the stored run. */
  protected async prepareResume(record: RunRecord): Promise<RunRestart | string> {
    const stored = record.settings as unknown as StoredPMSettings;
    let init: { checkpoint: string; bytes: Uint8Array } | null = null;
    if (stored.init !== 'random') {
      const base = this.store.allCheckpoints.find((c) => c.id === stored.init);
      if (!base) return `the base checkpoint it started from (${stored.init}) is no longer stored.`;
      init = { checkpoint: base.id, bytes: await loadCheckpointBytes(this.kv, base) };
    }
    const datasets = await this.pmDatasets(record.datasets);
    const settings = pmRunSettings(stored);
    return {
      settings: { ...settings },
      steps: settings.steps,
      command: (run, resume) => ({ type: 'pm-create', run, settings, datasets, init, resume }),
    };
  }
}

customElements.define('stage-pm', StagePm);
