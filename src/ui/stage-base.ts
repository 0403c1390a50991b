// <stage-base>: the Base-model stage. Pretrains a small GPT on the chosen datasets' dialogues
// (context + chosen response) in the Worker — the model every later stage starts from (the paper's
// policies and preference models are initialised from pretrained LMs). Every knob is visible and in
// the URL; play / pause / step / reset drive the Worker's run (Space and "s" while the stage has
// focus); the loss curves update live; at the end, or on Save checkpoint, the weights and the run's
// history are stored in IndexedDB and listed after a reload.
//
// Resume: while training, a checkpoint is also stored every `base.saveInterval` steps. After a reload, a stored run
// that did not finish (step < steps) is listed with a Resume button: the Worker rebuilds the run from its
// settings and datasets, loads the run's latest checkpoint and continues at that step (schedule and batch
// stream included). Deviation: AdamW's moments are not stored, so they restart from zero (said in the UI too).

import { css, html, nothing } from 'lit';
import type { LMRunSettings } from '../protocol.ts';
import { chosenTranscripts, loadComparisons } from '../store/datasets.ts';
import { lastValues, type RunRecord } from '../store/runs.ts';
import { formatCount, formatMetric } from '../util/format.ts';
import { presetMaxSeq, withSetting, type BaseModelConfig, type Experiment } from './experiment.ts';
import './metric-chart.ts';
import { StageStore } from './stage-store.ts';
import { shared } from './styles.ts';
import { TrainerController } from './trainer-controller.ts';
import { TrainingStage, type RunRestart, type RunStart } from './training-stage.ts';

const KNOBS = [
  'preset',
  'steps',
  'batchSize',
  'seqLen',
  'lr',
  'assistantOnly',
  'evalInterval',
  'saveInterval',
] as const satisfies readonly (keyof BaseModelConfig)[];
const METRICS = ['train/loss', 'eval/loss', 'train/lr', 'train/grad_norm', 'train/tokens_per_second'] as const;

/** The Worker's settings for the experiment's Base-model knobs: the section itself, less its datasets. */
export function lmSettings(e: Experiment): LMRunSettings {
  const { datasets: _, ...settings } = e.base;
  return { ...settings, seed: e.seed };
}

export class StageBase extends TrainingStage<'base'> {
  protected readonly section = 'base';
  protected readonly knobs = KNOBS;
  protected readonly ctl = new TrainerController(this, 'lm');
  protected readonly store = new StageStore(this, {
    stage: 'base',
    kv: () => this.kv,
    checkpoint: (e) => {
      const preset = e.metadata.preset ?? 'custom';
      return { id: `${e.run}-step${e.step}`, name: `base ${preset} · step ${e.step}`, preset };
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
    `,
  ];

  override render() {
    const live = this.ctl.run !== null;
    const ready = this.gpu.kind === 'ready';
    const shown = this.store.shown;
    const history = this.history();
    const last = lastValues(history);
    return html`<section class="stage" id="stage-base" tabindex="0" aria-labelledby="base-title" @keydown=${this.onKey}
      @trainer-action=${this.onAction} @knob-change=${this.onKnob} @saved-action=${this.onSaved}
      @resume-run=${this.onResume}>
      <h2 id="base-title"><span class="n">2</span>Base model</h2>
      <p class="lead">A small GPT learns to continue the dialogues (next-token prediction on context + chosen
        response). Every later model starts from it: the paper's preference models and RLHF policies are initialised
        from pretrained language models. Keys: <kbd>Space</kbd> play / pause, <kbd>s</kbd> one step, while this stage
        has focus.</p>
      ${this.renderGpuNote('Training needs WebGPU', ' Data still works.')}
      <resume-offer .runs=${this.store.offers} ?disabled=${live || !ready}></resume-offer>
      ${this.renderDatasets(live, 'missing-datasets')}
      ${this.renderSettings(live)}
      ${this.note ? html`<p class="hint" id="base-note">${this.note}</p>` : nothing}
      <trainer-controls .pace=${this.ctl.pace()} .status=${this.ctl.status} .step=${this.ctl.step}
        .steps=${this.ctl.steps || this.experiment.base.steps} ?disabled=${!ready}></trainer-controls>
      ${this.renderRunNotes('sending the data', 'about half a minute')}
      <div class="cols">
        <div>
          <metric-chart id="loss-chart" label="loss (nats/token)" .metrics=${['train/loss', 'eval/loss']}
            .points=${history} .revision=${live ? this.ctl.revision : 0}></metric-chart>
          ${!live && shown ? html`<p class="hint">Showing stored run ${shown.meta.name}.</p>` : nothing}
        </div>
        <table class="metrics" id="lm-metrics" data-step=${this.ctl.step}>
          <tr><td>step</td><td id="metric-step">${live ? this.ctl.step : (shown?.meta.step ?? '–')}</td></tr>
          ${METRICS.map((m) => html`<tr><td>${m}</td><td data-metric=${m}>${formatMetric(m, last[m])}</td></tr>`)}
          ${Object.entries(this.ctl.info).map(
            ([k, v]) => html`<tr><td>${k}</td>
            <td>${typeof v === 'number' ? formatCount(v) : v}</td></tr>`,
          )}
        </table>
      </div>
      <saved-list .checkpoints=${this.store.checkpoints} .runs=${this.store.runs} shown=${shown?.meta.id ?? ''}>
      </saved-list>
    </section>`;
  }

  /** A new model reads at most its context: a longer sequence length is cut to it, with a note. */
  protected override adjust(next: Experiment): Experiment {
    const max = presetMaxSeq(next.base.preset);
    if (next.base.seqLen <= max) return next;
    this.note = `The ${next.base.preset} model reads at most ${max} tokens: sequence length set to ${max}.`;
    return withSetting(next, 'base', 'seqLen', max);
  }

  /** The chosen datasets' transcripts (context + chosen response). */
  private async transcripts(ids: readonly string[]): Promise<string[]> {
    let transcripts: string[] = [];
    for (const d of this.chosen(ids)) {
      transcripts = transcripts.concat(chosenTranscripts(await loadComparisons(this.kv, d)));
    }
    return transcripts;
  }

  protected async prepare(): Promise<RunStart | string> {
    const datasets = this.datasets.filter((d) => this.experiment.base.datasets.includes(d.id)).map((d) => d.id);
    if (!datasets.length) {
      return 'Choose at least one stored dataset to train on (generate the synthetic world in Data with one click).';
    }
    const transcripts = await this.transcripts(datasets);
    const settings = lmSettings(this.experiment);
    return {
      live: {
        name: `base ${settings.preset} · ${datasets.join(' + ')}`,
        steps: settings.steps,
        settings: { ...settings },
        datasets,
      },
      command: (run) => ({ type: 'lm-create', run, settings, transcripts }),
    };
  }

  protected async prepareResume(record: RunRecord): Promise<RunRestart | string> {
    const settings = { ...(record.settings as unknown as LMRunSettings) };
    settings.saveInterval ??= this.experiment.base.saveInterval;
    const transcripts = await this.transcripts(record.datasets);
    return {
      settings: { ...settings },
      steps: settings.steps,
      command: (run, resume) => ({ type: 'lm-create', run, settings, transcripts, resume }),
    };
  }
}

customElements.define('stage-base', StageBase);
