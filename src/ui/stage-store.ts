// The stored side of a training stage (Base model, Preference model, RLHF), one reactive controller for all
// three so that they list, show, delete, download, store and resume alike:
//   lists     every stored checkpoint (later stages start from earlier stages' checkpoints) and this stage's
//             runs, re-read when asked (at most once a second for `maybeRefresh`: on focus or pointer)
//   live      the run in the Worker: each checkpoint it sends is stored (new keys, then the index), then the
//             run's record listing it, one store after another so that a record never lists a checkpoint
//             that is not stored yet
//   shown     a stored run whose curves (and samples) are shown while no run is live
//   resume    this stage's unfinished runs (step < steps) with a checkpoint to continue from, and what a
//             resume needs from the store: the run's record and that checkpoint's bytes
// Storage failures (quota, blocked) go to the stage as a message naming what was being done; nothing stored
// before is touched.

import type { ReactiveController, ReactiveControllerHost } from 'lit';
import {
  deleteCheckpoint,
  listCheckpoints,
  loadCheckpointBytes,
  saveCheckpoint,
  type CheckpointMeta,
} from '../store/checkpoints.ts';
import { storageError } from '../store/errors.ts';
import type { KV } from '../store/kv.ts';
import { joinHistory, resumableRuns, type Resumable } from '../store/resume.ts';
import {
  deleteRun,
  listRuns,
  loadRun,
  saveRun,
  type HistoryPoint,
  type RunMeta,
  type RunRecord,
} from '../store/runs.ts';
import type { SavedAction } from './events.ts';
import type { CheckpointEvent } from './trainer-controller.ts';

export type StageName = 'base' | 'pm' | 'rlhf';

/** The run in the Worker, as its stored record describes it. */
export interface LiveRun {
  id: string;
  /** The run's name in the list. */
  name: string;
  steps: number;
  /** What it was built from, enough to build it again on resume: the Worker's settings and the stage's choices. */
  settings: Record<string, unknown>;
  datasets: string[];
  created: number;
  /** Checkpoints stored from it so far. */
  checkpoints: string[];
  /** A resumed run: the stored curve up to the step it resumed at (the live curve goes on from there). */
  resumed?: { step: number; history: HistoryPoint[] };
}

export interface StageStoreOptions {
  stage: StageName;
  kv: () => KV;
  /** The stored checkpoint's id, list name and preset for one the live run sent. */
  checkpoint(e: CheckpointEvent, live: LiveRun): { id: string; name: string; preset: string };
  /** The record's parts only the stage has: what the Worker reported, the adapter, the live curve, samples. */
  record(live: LiveRun): Omit<RunRecord, 'settings' | 'datasets' | 'history'> & { history: HistoryPoint[] };
  /** A storage failure, as a sentence for the stage's error box. */
  onError(message: string): void;
}

export class StageStore implements ReactiveController {
  /** Every stored checkpoint, all stages. */
  allCheckpoints: CheckpointMeta[] = [];
  /** This stage's stored runs. */
  runs: RunMeta[] = [];
  /** This stage's unfinished runs that can resume, newest first. */
  resumable: Resumable[] = [];
  live: LiveRun | null = null;
  shown: { meta: RunMeta; record: RunRecord } | null = null;

