// <stage-rlhf>: the RLHF stage (Bai et al. 2022 §4). PPO of a policy — a stored base-model checkpoint, which is
// also the frozen reference π0 — against a reward: the chosen preference model's score (the paper), or the
// synthetic world's gold scorer (a perfect preference model, for comparison), with the per-token penalty
// −λ_KL·KL(π ‖ π0). The Worker runs src/train/ppo.ts (worker/ppo-session.ts); one step is one PPO iteration.
//
// What it shows: every knob (in the URL), play / pause / step / reset / save (Space and "s" while the stage has
// focus, "i" for an inspected step); the reward-vs-√KL chart with its fitted line (click a point, or pick an
// iteration, to read that iteration's samples); a step-through of one inspected iteration, phase by phase, as a
// per-token table; live metric charts under TRL's names; stored runs and policy checkpoints (IndexedDB, stage
// 'rlhf'), listed after a reload. Prompts, responses and tokens are untrusted text: Lit text bindings only.
//
// The checkpoint pickers read the store when the stage is connected, gains focus or the pointer, and before a
// run starts, so checkpoints the other stages stored since are offered. The policy is also stored every
// `rlhf.save` iterations; after a reload an unfinished run resumes from it with π0 still its initial policy
// (src/worker/ppo-session.ts says how, and what differs from an uninterrupted run).

import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { diagnoseSteps } from '../eval/run-doctor.ts';
import { PRESETS, type PresetName } from '../models/config.ts';
import type { RLHFReward, RLHFRunSettings, RLHFSample, RLHFTrace, WorkerEvent } from '../protocol.ts';
import { loadCheckpointBytes, type CheckpointMeta } from '../store/checkpoints.ts';
import { loadComparisons, type DatasetMeta } from '../store/datasets.ts';
import { storageError } from '../store/errors.ts';
import type { KV } from '../store/kv.ts';
import { lastValues, type HistoryPoint, type RunRecord } from '../store/runs.ts';
import { ppoPrompts } from '../data/prompts.ts';
import { ExperimentChange, type KnobChange, type ResumeRun, type SavedAction, type TrainerActionEvent } from './events.ts';
import { RLHF_FIELDS, withRlhf, type Experiment, type RLHFConfig } from './experiment.ts';
import { formatCount, formatMetric } from '../util/format.ts';
import type { IterationPick } from './kl-reward-chart.ts';
import './kl-reward-chart.ts';
import './knob-field.ts';
import './metric-chart.ts';
import { PPO_PHASES, cellText, traceTable, visibleToken } from './ppo-trace.ts';
import './resume-offer.ts';
import './saved-list.ts';
import type { GpuState } from './stage-base.ts';
import { StageStore } from './stage-store.ts';
import { shared } from './styles.ts';
import { stageKeyAction, TrainerController, type StageAction } from './trainer-controller.ts';
import './trainer-controls.ts';
import type { WorkerClient } from './worker-client.ts';

const KNOBS = ['reward', 'iterations', 'batch', 'minibatches', 'epochs', 'maxTokens', 'klCoef', 'klTarget', 'lr', 'saveEvery'] as const satisfies readonly (keyof RLHFConfig)[];

const METRICS = [
  'objective/scores', 'gold/scores', 'objective/kl', 'objective/sqrt_kl', 'objective/entropy', 'objective/rlhf_reward', 'objective/kl_coef',
  'policy/clipfrac', 'policy/approxkl', 'loss/policy', 'loss/value', 'val/var_explained', 'response/length', 'response/ended_rate',
  'time/rollout', 'time/score', 'time/logprobs', 'time/update',
] as const;

/** The live metric charts: [id, y label, metrics]. */
const CHARTS: [string, string, string[]][] = [
  ['chart-scores', 'score', ['objective/scores', 'gold/scores']],
  ['chart-kl', 'KL(π ‖ π0), nats per response', ['objective/kl']],
  ['chart-entropy', 'entropy, nats per response', ['objective/entropy']],
  ['chart-clipfrac', 'clip fraction', ['policy/clipfrac', 'val/clipfrac']],
  ['chart-value-loss', 'value loss', ['loss/value']],
];

/** Which seconds metric each phase of the step-through took. */
const PHASE_TIME = ['time/rollout', 'time/score', 'time/logprobs', 'time/logprobs', 'time/update'];

