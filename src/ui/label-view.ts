// <label-view>: the paper's crowdworker interface at notebook scale (Bai et al. 2022 §2.2). Pick a policy
// checkpoint (or two, to compare models), a dataset whose conversations are the prompts, and a mode; the Worker
// samples two responses to a prompt exactly as a PPO rollout samples them (src/worker/label-session.ts), and
// the user picks the more helpful one — or, in red-team mode, the more HARMFUL one (the paper's red-teaming;
// the less harmful is then stored as chosen). Keys while the view has focus: "1" / "2" pick, "s" skips.
// Each label is appended to labels-helpful or labels-red-team (src/store/labels.ts) with its provenance, so
// the Preference-model stage trains on it and Data browses and exports it like any other dataset.
// Prompts and responses are untrusted text: bound as text only.

import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { PRESETS } from '../models/config.ts';
import type { WorkerEvent } from '../protocol.ts';
import { listCheckpoints, loadCheckpointBytes, type CheckpointMeta } from '../store/checkpoints.ts';
import { loadComparisons, type DatasetMeta } from '../store/datasets.ts';
import { storageError } from '../store/errors.ts';
import type { KV } from '../store/kv.ts';
import { LABEL_DATASETS, appendLabel, type LabelMode } from '../store/labels.ts';
import { DatasetsChanged } from './events.ts';
import type { GpuState } from './training-stage.ts';
import { shared } from './styles.ts';
import type { WorkerClient } from './worker-client.ts';

type PairAnswer = Extract<WorkerEvent, { type: 'label-pair' }>;

/** Most new tokens per response (less where the model's context is short: half of it stays for the prompt). */
const MAX_TOKENS = 48;

/** A pair on screen: the prompt, both responses and how they were made. */
interface Shown {
  prompt: string;
  responses: [string, string];
  checkpoints: [string, string];
  seed: number;
  promptDataset: string;
}

export class LabelView extends LitElement {
  static override properties = {
    kv: { attribute: false },
    client: { attribute: false },
    gpu: { attribute: false },
    datasets: { attribute: false },
    policies: { state: true },
    a: { state: true },
    b: { state: true },
    promptSet: { state: true },
    mode: { state: true },
    shown: { state: true },
    sampling: { state: true },
    labelled: { state: true },
    error: { state: true },
  };

  kv!: KV;
  client: WorkerClient | null = null;
  gpu: GpuState = { kind: 'starting' };
  datasets: DatasetMeta[] = [];
  /** Stored policy checkpoints (base models and RLHF policies). */
  policies: CheckpointMeta[] = [];
  /** Checkpoint ids: response 1 from a, response 2 from b ('' = a as well). */
  a = '';
  b = '';
  promptSet = '';
  mode: LabelMode = 'helpful';
  shown: Shown | null = null;
  sampling = false;
  /** Labels stored in this session, per mode. */
  labelled: Record<LabelMode, number> = { helpful: 0, 'red-team': 0 };
  error: string | null = null;

  private unsubscribe: (() => void) | null = null;
  private readonly pending = new Map<string, (answer: PairAnswer) => void>();
  private requests = 0;
  /** Prompts of the chosen dataset, loaded once per dataset. */
  private prompts: { id: string; list: string[] } | null = null;

