// <tension-explorer>: the paper's helpful-vs-harmless tension (Bai et al. 2022, §4.4, Figure 1) as one preset.
// One click trains three preference models from the chosen base model — on the helpful dataset only, on the
// harmless one only, and on both —, scores each on both datasets' held-out pairs (the cross-evaluation matrix),
// runs PPO of the base model against each, and shows what the base model and the three policies answer to the
// same benign and harmful prompts, with the gold scorer's verdict on every answer. The PM and RLHF stages'
// settings (and the seed) apply to all three, so the preset is a link like every experiment. The Worker runs it
// (src/train/tension-run.ts) beside whatever the stages are doing; the six models are stored like the
// stages' own (stages 'pm' and 'rlhf', one run id), so the leaderboard, the heat map and labelling can use them.

import { css, html, nothing, type PropertyValues } from 'lit';
import { trainingPairs } from '../data/comparisons.ts';
import { loadCheckpointBytes, saveCheckpoint, type CheckpointMeta } from '../store/checkpoints.ts';
import { loadComparisons } from '../store/datasets.ts';
import { storageError } from '../store/errors.ts';
import type { TensionResult, TensionSettings, WorkerEvent } from '../protocol.ts';
import { heatCell } from './eval-heatmap.ts';
import { EvalPanel } from './eval-panel.ts';
import type { Experiment } from './experiment.ts';
import { shared } from './styles.ts';
import type { WorkerClient } from './worker-client.ts';

/** Held-out prompts per dataset in the answers table. */
export const TENSION_PROMPTS = 4;

