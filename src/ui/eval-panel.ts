// The base of the Evaluate stage's panels (<elo-panel>, <tax-panel>, <ood-panel>, <tension-explorer>,
// <online-panel>): what the stage hands each (the store, the Worker, its GPU state, the experiment, the stored
// datasets), its job's running flag and error, and the stored checkpoints. Those are re-read when the panel
// connects, when the datasets change (a dataset imported or labelled elsewhere) and when the user comes back to the
// panel (`revisit`, on focus), never while its job runs: the choices it sent stay on show. Each panel derives its
// own lists (policies, preference models, base models) in `checkpointsChanged`.

import { LitElement, type PropertyDeclarations, type PropertyValues } from 'lit';
import { listCheckpoints, type CheckpointMeta } from '../store/checkpoints.ts';
import type { DatasetMeta } from '../store/datasets.ts';
import { storageError } from '../store/errors.ts';
import type { KV } from '../store/kv.ts';
import type { Experiment } from './experiment.ts';
import type { GpuState } from './training-stage.ts';
import type { WorkerClient } from './worker-client.ts';

export abstract class EvalPanel extends LitElement {
  // a panel's own `properties` add to these (Lit collects them up the class chain)
  static override properties: PropertyDeclarations = {
    kv: { attribute: false },
    client: { attribute: false },
    gpu: { attribute: false },
    experiment: { attribute: false },
    datasets: { attribute: false },
    checkpoints: { state: true },
    running: { state: true },
    error: { state: true },
  };

  kv!: KV;
  client: WorkerClient | null = null;
  gpu: GpuState = { kind: 'starting' };
  experiment!: Experiment;
  datasets: DatasetMeta[] = [];
  /** Every stored checkpoint (base models, preference models, policies), oldest first, as last read. */
  checkpoints: CheckpointMeta[] = [];
  /** Whether the panel's job is running. */
  running = false;
  error: string | null = null;

  private requests = 0;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.refresh();
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('datasets') && changed.get('datasets') !== undefined) void this.refresh();
  }

  /** Re-reads the stored checkpoints when the user comes back to the panel, unless its job is running. */
  protected readonly revisit = (): void => {
    if (!this.running) void this.refresh();
  };

  /** Re-reads the stored checkpoints and hands them to checkpointsChanged. */
  protected async refresh(): Promise<void> {
    if (!this.kv) return;
    try {
      this.checkpoints = [...(await listCheckpoints(this.kv))].sort((a, b) => a.created - b.created);
      await this.checkpointsChanged(this.checkpoints);
    } catch (e) {
      this.error = storageError(e, 'reading the stored checkpoints').message;
    }
  }

  /** Derives the panel's own lists from the stored checkpoints (oldest first), and reads whatever else it shows. */
  protected abstract checkpointsChanged(all: readonly CheckpointMeta[]): void | Promise<void>;

  /** A Worker request id, unique to this panel's jobs (and across page loads, for runs stored under it). */
  protected nextRequest(prefix: string): string {
    return `${prefix}-${++this.requests}-${Date.now().toString(36)}`;
  }
}