  static override styles = [
    shared,
    css`
      section { background: white; border: 1px solid #ddd; border-radius: 8px; padding: 16px 20px; margin-bottom: 20px; }
      section:focus-visible { outline: 2px solid #1a73e8; outline-offset: 2px; }
      h2 { font-size: 1.25rem; margin: 0 0 4px; }
      .text { white-space: pre-wrap; overflow-wrap: anywhere; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.85em;
        background: #f7f7f7; border-radius: 4px; padding: 6px 8px; margin: 4px 0; max-height: 14em; overflow: auto; }
      .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; margin-top: 8px; }
      .pair .label { font-size: 0.8em; font-weight: 600; color: #555; }
      .controls { margin: 8px 0; }
      .red { border-color: #d93025; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.listen();
    void this.refresh();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) this.listen();
    if (changed.has('datasets')) {
      void this.refresh();
      if (!this.promptSet || !this.datasets.some((d) => d.id === this.promptSet))
        this.promptSet = this.datasets.find((d) => !d.id.startsWith('labels-'))?.id ?? this.datasets[0]?.id ?? '';
    }
  }

  override render() {
    const ready = this.gpu.kind === 'ready';
    const counts = (Object.keys(LABEL_DATASETS) as LabelMode[]).map((m) => ({
      mode: m,
      meta: this.datasets.find((d) => d.id === LABEL_DATASETS[m].id),
    }));
    const red = this.mode === 'red-team';
    return html`<section id="label-view" tabindex="0" aria-labelledby="label-title" @keydown=${this.onKey}>
      <h2 id="label-title">Label responses</h2>
      <p class="lead">The paper's data comes from crowdworkers who chat with a model and, at every turn, pick the better of two
        responses. Here a stored policy answers a prompt twice; pick the <strong>more helpful</strong> one — or, in red-team mode, try
        to elicit harm and pick the <strong>more harmful</strong> one (the less harmful is then stored as chosen). Each label becomes a
        comparison in a dataset the Preference-model stage can train on. Keys: <kbd>1</kbd> / <kbd>2</kbd> pick, <kbd>s</kbd> skip,
        while this view has focus.</p>
      <div class="row controls">
        <label>response 1 from <select id="label-a" @change=${(e: Event) => {
          this.a = (e.target as HTMLSelectElement).value;
        }}>
          ${this.policies.map((c) => html`<option value=${c.id} ?selected=${c.id === this.a}>${c.name}</option>`)}
        </select></label>
        <label>response 2 from <select id="label-b" @change=${(e: Event) => {
          this.b = (e.target as HTMLSelectElement).value;
        }}>
          <option value="" ?selected=${this.b === ''}>the same checkpoint</option>
          ${this.policies.map((c) => html`<option value=${c.id} ?selected=${c.id === this.b}>${c.name}</option>`)}
        </select></label>
        <label>prompts from <select id="label-prompts" @change=${(e: Event) => {
          this.promptSet = (e.target as HTMLSelectElement).value;
        }}>
          ${this.datasets.map((d) => html`<option value=${d.id} ?selected=${d.id === this.promptSet}>${d.name}</option>`)}
        </select></label>
        <label>mode <select id="label-mode" @change=${(e: Event) => {
          this.mode = (e.target as HTMLSelectElement).value as LabelMode;
        }}>
          <option value="helpful" ?selected=${!red}>helpful: pick the more helpful</option>
          <option value="red-team" ?selected=${red}>red team: pick the more harmful</option>
        </select></label>
        <button id="label-sample" class="primary" ?disabled=${!ready || this.sampling || !this.a || !this.promptSet} @click=${() => void this.sample()}>
          ${this.shown ? 'New pair' : 'Sample a pair'}</button>
      </div>
      ${!this.policies.length ? html`<p class="hint">No policy checkpoints yet: train a base model (or an RLHF policy) first.</p>` : nothing}
      ${!ready ? html`<p class="hint">Sampling needs the GPU.</p>` : nothing}
      ${this.error ? html`<div class="err" id="label-error">${this.error}</div>` : nothing}
      ${this.sampling ? html`<p class="hint" id="label-sampling">Sampling two responses…</p>` : nothing}
      ${this.shown ? this.renderPair(this.shown, red) : nothing}
      <p id="label-counts">${counts.map(
        ({ mode, meta }) => html`<span class="count" data-mode=${mode}>${LABEL_DATASETS[mode].name}:
        <strong data-count=${meta?.count ?? 0}>${meta?.count ?? 0}</strong> comparison${meta?.count === 1 ? '' : 's'}</span> `,
      )}
        <span class="hint">(this session: ${this.labelled.helpful} helpful, ${this.labelled['red-team']} red-team)</span></p>
    </section>`;
  }

  private renderPair(s: Shown, red: boolean) {
    const identical = s.responses[0] === s.responses[1];
    const question = red ? 'Which response is more harmful?' : 'Which response is more helpful?';
    return html`<div id="label-pair">
      <div class="label">prompt (from ${s.promptDataset}, seed ${s.seed})</div>
      <div class="text" id="label-prompt">${s.prompt}</div>
      <p><strong>${question}</strong></p>
      <div class="pair">
        ${s.responses.map(
          (r, i) => html`<div>
          <div class="label">response ${i + 1} · ${s.checkpoints[i]}</div>
          <div class="text response" data-i=${i + 1}>${r}</div>
          <button class="pick ${red ? 'red' : ''}" data-i=${i + 1} ?disabled=${identical || this.sampling} @click=${() => void this.pick((i + 1) as 1 | 2)}>
            ${i + 1}: ${red ? 'more harmful' : 'more helpful'}</button>
        </div>`,
        )}
      </div>
      ${identical ? html`<p class="hint">The two responses are identical: nothing to prefer. Skip it.</p>` : nothing}
      <button id="label-skip" ?disabled=${this.sampling} @click=${() => void this.sample()}>s: skip</button>
    </div>`;
  }

  private onKey(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.composedPath()[0];
    const tag = target instanceof HTMLElement ? target.tagName : '';
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') return;
    if ((e.key === '1' || e.key === '2') && this.shown && !this.sampling) {
      e.preventDefault();
      void this.pick(e.key === '1' ? 1 : 2);
    } else if ((e.key === 's' || e.key === 'S') && !this.sampling) {
      e.preventDefault();
      void this.sample();
    }
  }

  private listen(): void {
    this.unsubscribe?.();
    this.unsubscribe =
      this.client?.on((e) => {
        if (e.type !== 'label-pair') return;
        this.pending.get(e.request)?.(e);
        this.pending.delete(e.request);
      }) ?? null;
  }

  private async refresh(): Promise<void> {
    try {
      this.policies = (await listCheckpoints(this.kv)).filter((c) => c.stage === 'base' || c.stage === 'rlhf');
      if (!this.policies.some((c) => c.id === this.a)) this.a = this.policies.at(-1)?.id ?? '';
      if (this.b && !this.policies.some((c) => c.id === this.b)) this.b = '';
    } catch (e) {
      this.error = storageError(e, 'listing checkpoints').message;
    }
  }

  /** Samples a new pair for a random prompt of the chosen dataset. */
  async sample(): Promise<void> {
    if (this.sampling || this.gpu.kind !== 'ready' || !this.client) return;
    await this.refresh();
    const a = this.policies.find((c) => c.id === this.a);
    const b = this.b ? this.policies.find((c) => c.id === this.b) : undefined;
    const set = this.datasets.find((d) => d.id === this.promptSet);
    if (!a || !set) return;
    this.error = null;
    this.sampling = true;
    try {
      if (this.prompts?.id !== set.id || this.prompts.list.length === 0) {
        this.prompts = { id: set.id, list: [...new Set((await loadComparisons(this.kv, set)).map((c) => c.context))] };
      }
      if (!this.prompts.list.length) throw new Error(`${set.name} has no prompts`);
      const seed = crypto.getRandomValues(new Uint32Array(1))[0] >>> 1;
      const prompt = this.prompts.list[seed % this.prompts.list.length];
      const aBytes = await loadCheckpointBytes(this.kv, a);
      const bBytes = b ? await loadCheckpointBytes(this.kv, b) : undefined;
      const maxSeq = Math.min(
        ...[a, b ?? a].map(
          (c) => (PRESETS as Record<string, { maxSeqLen: number } | undefined>)[c.preset]?.maxSeqLen ?? 32,
        ),
      );
      const request = `label-${++this.requests}`;
      const answer = new Promise<PairAnswer>((resolve) => this.pending.set(request, resolve));
      this.client.send({
        type: 'label-sample',
        request,
        prompt,
        seed,
        a: { name: a.name, bytes: aBytes },
        ...(b ? { b: { name: b.name, bytes: bBytes! } } : {}),
        sampling: { maxTokens: Math.min(MAX_TOKENS, Math.floor(maxSeq / 2)), temperature: 1, topK: 0 },
      });
      const got = await answer;
      if (got.error) throw new Error(`sampling failed: ${got.error}`);
      this.shown = {
        prompt,
        responses: got.responses,
        checkpoints: [a.name, b?.name ?? a.name],
        seed,
        promptDataset: set.id,
      };
    } catch (e) {
      this.error =
        e instanceof Error && !(e.name === 'StorageError') ? e.message : storageError(e, 'sampling a pair').message;
    } finally {
      this.sampling = false;
    }
  }

  /** Stores the shown pair with the user's pick, then samples the next. */
  private async pick(picked: 1 | 2): Promise<void> {
    const s = this.shown;
    if (!s || this.sampling || s.responses[0] === s.responses[1]) return;
    const mode = this.mode;
    try {
      this.shown = null;
      await appendLabel(this.kv, { ...s, picked, mode, time: Date.now() });
      this.labelled = { ...this.labelled, [mode]: this.labelled[mode] + 1 };
      this.dispatchEvent(new DatasetsChanged());
    } catch (e) {
      this.shown = s;
      this.error = storageError(e, 'storing the label').message;
      return;
    }
    await this.sample();
  }
}

customElements.define('label-view', LabelView);
