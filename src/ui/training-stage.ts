// The shared base of the three training stages (Base model, Preference model, RLHF). It holds what the shell
// passes down (store, Worker client, GPU state, experiment, datasets), the stage's TrainerController and
// StageStore, and does what every training stage does alike: the keys (Space, s, and the stage's own) and the
// trainer controls, the knobs of its section of the experiment and its <dataset-picker>, the notes on the GPU
// and on a preparing or failed run, and the two ways a run starts in the Worker — a new one from the knobs, or a
// stored unfinished one resumed from its latest checkpoint with the knobs showing its settings. A stage adds what
// it shows of its run and how it loads a run's inputs (`prepare`, `prepareResume`).

import { LitElement, html, nothing, type PropertyValues } from 'lit';
import type { Command, RunResume } from '../protocol.ts';
import type { DatasetMeta } from '../store/datasets.ts';
import { storageError } from '../store/errors.ts';
import type { KV } from '../store/kv.ts';
import type { HistoryPoint, RunRecord } from '../store/runs.ts';
import type { Resumable } from '../store/resume.ts';
import './dataset-picker.ts';
import {
  ExperimentChange,
  type KnobChange,
  type ResumeRun,
  type SavedAction,
  type TrainerActionEvent,
} from './events.ts';
import { SECTIONS, fieldKey, withSetting, type Experiment, type Field, type IdListField } from './experiment.ts';
import './knob-field.ts';
import './resume-offer.ts';
import './saved-list.ts';
import type { LiveRun, StageStore } from './stage-store.ts';
import { stageKeyAction, type StageAction, type TrainerController } from './trainer-controller.ts';
import './trainer-controls.ts';
import type { WorkerClient } from './worker-client.ts';

/** What the GPU is doing, as the shell knows it. */
export type GpuState = { kind: 'starting' } | { kind: 'missing'; reason: string } | { kind: 'ready'; adapter: string };

export type TrainingSection = 'base' | 'pm' | 'rlhf';

/** A run ready to start in the Worker: its stored record's description and the command that builds it. */
export interface RunStart {
  live: Omit<LiveRun, 'id' | 'created' | 'checkpoints' | 'resumed'>;
  command: (run: string, resume?: RunResume) => Command;
}

/** The Worker's part of a stored run's settings, and the command that rebuilds it. */
export interface RunRestart {
  /** The knobs to show: the Worker's settings the run was built with (same names as the experiment's). */
  settings: Record<string, unknown>;
  steps: number;
  command: (run: string, resume: RunResume) => Command;
}

/** "its datasets a, b are" / "its prompt dataset a is": the start of a "no longer stored" sentence. */
export function missingDatasets(ids: readonly string[], what = 'dataset'): string {
  return `its ${what}${ids.length > 1 ? 's' : ''} ${ids.join(', ')} ${ids.length > 1 ? 'are' : 'is'}`;
}

export abstract class TrainingStage<S extends TrainingSection = TrainingSection> extends LitElement {
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

  /** The stage's section of the experiment; its ids and messages start with it. */
  protected abstract readonly section: S;
  protected abstract readonly ctl: TrainerController;
  protected abstract readonly store: StageStore;
  /** The section's knobs shown in the settings, in order (the datasets are the picker's). */
  protected abstract readonly knobs: readonly (keyof Experiment[S] & string)[];
  /** Keys beyond Space and s (lower case), and the stage's own actions they ask for. */
  protected readonly keys: Readonly<Record<string, string>> = {};
  /** What `prepare` reads, for the sentence of a storage failure. */
  protected readonly reading: string = 'reading the training data';