/** The job's settings: the PM and RLHF stages' knobs and the experiment's seed. */
export function tensionSettings(e: Experiment): TensionSettings {
  return {
    pmSteps: e.pm.steps,
    pmPairsPerBatch: e.pm.pairsPerBatch,
    pmSeqLen: e.pm.seqLen,
    pmLr: e.pm.lr,
    iterations: e.rlhf.iterations,
    batchSize: e.rlhf.batchSize,
    maxTokens: e.rlhf.maxTokens,
    klCoef: e.rlhf.klCoef,
    lr: e.rlhf.lr,
    prompts: TENSION_PROMPTS,
    seed: e.seed,
  };
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** An answer's gold verdict in words: what the gold scorer found in it. */
export function verdict(
  dataset: string,
  r: { helpfulness: number; harmfulness: number },
): { text: string; tone: 'good' | 'bad' | 'plain' } {
  if (r.harmfulness > 0) return { text: `harmful ${r.harmfulness.toFixed(2)}`, tone: 'bad' };
  if (r.helpfulness > 0) return { text: `helpful ${r.helpfulness.toFixed(2)}`, tone: 'good' };
  return {
    text: dataset.includes('harmless') ? 'no harm' : 'not helpful',
    tone: dataset.includes('harmless') ? 'good' : 'plain',
  };
}

export class TensionExplorer extends EvalPanel {
  static override properties = {
    bases: { state: true },
    baseId: { state: true },
    helpfulId: { state: true },
    harmlessId: { state: true },
    progress: { state: true },
    result: { state: true },
    stored: { state: true },
  };

  /** Stored base models, newest first. */
  bases: CheckpointMeta[] = [];
  baseId = '';
  helpfulId = 'synth-helpful';
  harmlessId = 'synth-harmless';
  progress: { phase: string; done: number; total: number } | null = null;
  result: { base: string; helpful: string; harmless: string; result: TensionResult } | null = null;
  /** What was stored of the last result. */
  stored: string | null = null;

  static override styles = [
    shared,
    css`
      .pick { display: flex; gap: 14px; flex-wrap: wrap; align-items: baseline; margin: 6px 0; }
      .matrix td.cell { min-width: 5.5em; text-align: center; border: 2px solid white; padding: 6px 8px; }
      .matrix .n { font-size: 0.8em; opacity: 0.85; }
      .answers td { vertical-align: top; border-bottom: 1px solid #eee; font-size: 0.9em; }
      .answers .text { white-space: pre-wrap; word-break: break-word; max-width: 18em; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
      .good { color: #137333; }
      .bad { color: #c5221f; font-weight: 600; }
      .plain { color: #666; }
      progress { width: 260px; }
    `,
  ];

  override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('datasets') && this.datasets.length) {
      const ids = this.datasets.map((d) => d.id);
      if (!ids.includes(this.helpfulId)) this.helpfulId = ids.find((id) => id.includes('helpful')) ?? ids[0];
      if (!ids.includes(this.harmlessId)) this.harmlessId = ids.find((id) => id.includes('harmless')) ?? ids[0];
    }
  }

  override render() {
    const running =
      this.progress !== null && this.progress.phase !== 'done' && this.result === null && this.error === null;
    const s = this.experiment ? tensionSettings(this.experiment) : null;
    return html`<h3 id="tension-title">Helpful vs harmless: the tension explorer</h3>
      <p class="hint">The paper finds that helpfulness and harmlessness pull against each other (§4.4, Figure 1): a preference model trained
        only on helpful comparisons rewards complying with harmful requests, one trained only on harmless comparisons rewards evasive
        answers, and one trained on both learns to tell the requests apart. This preset trains all three from the chosen base model with
        the Preference-model stage's settings, runs PPO against each with the RLHF stage's settings, and lets the four models answer the
        same held-out prompts.${
          s
            ? html` Now: ${plural(s.pmSteps, 'PM step')} × ${plural(s.pmPairsPerBatch, 'pair')},
        ${plural(s.iterations, 'PPO iteration')} × ${plural(s.batchSize, 'rollout')}, seed ${s.seed}.`
            : nothing
        }</p>
      <div class="pick" @focusin=${this.revisit}>
        <label>base model <select id="tension-base" ?disabled=${running} @change=${(e: Event) => (this.baseId = (e.target as HTMLSelectElement).value)}>
          ${this.bases.length ? this.bases.map((c) => html`<option value=${c.id} ?selected=${c.id === this.base()?.id}>${c.name}</option>`) : html`<option value="">none stored yet</option>`}
        </select></label>
        ${this.datasetPicker('helpful data', 'tension-helpful', this.helpfulId, (id) => (this.helpfulId = id), running)}
        ${this.datasetPicker('harmless data', 'tension-harmless', this.harmlessId, (id) => (this.harmlessId = id), running)}
        <button id="tension-run" class="primary" ?disabled=${this.gpu.kind !== 'ready' || running} @click=${this.run}>Run the tension explorer</button>
      </div>
      ${
        this.progress && running
          ? html`<p class="hint" id="tension-progress"><progress max=${this.progress.total} value=${this.progress.done}></progress>
            ${this.progress.phase}… (${this.progress.done} / ${this.progress.total})</p>`
          : nothing
      }
      ${this.error ? html`<div class="err" id="tension-error">${this.error}</div>` : nothing}
      ${this.result ? this.renderResult(this.result) : nothing}`;
  }

  private datasetPicker(label: string, id: string, value: string, set: (id: string) => void, disabled: boolean) {
    return html`<label>${label} <select id=${id} ?disabled=${disabled} @change=${(e: Event) => set((e.target as HTMLSelectElement).value)}>
      ${this.datasets.map((d) => html`<option value=${d.id} ?selected=${d.id === value}>${d.name}</option>`)}</select></label>`;
  }

  private renderResult(r: NonNullable<TensionExplorer['result']>) {
    const models = r.result.models;
    const columns = ['base', ...models.map((m) => `${m.kind} policy`)];
    return html`<p class="hint" id="tension-done">From ${r.base}, on ${r.helpful} and ${r.harmless}.${this.stored ? html` ${this.stored}` : nothing}</p>
      <h4>Each preference model on each dataset's held-out pairs</h4>
      <table class="matrix" id="tension-matrix">
        <tr><th>PM trained on ↓ · scored on →</th><th>${r.helpful}</th><th>${r.harmless}</th></tr>
        ${models.map(
          (m) =>
            html`<tr class="pm" data-kind=${m.kind}><th>${m.kind}</th>${m.cells.map((c) => {
              const cell = heatCell(c);
              return html`<td class="cell" data-dataset=${c.dataset} title=${cell.title} style=${`background: ${cell.background}; color: ${cell.color}`}>
            <div class="acc">${cell.text}</div><div class="n">${cell.n}</div></td>`;
            })}</tr>`,
        )}
      </table>
      <p class="hint">The tension: below ½ (red), a PM prefers the rejected responses of the data it never saw.</p>
      <h4>The same prompts, answered by each model</h4>
      <table class="answers" id="tension-answers">
        <tr><th>prompt</th>${columns.map((c) => html`<th>${c}</th>`)}</tr>
        ${r.result.answers.map(
          (a) => html`<tr class="answer" data-dataset=${a.dataset}>
          <td class="text">${a.prompt.trim()}<div class="hint">${a.dataset}</div></td>
          ${a.responses.map((x) => {
            const v = verdict(a.dataset, x);
            return html`<td><div class="text">${x.text}</div><div class=${v.tone}>${v.text}</div></td>`;
          })}
        </tr>`,
        )}
      </table>
      <p class="hint">Verdicts are the synthetic world's gold scorer: on a benign request, the fraction of the topic's answer key words
        present (helpful); on a harmful request, the fraction of the harmful instructions given (harmful). Prompts from other data
        get no verdict.</p>`;
  }

  private base(): CheckpointMeta | undefined {
    return this.bases.find((c) => c.id === this.baseId) ?? this.bases[0];
  }

  protected checkpointsChanged(all: readonly CheckpointMeta[]): void {
    this.bases = all.filter((c) => c.stage === 'base').reverse();
  }

  private async run(): Promise<void> {
    if (!this.client || this.gpu.kind !== 'ready') return;
    this.error = null;
    this.result = null;
    this.stored = null;
    await this.refresh();
    const base = this.base();
    const helpful = this.datasets.find((d) => d.id === this.helpfulId);
    const harmless = this.datasets.find((d) => d.id === this.harmlessId);
    if (!base) return void (this.error = 'No base-model checkpoint stored: train the Base model (stage 2) first.');
    if (!helpful || !harmless)
      return void (this.error =
        'Choose a helpful and a harmless dataset (generate the synthetic world in Data with one click).');
    if (helpful.id === harmless.id)
      return void (this.error = 'The helpful and the harmless data must be two different datasets.');
    let command: Extract<Parameters<WorkerClient['send']>[0], { type: 'tension-run' }>;
    const request = this.nextRequest('tension');
    try {
      command = {
        type: 'tension-run',
        request,
        base: { name: base.name, bytes: await loadCheckpointBytes(this.kv, base) },
        helpful: { id: helpful.id, comparisons: trainingPairs(await loadComparisons(this.kv, helpful)) },
        harmless: { id: harmless.id, comparisons: trainingPairs(await loadComparisons(this.kv, harmless)) },
        settings: tensionSettings(this.experiment),
      };
    } catch (e) {
      this.error = storageError(e, 'reading the base model and the datasets').message;
      return;
    }
    this.progress = { phase: 'sending the data', done: 0, total: 1 };
    const answer = await new Promise<Extract<WorkerEvent, { type: 'tension-result' }>>((resolve) => {
      const stop = this.client!.on((e) => {
        if (e.type === 'tension-progress' && e.request === request)
          this.progress = { phase: e.phase, done: e.done, total: e.total };
        else if (e.type === 'tension-result' && e.request === request) {
          stop();
          resolve(e);
        }
      });
      this.client!.send(command);
    });
    if (!answer.result) {
      this.error = `The tension explorer failed: ${answer.error ?? 'no reason given'}`;
      this.progress = null;
      return;
    }
    this.progress = null;
    this.result = { base: base.name, helpful: helpful.id, harmless: harmless.id, result: answer.result };
    await this.store(answer.result, request);
  }

  /** Stores the three PMs and three policies as checkpoints of one run, so the other stages and panels list them. */
  private async store(result: TensionResult, run: string): Promise<void> {
    const s = tensionSettings(this.experiment);
    try {
      for (const m of result.models) {
        const preset = m.pm.metadata.preset ?? 'custom';
        await saveCheckpoint(
          this.kv,
          {
            id: `${run}-pm-${m.kind}`,
            name: `pm ${preset} · tension ${m.kind} · step ${s.pmSteps}`,
            stage: 'pm',
            run,
            step: s.pmSteps,
            preset,
            metadata: m.pm.metadata,
          },
          m.pm.bytes,
        );
        await saveCheckpoint(
          this.kv,
          {
            id: `${run}-rlhf-${m.kind}`,
            name: `rlhf ${preset} · tension ${m.kind} · iteration ${s.iterations}`,
            stage: 'rlhf',
            run,
            step: s.iterations,
            preset,
            metadata: m.policy.metadata,
          },
          m.policy.bytes,
        );
      }
      this.stored =
        'The three preference models and three policies are stored: the heat map, the leaderboard, the RLHF stage and labelling list them.';
    } catch (e) {
      this.error = `${storageError(e, "storing the tension explorer's models").message} The results on show stay until the page is closed.`;
    }
  }
}

customElements.define('tension-explorer', TensionExplorer);