/** The Worker's settings for the experiment's RLHF knobs. */
export function rlhfSettings(e: Experiment): RLHFRunSettings {
  const r = e.rlhf;
  return {
    iterations: r.iterations, batchSize: r.batch, minibatches: r.minibatches, epochs: r.epochs, maxTokens: r.maxTokens,
    klCoef: r.klCoef, klTarget: r.klTarget, lr: r.lr, reward: r.reward, seed: e.seed, saveInterval: r.saveEvery,
  };
}

/** The context of the model a checkpoint holds (from its preset), when known. */
function contextOf(c: CheckpointMeta | undefined): number | undefined {
  return c ? PRESETS[c.preset as PresetName]?.maxSeqLen : undefined;
}

const newestFirst = (list: CheckpointMeta[]) => [...list].sort((a, b) => b.created - a.created);

type SamplesByIteration = Map<number, RLHFSample[]>;

/** A stored run's samples by iteration. */
const samplesOf = (record: RunRecord | undefined): SamplesByIteration => new Map((record?.samples ?? []).map((x) => [x.iteration, x.samples]));

/** A stored RLHF run's settings: the Worker's, and the checkpoints a resume needs (the policy, which is π0, and the PM). */
type StoredRLHFSettings = RLHFRunSettings & { policy: string; policyId: string; pmId?: string; rewardName: string };

/** The Worker's part of stored RLHF settings. */
function rlhfRunSettings(s: StoredRLHFSettings): RLHFRunSettings {
  const { iterations, batchSize, minibatches, epochs, maxTokens, klCoef, klTarget, lr, reward, seed, saveInterval } = s;
  return { iterations, batchSize, minibatches, epochs, maxTokens, klCoef, klTarget, lr, reward, seed, saveInterval };
}

export class StageRlhf extends LitElement {
  static override properties = {
    kv: { attribute: false },
    client: { attribute: false },
    gpu: { attribute: false },
    experiment: { attribute: false },
    datasets: { attribute: false },
    policyId: { state: true },
    pmId: { state: true },
    selected: { state: true },
    yKey: { state: true },
    trace: { state: true },
    traceRow: { state: true },
    phase: { state: true },
    error: { state: true },
  };

  kv!: KV;
  client: WorkerClient | null = null;
  gpu: GpuState = { kind: 'starting' };
  experiment!: Experiment;
  datasets: DatasetMeta[] = [];
  /** The chosen policy and preference-model checkpoints ('' = the newest). */
  policyId = '';
  pmId = '';
  /** The iteration whose samples are shown; null: follow the newest. */
  selected: number | null = null;
  /** The chart's y: the reward's score, or the gold score. */
  yKey: 'objective/scores' | 'gold/scores' = 'objective/scores';
  trace: RLHFTrace | null = null;
  traceRow = 0;
  phase = 1;
  error: string | null = null;

  private readonly ctl = new TrainerController(this, 'rlhf');
  private samples: SamplesByIteration = new Map();
  private readonly store = new StageStore(this, {
    stage: 'rlhf',
    kv: () => this.kv,
    checkpoint: (e, live) => {
      const s = live.settings as unknown as StoredRLHFSettings;
      const preset = e.metadata.preset ?? 'custom';
      return { id: `${e.run}-iter${e.step}`, name: `rlhf ${preset} · ${s.rewardName} · iteration ${e.step}`, preset };
    },
    record: () => ({
      info: this.ctl.info, adapter: this.gpu.kind === 'ready' ? this.gpu.adapter : '', history: this.ctl.history,
      samples: [...this.samples].map(([iteration, samples]) => ({ iteration, samples })),
    }),
    onError: (message) => (this.error = message),
  });
  private unsubscribe: (() => void) | null = null;
  private frame = 0;