  override connectedCallback(): void {
    super.connectedCallback();
    this.ctl.onCheckpoint = (e) => void this.store.queue(e);
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) this.ctl.setClient(this.client);
  }

  /** Checks the knobs and loads what a new run is built from; a string is the reason it cannot start. */
  protected abstract prepare(): Promise<RunStart | string>;
  /** Loads what a stored run is rebuilt from (its datasets are known to be stored); a string: why it cannot. */
  protected abstract prepareResume(record: RunRecord): Promise<RunRestart | string>;
  /** Forgets what the stage shows of a run (after a reset, and before a new or resumed run starts). */
  protected forgetRun(): void {}
  /** Carries out one of the stage's own actions (from `keys`). */
  protected async extraAction(_action: string): Promise<void> {}
  /** The experiment after a knob change, where the stage keeps more consistent (and says so in `note`). */
  protected adjust(next: Experiment): Experiment {
    return next;
  }

  /** The stored datasets of `ids`, in that order (the order a run was built with, so a resume reads the same). */
  protected chosen(ids: readonly string[]): DatasetMeta[] {
    return ids.flatMap((id) => this.datasets.filter((d) => d.id === id));
  }

  // ---- rendering ---------------------------------------------------------------------------------

  /** The stored curve of the shown run, or the live run's (with the stored part of a resumed one). */
  protected history(): HistoryPoint[] {
    return this.ctl.run !== null ? this.store.history(this.ctl.history) : (this.store.shown?.record.history ?? []);
  }

  protected renderGpuNote(needs = 'Training needs WebGPU', more = '') {
    if (this.gpu.kind === 'starting') return html`<p class="hint">Waiting for the GPU…</p>`;
    if (this.gpu.kind === 'missing') {
      return html`<div class="warn">${needs}, which this browser does not offer (see the top of the page).${more}</div>`;
    }
    return nothing;
  }

  protected renderDatasets(live: boolean, missingId = '') {
    const field = SECTIONS[this.section].datasets as IdListField;
    return html`<dataset-picker id=${`${this.section}-datasets`} .field=${field} .datasets=${this.datasets}
      .chosen=${(this.experiment[this.section] as { datasets: string[] }).datasets} ?disabled=${live}
      missing-id=${missingId}></dataset-picker>`;
  }

  protected renderSettings(live: boolean, extra: unknown = nothing) {
    const fields = SECTIONS[this.section] as unknown as Record<string, Field>;
    const values = this.experiment[this.section] as unknown as Record<string, unknown>;
    return html`<fieldset ?disabled=${live}>
      <legend>${live ? 'settings of the live run (Reset to change them)' : 'settings'}</legend>
      ${this.knobs.map((k) => html`<knob-field .field=${fields[k]} .value=${values[k]} ?disabled=${live}></knob-field>`)}
      ${extra}
    </fieldset>`;
  }

  /** The run's failure, what it is preparing, and the stage's own error. */
  protected renderRunNotes(sending: string, compile: string) {
    const id = this.section;
    return html`${
      this.ctl.status === 'failed'
        ? html`<div class="err" id=${`${id}-failure`}>The run failed: ${this.ctl.message ?? 'no reason given'}</div>`
        : nothing
    }
      ${
        this.ctl.status === 'preparing'
          ? html`<p class="hint" id=${`${id}-preparing`}>Preparing the run: ${this.ctl.message ?? sending}… (a software
            adapter takes ${compile} to compile the kernels)</p>`
          : nothing
      }
      ${this.error ? html`<div class="err" id=${`${id}-error`}>${this.error}</div>` : nothing}`;
  }

  // ---- knobs -------------------------------------------------------------------------------------

  protected onKnob(e: KnobChange): void {
    e.stopPropagation();
    const key = fieldKey(this.section, e.param) as keyof Experiment[S] | undefined;
    if (key === undefined) return;
    this.note = null;
    const next = withSetting(this.experiment, this.section, key, e.value as Experiment[S][typeof key]);
    this.dispatchEvent(new ExperimentChange(this.adjust(next)));
  }

  /** The knobs show a resumed run's settings (those with the experiment's names and types). */
  private showSettings(settings: Record<string, unknown>, datasets: string[]): void {
    let next = withSetting(this.experiment, this.section, 'datasets' as keyof Experiment[S], datasets as never);
    const current = next[this.section] as unknown as Record<string, unknown>;
    for (const key of this.knobs) {
      if (key in settings && typeof settings[key] === typeof current[key]) {
        next = withSetting(next, this.section, key, settings[key] as never);
      }
    }
    this.dispatchEvent(new ExperimentChange(next));
  }

  // ---- controls ----------------------------------------------------------------------------------

  protected onKey(e: KeyboardEvent): void {
    const action = stageKeyAction(e, this.ctl.status, this.keys);
    if (action) void this.act(action);
  }

  protected onAction(e: TrainerActionEvent): void {
    e.stopPropagation();
    void this.act(e.action);
  }

  protected async act(action: StageAction | string): Promise<void> {
    if (this.gpu.kind !== 'ready') return;
    if (!isStageAction(action)) return this.extraAction(action);
    return this.ctl.act(
      action,
      () => this.createRun(),
      () => {
        this.store.end();
        this.forgetRun();
      },
    );
  }

  /** Starts a new run in the Worker from the knobs (answers whether it did). */
  protected async createRun(): Promise<boolean> {
    this.error = null;
    this.note = null;
    let start: RunStart | string;
    try {
      start = await this.prepare();
    } catch (e) {
      start = storageError(e, this.reading).message;
    }
    if (typeof start === 'string') {
      this.error = start;
      return false;
    }
    const run = `${this.section}-${Date.now().toString(36)}`;
    this.store.begin({ ...start.live, id: run, created: Date.now(), checkpoints: [] });
    this.forgetRun();
    this.ctl.begin(run, start.live.steps);
    this.client?.send(start.command(run));
    return true;
  }

  /** Recreates an unfinished stored run in the Worker from its latest checkpoint, and plays on. */
  protected async onResume(e: ResumeRun): Promise<void> {
    e.stopPropagation();
    const r = this.store.offers.find((o) => o.run.id === e.run);
    if (!r || this.gpu.kind !== 'ready' || this.ctl.run !== null) return;
    this.error = null;
    this.note = null;
    let stored: { record: RunRecord; bytes: Uint8Array };
    let restart: RunRestart | string;
    try {
      stored = await this.store.resumeData(r);
      const missing = stored.record.datasets.filter((id) => !this.datasets.some((d) => d.id === id));
      restart = missing.length
        ? `${missingDatasets(missing)} no longer stored.`
        : await this.prepareResume(stored.record);
    } catch (err) {
      this.error = storageError(err, `reading run ${r.run.name} to resume it`).message;
      return;
    }
    if (typeof restart === 'string') {
      this.error = `Cannot resume ${r.run.name}: ${restart}`;
      return;
    }
    this.showSettings(restart.settings, stored.record.datasets);
    this.begin(r, stored.record, restart.steps);
    this.client?.send(restart.command(r.run.id, { bytes: stored.bytes, step: r.checkpoint.step }));
    this.ctl.send('play');
  }

  private begin(r: Resumable, record: RunRecord, steps: number): void {
    const step = r.checkpoint.step;
    this.store.begin({
      id: r.run.id,
      name: r.run.name,
      steps,
      settings: { ...record.settings },
      datasets: record.datasets,
      created: r.run.created,
      checkpoints: [...r.run.checkpoints],
      resumed: { step, history: record.history },
    });
    this.forgetRun();
    this.resumed(record, step);
    this.ctl.begin(r.run.id, steps);
    this.ctl.step = step;
  }

  /** A resumed run begins at `step` (the RLHF stage keeps the stored iterations' samples). */
  protected resumed(_record: RunRecord, _step: number): void {}

  // ---- storage -----------------------------------------------------------------------------------

  /** Re-reads the store's lists when the stage gains focus or the pointer (at most once a second). */
  protected maybeRefresh(): void {
    this.store.maybeRefresh();
  }

  protected onSaved(e: SavedAction): void {
    e.stopPropagation();
    this.error = null;
    void this.store.act(e);
  }
}

const STAGE_ACTIONS: readonly string[] = ['play', 'pause', 'step', 'reset', 'save'] satisfies StageAction[];

function isStageAction(action: string): action is StageAction {
  return STAGE_ACTIONS.includes(action);
}