  private storing: Promise<void> = Promise.resolve();
  private lastRefresh = -Infinity;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: StageStoreOptions,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    void this.refresh();
  }

  /** This stage's checkpoints. */
  get checkpoints(): CheckpointMeta[] {
    return this.allCheckpoints.filter((c) => c.stage === this.options.stage);
  }

  /** The unfinished runs other than the live one. */
  get offers(): Resumable[] {
    return this.resumable.filter((r) => r.run.id !== this.live?.id);
  }

  /** The live curve, after a resumed run's stored points up to where it resumed. */
  history(live: readonly HistoryPoint[]): HistoryPoint[] {
    const resumed = this.live?.resumed;
    return resumed ? joinHistory(resumed.history, live, resumed.step) : [...live];
  }

  async refresh(): Promise<void> {
    this.lastRefresh = performance.now();
    try {
      const [checkpoints, runs] = await Promise.all([listCheckpoints(this.kv), listRuns(this.kv)]);
      this.allCheckpoints = checkpoints;
      this.runs = runs.filter((r) => r.stage === this.options.stage);
      this.resumable = resumableRuns(this.runs, this.checkpoints, this.options.stage);
    } catch (e) {
      this.options.onError(storageError(e, 'listing checkpoints and runs').message);
    }
    this.host.requestUpdate();
  }

  /** Re-reads the lists unless that happened in the last second (the stage gained focus or the pointer). */
  maybeRefresh(): void {
    if (performance.now() - this.lastRefresh >= 1000) void this.refresh();
  }

  /** Follows a new live run (its checkpoints are stored from now on). */
  begin(live: LiveRun): void {
    this.live = live;
    this.shown = null;
  }

  /** Forgets the live run (after a reset); what it stored stays. */
  end(): void {
    this.live = null;
    void this.refresh();
  }

  /** Stores a checkpoint of the live run, after any store still in progress. */
  queue(e: CheckpointEvent): Promise<void> {
    this.storing = this.storing.then(() => this.store(e));
    return this.storing;
  }

  /** The stored record and checkpoint bytes a resume rebuilds the run from. */
  async resumeData(r: Resumable): Promise<{ record: RunRecord; bytes: Uint8Array }> {
    const [record, bytes] = await Promise.all([loadRun(this.kv, r.run), loadCheckpointBytes(this.kv, r.checkpoint)]);
    return { record, bytes };
  }

  /** A saved-list action: show (or hide) a run's curves, delete a run or checkpoint, download a checkpoint. */
  async act(e: SavedAction): Promise<void> {
    try {
      switch (e.action) {
        case 'show-run': {
          const meta = this.runs.find((r) => r.id === e.id);
          if (!meta) return;
          this.shown = this.shown?.meta.id === meta.id ? null : { meta, record: await loadRun(this.kv, meta) };
          this.host.requestUpdate();
          return;
        }
        case 'delete-run':
          if (this.shown?.meta.id === e.id) this.shown = null;
          await deleteRun(this.kv, e.id);
          break;
        case 'delete-checkpoint':
          await deleteCheckpoint(this.kv, e.id);
          break;
        case 'download-checkpoint': {
          const meta = this.allCheckpoints.find((c) => c.id === e.id);
          if (!meta) return;
          download(await loadCheckpointBytes(this.kv, meta), `${meta.id}.safetensors`);
          return;
        }
      }
    } catch (err) {
      this.options.onError(storageError(err, e.action.replace('-', ' ')).message);
    }
    await this.refresh();
  }

  private get kv(): KV {
    return this.options.kv();
  }

  /** The checkpoint under new keys, then the run's record listing it. */
  private async store(e: CheckpointEvent): Promise<void> {
    const live = this.live;
    if (!live || e.run !== live.id) return;
    const { id, name, preset } = this.options.checkpoint(e, live);
    try {
      await saveCheckpoint(
        this.kv,
        { id, name, stage: this.options.stage, run: e.run, step: e.step, preset, metadata: e.metadata },
        e.bytes,
      );
      if (!live.checkpoints.includes(id)) live.checkpoints.push(id);
      const { history, ...parts } = this.options.record(live);
      await saveRun(
        this.kv,
        {
          id: live.id,
          name: live.name,
          stage: this.options.stage,
          step: e.step,
          steps: live.steps,
          checkpoints: [...live.checkpoints],
          created: live.created,
        },
        {
          settings: { ...live.settings },
          datasets: [...live.datasets],
          ...parts,
          history: this.history(history).map((p) => ({ ...p })),
        },
      );
    } catch (err) {
      this.options.onError(storageError(err, `storing checkpoint ${id}`).message);
    }
    await this.refresh();
  }
}

/** Hands bytes to the browser as a file download. */
function download(bytes: Uint8Array, file: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
  Object.assign(document.createElement('a'), { href: url, download: file }).click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