  static override styles = [
    shared,
    css`
      fieldset { border: 1px solid #e4e4e4; border-radius: 6px; margin: 8px 0; padding: 8px 12px; }
      legend { color: #555; font-size: 0.9em; }
      .datasets label { margin-right: 16px; }
      .pickers label { display: grid; grid-template-columns: 11em 1fr; gap: 10px; align-items: baseline; padding: 3px 0; }
      .pickers select { max-width: 28em; }
      .cols { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 16px; margin-top: 12px; }
      .metrics td:first-child { color: #555; }
      .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
      .text { white-space: pre-wrap; word-break: break-word; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.88em; }
      .samples td { border-bottom: 1px solid #eee; }
      .phases { display: flex; gap: 6px; flex-wrap: wrap; margin: 6px 0; }
      .phases button[aria-pressed='true'] { background: #1a73e8; color: white; border-color: #1a73e8; }
      .trace-table { font-size: 0.88em; }
      .trace-table td.num { text-align: right; }
      .trace-table td.tok { background: #f3f6fb; }
      .trace-table tr.last td { border-top: 1px dashed #999; }
      .scroll { overflow-x: auto; }
      .inline { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 6px 0; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.ctl.onCheckpoint = (e) => void this.store.queue(e);
    this.subscribe();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
    this.unsubscribe = null;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) {
      this.ctl.setClient(this.client);
      this.subscribe();
    }
  }

  // ---- rendering ---------------------------------------------------------------------------------

  override render() {
    const live = this.ctl.run !== null;
    const ready = this.gpu.kind === 'ready';
    const shown = this.store.shown;
    const history: HistoryPoint[] = live ? this.store.history(this.ctl.history) : (shown?.record.history ?? []);
    const last = lastValues(history);
    const s = this.ctl.status;
    const busy = s === 'playing' || s === 'preparing';
    return html`<section class="stage" id="stage-rlhf" tabindex="0" aria-labelledby="rlhf-title" @keydown=${this.onKey}
      @focusin=${this.maybeRefresh} @pointerenter=${this.maybeRefresh}
      @trainer-action=${this.onAction} @knob-change=${this.onKnob} @saved-action=${this.onSaved} @iteration-pick=${this.onPick} @resume-run=${this.onResume}>
      <h2 id="rlhf-title"><span class="n">4</span>RLHF</h2>
      <p class="lead">PPO trains the policy to raise its reward, r = score − λ·KL(π ‖ π0) summed over its tokens: the preference model's
        score of each response, minus a penalty for drifting from the initial policy π0 (Bai et al. 2022, §4). The paper finds the score
        grows roughly linearly in √KL: the chart below plots one point per iteration and fits that line. Keys: <kbd>Space</kbd> play / pause,
        <kbd>s</kbd> one iteration, <kbd>i</kbd> one inspected iteration, while this stage has focus.</p>
      ${this.renderGpuNote()}
      <resume-offer .runs=${this.store.offers} unit="iteration" ?disabled=${live || !ready}></resume-offer>
      ${this.renderPickers(live)}
      ${this.renderDatasets(live)}
      <fieldset ?disabled=${live}>
        <legend>${live ? 'settings of the live run (Reset to change them)' : 'settings'}</legend>
        ${KNOBS.map((k) => html`<knob-field .field=${RLHF_FIELDS[k]} .value=${this.experiment.rlhf[k]} ?disabled=${live}></knob-field>`)}
      </fieldset>
      <div class="inline">
        <trainer-controls .pace=${this.ctl.pace()} .status=${s} .step=${this.ctl.step} .steps=${this.ctl.steps || this.experiment.rlhf.iterations} ?disabled=${!ready}></trainer-controls>
        <button id="inspect" ?disabled=${!ready || busy || s === 'done'} @click=${() => this.act('inspect')} aria-keyshortcuts="i"
          title="Run one iteration and keep every rollout's per-token trace (i)">Step (inspect)</button>
      </div>
      ${s === 'failed' ? html`<div class="err" id="rlhf-failure">The run failed: ${this.ctl.message ?? 'no reason given'}</div>` : nothing}
      ${s === 'preparing'
        ? html`<p class="hint" id="rlhf-preparing">Preparing the run: ${this.ctl.message ?? 'sending the models'}… (a software adapter takes a minute or more to compile the kernels)</p>`
        : nothing}
      ${this.error ? html`<div class="err" id="rlhf-error">${this.error}</div>` : nothing}
      <div class="cols">
        <div>
          <h3>Score against √KL</h3>
          ${'gold/scores' in last && this.scoreName() !== 'gold score'
            ? html`<label class="hint">y axis <select id="y-key" @change=${(e: Event) => (this.yKey = (e.target as HTMLSelectElement).value as typeof this.yKey)}>
                <option value="objective/scores" ?selected=${this.yKey === 'objective/scores'}>the reward's score</option>
                <option value="gold/scores" ?selected=${this.yKey === 'gold/scores'}>gold score (the truth)</option></select></label>`
            : nothing}
          <kl-reward-chart id="kl-chart" .points=${history} .revision=${live ? this.ctl.revision : 0} .selected=${this.shownIteration()}
            yKey=${this.yKey} yLabel=${this.yKey === 'gold/scores' ? 'gold score' : this.scoreName()}></kl-reward-chart>
          ${!live && shown ? html`<p class="hint">Showing stored run ${shown.meta.name}.</p>` : nothing}
          ${this.renderSamples()}
        </div>
        <table class="metrics" id="rlhf-metrics" data-step=${this.ctl.step}>
          <tr><td>iteration</td><td id="rlhf-iteration">${live ? this.ctl.step : (shown?.meta.step ?? '–')}</td></tr>
          ${METRICS.filter((m) => m !== 'gold/scores' || m in last).map((m) => html`<tr><td>${m}</td><td data-metric=${m}>${formatMetric(m, last[m])}</td></tr>`)}
          ${Object.entries(live ? this.ctl.info : (shown?.record.info ?? {})).map(([k, v]) => html`<tr><td>${k}</td><td>${typeof v === 'number' ? formatCount(v) : v}</td></tr>`)}
        </table>
      </div>
      ${this.renderDoctor(history)}
      ${this.renderTrace(history)}
      <h3>Metrics per iteration</h3>
      <div class="charts">
        ${CHARTS.map(([id, label, metrics]) => html`<metric-chart id=${id} label=${label} .metrics=${metrics} .points=${history}
          .revision=${live ? this.ctl.revision : 0} .height=${180}></metric-chart>`)}
      </div>
      <saved-list .checkpoints=${this.store.checkpoints} .runs=${this.store.runs} shown=${shown?.meta.id ?? ''}
        .columns=${[['objective/scores', 'score'], ['objective/kl', 'KL']]}></saved-list>
    </section>`;
  }

  private renderGpuNote() {
    if (this.gpu.kind === 'starting') return html`<p class="hint">Waiting for the GPU…</p>`;
    if (this.gpu.kind === 'missing') return html`<div class="warn">RLHF needs WebGPU, which this browser does not offer (see the top of the page).</div>`;
    return nothing;
  }

  private renderPickers(live: boolean) {
    const policies = this.policyChoices();
    const pms = this.pmChoices();
    const policy = this.policy();
    const pm = this.pm();
    const gold = this.experiment.rlhf.reward === 'gold';
    const context = contextOf(policy);
    return html`<fieldset class="pickers" ?disabled=${live}>
      <legend>models</legend>
      <label><span>policy (and π0)</span>
        ${policies.length
          ? html`<select id="policy" @change=${(e: Event) => (this.policyId = (e.target as HTMLSelectElement).value)}>
              ${policies.map((c) => html`<option value=${c.id} ?selected=${c.id === policy?.id}>${c.name}</option>`)}
            </select>`
          : html`<span class="hint" id="no-policy">No base-model checkpoint yet: train the base model (stage 2); it stores one when it ends or on Save checkpoint.</span>`}
      </label>
      <p class="hint">PPO starts from this checkpoint, and a frozen copy of it is π0, the reference of the KL penalty (an RLHF checkpoint continues a run, with its value head).</p>
      <label><span>preference model</span>
        ${pms.length
          ? html`<select id="pm" ?disabled=${gold} @change=${(e: Event) => (this.pmId = (e.target as HTMLSelectElement).value)}>
              ${pms.map((c) => html`<option value=${c.id} ?selected=${c.id === pm?.id}>${c.name}</option>`)}
            </select>`
          : html`<span class="hint" id="no-pm">No preference model yet: train one in stage 3${gold ? '' : ', or set the reward to gold'}.</span>`}
      </label>
      ${gold ? html`<p class="hint" id="gold-note">Reward: the synthetic world's gold scorer (helpfulness − harmfulness, in [−1, 1]); prompts from outside the synthetic world score 0.</p>` : nothing}
      ${context !== undefined && this.experiment.rlhf.maxTokens >= context
        ? html`<div class="warn" id="tokens-warning">The policy reads at most ${context} tokens: max new tokens must be below that (and leave room for the prompt).</div>`
        : nothing}
    </fieldset>`;
  }

  private renderDatasets(live: boolean) {
    const chosen = new Set(this.experiment.rlhf.datasets);
    const missing = this.experiment.rlhf.datasets.filter((id) => !this.datasets.some((d) => d.id === id));
    return html`<fieldset class="datasets" id="rlhf-datasets" ?disabled=${live}>
      <legend>${RLHF_FIELDS.datasets.label}: ${RLHF_FIELDS.datasets.help}</legend>
      ${this.datasets.length
        ? this.datasets.map((d) => html`<label><input type="checkbox" data-id=${d.id} .checked=${chosen.has(d.id)}
            @change=${(e: Event) => this.toggleDataset(d.id, (e.target as HTMLInputElement).checked)} /> ${d.name}</label>`)
        : html`<span class="hint">No datasets yet: generate the synthetic world in Data (one click), or import HH files.</span>`}
      ${missing.length ? html`<div class="warn">Not in this browser's store: ${missing.join(', ')}.</div>` : nothing}
    </fieldset>`;
  }

  /** The run doctor's warnings for the run on show (src/eval/run-doctor.ts): what went wrong, where, what to try. */
  private renderDoctor(history: readonly HistoryPoint[]) {
    const warnings = diagnoseSteps(history);
    if (!warnings.length) return nothing;
    return html`<div class="warn" id="rlhf-doctor">
      <strong>Run doctor</strong>: ${warnings.length} warning${warnings.length > 1 ? 's' : ''} from this run's metrics (rules of thumb from
        TRL's and OpenRLHF's issue trackers; the flags named are the <code>rlhf ppo</code> command's).
      <ul>${warnings.map((w) => html`<li class="doctor" data-code=${w.code}><strong>${w.code}</strong> (iteration${w.iterations.length > 1 ? 's' : ''}
        ${w.iterations.join(', ')}): ${w.message}</li>`)}</ul>
    </div>`;
  }

  private renderSamples() {
    const byIteration = this.ctl.run !== null ? this.samples : samplesOf(this.store.shown?.record);
    const iterations = [...byIteration.keys()].sort((a, b) => a - b);
    if (!iterations.length) return nothing;
    const it = this.shownIteration();
    const samples = it !== null ? byIteration.get(it) : undefined;
    const gold = samples?.some((x) => x.gold !== undefined);
    return html`<div class="inline">
        <label for="sample-iteration">Samples of iteration</label>
        <select id="sample-iteration" @change=${(e: Event) => (this.selected = Number((e.target as HTMLSelectElement).value))}>
          ${iterations.map((n) => html`<option value=${n} ?selected=${n === it}>${n}</option>`)}
        </select>
        <span class="hint">(or click a point of the chart)</span>
      </div>
      ${samples
        ? html`<table class="samples" id="samples" data-iteration=${it}>
            <tr><th>prompt</th><th>response</th><th>score</th>${gold ? html`<th>gold</th>` : nothing}<th>ended</th></tr>
            ${samples.map((x) => html`<tr class="sample">
              <td class="text">${x.prompt.replace(/^\n+/, '')}</td><td class="text response">${x.response}</td>
              <td>${x.score.toFixed(3)}</td>${gold ? html`<td>${x.gold?.toFixed(3) ?? '–'}</td>` : nothing}<td>${x.ended ? 'yes' : 'cut'}</td>
            </tr>`)}
          </table>`
        : nothing}`;
  }

  private renderTrace(history: readonly HistoryPoint[]) {
    const t = this.trace;
    if (!t) {
      return html`<h3>Step-through of one iteration</h3>
        <p class="hint" id="no-trace">Press <strong>Step (inspect)</strong> to run one PPO iteration and follow it phase by phase, token by token.</p>`;
    }
    const row = Math.min(this.traceRow, t.rows.length - 1);
    const r = t.rows[row];
    const table = traceTable(t, row, this.phase);
    const phase = PPO_PHASES[this.phase - 1];
    const seconds = history.find((p) => p.step === t.iteration)?.[PHASE_TIME[this.phase - 1]];
    return html`<h3>Step-through of iteration ${t.iteration}</h3>
      <div class="inline">
        <label for="trace-row">rollout</label>
        <select id="trace-row" @change=${(e: Event) => (this.traceRow = Number((e.target as HTMLSelectElement).value))}>
          ${t.rows.map((x, b) => html`<option value=${b} ?selected=${b === row}>${b + 1} · score ${x.score.toFixed(3)} · ${x.tokens.length} tokens</option>`)}
        </select>
      </div>
      <div class="phases" role="group" aria-label="phases of the iteration">
        ${PPO_PHASES.map((p) => html`<button class="phase" data-phase=${p.n} aria-pressed=${String(p.n === this.phase)} @click=${() => (this.phase = p.n)}>${p.n} ${p.name}</button>`)}
        <button id="next-phase" ?disabled=${this.phase >= PPO_PHASES.length} @click=${() => (this.phase = Math.min(PPO_PHASES.length, this.phase + 1))}>Next phase ▸</button>
      </div>
      <p id="phase-text"><strong>${phase.n}. ${phase.name}.</strong> ${phase.text}
        ${seconds !== undefined ? html`<span class="hint">(${seconds.toFixed(2)} s for the whole batch${this.phase === 3 || this.phase === 4 ? ', phases 3 and 4 together' : ''})</span>` : nothing}
        ${this.phase === 3 ? html`<span class="hint">λ = ${t.klCoef}.</span>` : nothing}
        ${this.phase === 5 ? html`<span class="hint">ε = ${t.cliprange}; this rollout is in minibatch ${r.minibatch + 1}; minibatch order per epoch: ${t.order.map((o) => o.map((m) => m + 1).join('→')).join(' | ')}.</span>` : nothing}</p>
      <p class="hint">The prompt as the policy read it: <span class="text" id="trace-prompt">${visibleToken(r.prompt)}</span></p>
      <div class="scroll">
        <table class="trace-table" id="trace-table" data-phase=${this.phase} data-rows=${table.rows.length}>
          <tr>${table.columns.map((c) => html`<th title=${c.title}>${c.label}</th>`)}</tr>
          ${table.rows.map((tr) => html`<tr class=${tr.i === table.rows.length - 1 ? 'last token-row' : 'token-row'}>
            ${table.columns.map((c) => html`<td class=${c.key === 'token' ? 'tok mono' : c.key === 'i' ? '' : 'num'} data-col=${c.key}>${cellText(tr, c.key)}</td>`)}
          </tr>`)}
        </table>
      </div>
      ${this.phase >= 3
        ? html`<p class="hint" id="trace-totals">Σ KL = ${table.totals.kl.toFixed(4)} nats; Σ reward = ${table.totals.reward.toFixed(4)}
            (score ${r.score.toFixed(4)} − λ·Σ KL; the response ${r.ended ? 'ended by itself' : 'was cut at the token limit'}).</p>`
        : nothing}`;
  }

  // ---- choices -----------------------------------------------------------------------------------

  private policyChoices(): CheckpointMeta[] {
    return newestFirst(this.store.allCheckpoints.filter((c) => c.stage === 'base' || c.stage === 'rlhf'));
  }

  private pmChoices(): CheckpointMeta[] {
    return newestFirst(this.store.allCheckpoints.filter((c) => c.stage === 'pm'));
  }

  private policy(): CheckpointMeta | undefined {
    const list = this.policyChoices();
    return list.find((c) => c.id === this.policyId) ?? list.find((c) => c.stage === 'base') ?? list[0];
  }

  private pm(): CheckpointMeta | undefined {
    const list = this.pmChoices();
    return list.find((c) => c.id === this.pmId) ?? list[0];
  }

  private scoreName(): string {
    const settings = (this.ctl.run !== null ? this.store.live?.settings : this.store.shown?.record.settings) as Partial<RLHFRunSettings> | undefined;
    const reward = settings?.reward ?? this.experiment.rlhf.reward;
    return reward === 'gold' ? 'gold score' : 'PM score';
  }

  /** The iteration whose samples are shown: the picked one, else the newest. */
  private shownIteration(): number | null {
    const byIteration = this.ctl.run !== null ? this.samples : samplesOf(this.store.shown?.record);
    if (this.selected !== null && byIteration.has(this.selected)) return this.selected;
    const all = [...byIteration.keys()];
    return all.length ? Math.max(...all) : null;
  }

  // ---- knobs -------------------------------------------------------------------------------------

  private toggleDataset(id: string, on: boolean): void {
    const ids = this.experiment.rlhf.datasets.filter((d) => d !== id);
    this.dispatchEvent(new ExperimentChange(withRlhf(this.experiment, 'datasets', on ? [...ids, id] : ids)));
  }

  private onKnob(e: KnobChange): void {
    e.stopPropagation();
    const key = KNOBS.find((k) => RLHF_FIELDS[k].param === e.param);
    if (!key) return;
    this.dispatchEvent(new ExperimentChange(withRlhf(this.experiment, key, e.value as RLHFConfig[typeof key])));
  }

  private onPick(e: IterationPick): void {
    e.stopPropagation();
    this.selected = e.iteration;
  }

  // ---- controls ----------------------------------------------------------------------------------

  private onKey(e: KeyboardEvent): void {
    const action = stageKeyAction(e, this.ctl.status, { i: 'inspect' as const });
    if (action) void this.act(action);
  }

  private onAction(e: TrainerActionEvent): void {
    e.stopPropagation();
    void this.act(e.action);
  }

  private async act(action: StageAction | 'inspect'): Promise<void> {
    if (this.gpu.kind !== 'ready') return;
    if (action !== 'inspect') return this.ctl.act(action, () => this.createRun(), () => {
      this.store.end();
      this.samples = new Map();
      this.trace = null;
      this.selected = null;
    });
    // one iteration with its per-token trace (starting the run first when none is live)
    if ((await this.ctl.readyToStep(() => this.createRun())) && this.ctl.run) this.client?.send({ type: 'rlhf-inspect', run: this.ctl.run });
  }

  /** Loads the policy, the reward's PM and the prompts, and starts a run in the Worker. */
  private async createRun(): Promise<boolean> {
    this.error = null;
    await this.store.refresh();
    const r = this.experiment.rlhf;
    const policy = this.policy();
    const pm = this.pm();
    if (!policy) {
      this.error = 'No policy to start from: train the base model (stage 2) first; it stores a checkpoint when it ends or on Save checkpoint.';
      return false;
    }
    if (r.reward === 'pm' && !pm) {
      this.error = 'The reward is a preference model, and none is stored: train one in stage 3, or set the reward to gold (the synthetic world\'s scorer).';
      return false;
    }
    const context = contextOf(policy);
    if (context !== undefined && r.maxTokens >= context) {
      this.error = `${policy.name} reads at most ${context} tokens: lower max new tokens below ${context}.`;
      return false;
    }
    const chosen = this.datasets.filter((d) => r.datasets.includes(d.id));
    if (!chosen.length) {
      this.error = 'Choose at least one stored dataset for the prompts (generate the synthetic world in Data with one click).';
      return false;
    }
    let prompts: string[];
    let policyBytes: Uint8Array;
    let reward: RLHFReward;
    try {
      const comparisons = [];
      for (const d of chosen) comparisons.push(...(await loadComparisons(this.kv, d)));
      prompts = ppoPrompts(comparisons);
      policyBytes = await loadCheckpointBytes(this.kv, policy);
      reward = r.reward === 'pm' ? { kind: 'pm', name: pm!.name, bytes: await loadCheckpointBytes(this.kv, pm!) } : { kind: 'gold' };
    } catch (e) {
      this.error = storageError(e, 'reading the models and prompts').message;
      return false;
    }
    const settings = rlhfSettings(this.experiment);
    const run = `rlhf-${Date.now().toString(36)}`;
    const rewardName = reward.kind === 'pm' ? `PM ${reward.name}` : 'gold';
    const ids = chosen.map((d) => d.id);
    const stored: StoredRLHFSettings = { ...settings, policy: policy.name, policyId: policy.id, ...(reward.kind === 'pm' ? { pmId: pm!.id } : {}), rewardName };
    this.store.begin({ id: run, name: `rlhf ${policy.preset} · ${rewardName} · ${ids.join(' + ')}`, steps: settings.iterations, settings: { ...stored }, datasets: ids, created: Date.now(), checkpoints: [] });
    this.samples = new Map();
    this.trace = null;
    this.selected = null;
    this.yKey = 'objective/scores';
    this.ctl.begin(run, settings.iterations);
    this.client?.send({ type: 'rlhf-create', run, settings, policy: { name: policy.name, bytes: policyBytes }, reward, prompts });
    return true;
  }

  /** Recreates an unfinished stored run in the Worker (same π0, reward and prompts) from its latest policy checkpoint, and plays on. */
  private async onResume(e: ResumeRun): Promise<void> {
    e.stopPropagation();
    const r = this.store.offers.find((o) => o.run.id === e.run);
    if (!r || this.gpu.kind !== 'ready' || this.ctl.run !== null) return;
    this.error = null;
    let stored: Awaited<ReturnType<StageStore['resumeData']>>;
    let settings: StoredRLHFSettings;
    let prompts: string[];
    let policyBytes: Uint8Array;
    let reward: RLHFReward;
    try {
      stored = await this.store.resumeData(r);
      settings = stored.record.settings as unknown as StoredRLHFSettings;
      const fail = (what: string) => (this.error = `Cannot resume ${r.run.name}: ${what} no longer stored.`);
      const missing = stored.record.datasets.filter((id) => !this.datasets.some((d) => d.id === id));
      if (missing.length) return void fail(`its prompt dataset${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'}`);
      const find = (id: string | undefined) => this.store.allCheckpoints.find((c) => c.id === id);
      const policy = find(settings.policyId);
      if (!policy) return void fail(`its initial policy (π0, ${settings.policy}) is`);
      const pm = settings.reward === 'pm' ? find(settings.pmId) : undefined;
      if (settings.reward === 'pm' && !pm) return void fail(`its preference model (${settings.rewardName}) is`);
      const comparisons = [];
      for (const id of stored.record.datasets) comparisons.push(...(await loadComparisons(this.kv, this.datasets.find((d) => d.id === id)!)));
      prompts = ppoPrompts(comparisons);
      policyBytes = await loadCheckpointBytes(this.kv, policy);
      reward = pm ? { kind: 'pm', name: pm.name, bytes: await loadCheckpointBytes(this.kv, pm) } : { kind: 'gold' };
    } catch (err) {
      this.error = storageError(err, `reading run ${r.run.name} to resume it`).message;
      return;
    }
    const worker = rlhfRunSettings(settings);
    const step = r.checkpoint.step;
    this.store.begin({ id: r.run.id, name: r.run.name, steps: worker.iterations, settings: { ...settings }, datasets: stored.record.datasets, created: r.run.created, checkpoints: [...r.run.checkpoints], resumed: { step, history: stored.record.history } });
    // the stored iterations' samples stay readable from the chart
    this.samples = new Map([...samplesOf(stored.record)].filter(([iteration]) => iteration <= step));
    this.trace = null;
    this.selected = null;
    this.ctl.begin(r.run.id, worker.iterations);
    this.ctl.step = step;
    this.client?.send({ type: 'rlhf-create', run: r.run.id, settings: worker, policy: { name: settings.policy, bytes: policyBytes }, reward, prompts, resume: { bytes: stored.bytes, step } });
    this.ctl.send('play');
  }

  // ---- worker events the controller does not keep -------------------------------------------------

  private subscribe(): void {
    this.unsubscribe?.();
    this.unsubscribe = this.isConnected && this.client ? this.client.on((e) => this.onEvent(e)) : null;
  }

  private onEvent(e: WorkerEvent): void {
    if (e.type === 'rlhf-samples' && e.run === this.ctl.run) {
      this.samples.set(e.iteration, e.samples);
    } else if (e.type === 'rlhf-inspect' && e.run === this.ctl.run) {
      this.trace = e.trace;
      this.traceRow = 0;
      this.phase = 1;
    } else {
      return;
    }
    this.updateNextFrame();
  }

  /** One update per animation frame (the controller coalesces its own events the same way). */
  private updateNextFrame(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.requestUpdate();
    });
  }

  // ---- storage -----------------------------------------------------------------------------------

  /** Re-reads the store's lists when the stage gains focus or the pointer (at most once a second). */
  private maybeRefresh(): void {
    this.store.maybeRefresh();
  }

  private onSaved(e: SavedAction): void {
    e.stopPropagation();
    this.error = null;
    if (e.action === 'show-run') this.selected = null;
    void this.store.act(e);
  }
}

customElements.define('stage-rlhf', StageRlhf);
