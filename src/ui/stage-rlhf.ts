// <stage-rlhf>: the RLHF stage (Bai et al. 2022 §4). PPO of a policy — a stored base-model checkpoint, which is
// also the frozen reference π0 — against a reward: the chosen preference model's score (the paper), or the
// synthetic world's gold scorer (a perfect preference model, for comparison), with the per-token penalty
// −λ_KL·KL(π ‖ π0). The Worker runs src/train/ppo.ts (worker/ppo-session.ts); one step is one PPO iteration.
//
// What it shows: every knob (in the URL), play / pause / step / reset / save (Space and "s" while the stage has
// focus, "i" for an inspected step); the reward-vs-√KL chart with its fitted line (click a point, or pick an
// iteration, to read that iteration's samples: <rlhf-samples>); a step-through of one inspected iteration, phase by
// phase, as a per-token table (<ppo-trace-view>); live metric charts under TRL's names; stored runs and policy
// checkpoints (IndexedDB, stage 'rlhf'), listed after a reload. Prompts, responses and tokens are untrusted text:
// Lit text bindings only. What every training stage does alike is src/ui/training-stage.ts's.
//
// The checkpoint pickers read the store when the stage is connected, gains focus or the pointer, and before a
// run starts, so checkpoints the other stages stored since are offered. The policy is also stored every
// `rlhf.saveInterval` iterations; after a reload an unfinished run resumes from it with π0 still its initial policy
// (src/worker/ppo-session.ts says how, and what differs from an uninterrupted run).

import { css, html, nothing } from 'lit';
import { ppoPrompts } from '../data/prompts.ts';
import { diagnoseSteps } from '../eval/run-doctor.ts';
import { PRESETS, type PresetName } from '../models/config.ts';
import type { RLHFReward, RLHFRunSettings, RLHFSample, RLHFTrace, WorkerEvent } from '../protocol.ts';
import { loadCheckpointBytes, type CheckpointMeta } from '../store/checkpoints.ts';
import { loadComparisons } from '../store/datasets.ts';
import { lastValues, type HistoryPoint, type RunRecord } from '../store/runs.ts';
import { formatCount, formatMetric } from '../util/format.ts';
import type { Experiment, RLHFConfig } from './experiment.ts';
import type { IterationPick } from './kl-reward-chart.ts';
import './kl-reward-chart.ts';
import './metric-chart.ts';
import './ppo-trace-view.ts';
import './rlhf-samples.ts';
import { StageStore } from './stage-store.ts';
import { shared } from './styles.ts';
import { TrainerController } from './trainer-controller.ts';
import { TrainingStage, type RunRestart, type RunStart } from './training-stage.ts';

const KNOBS = [
  'reward',
  'iterations',
  'batchSize',
  'minibatches',
  'epochs',
  'maxTokens',
  'klCoef',
  'klTarget',
  'lr',
  'saveInterval',
] as const satisfies readonly (keyof RLHFConfig)[];

const METRICS = [
  'objective/scores',
  'gold/scores',
  'objective/kl',
  'objective/sqrt_kl',
  'objective/entropy',
  'objective/rlhf_reward',
  'objective/kl_coef',
  'policy/clipfrac',
  'policy/approxkl',
  'loss/policy',
  'loss/value',
  'val/var_explained',
  'response/length',
  'response/ended_rate',
  'time/rollout',
  'time/score',
  'time/logprobs',
  'time/update',
] as const;

/** The live metric charts: [id, y label, metrics]. */
const CHARTS: [string, string, string[]][] = [
  ['chart-scores', 'score', ['objective/scores', 'gold/scores']],
  ['chart-kl', 'KL(π ‖ π0), nats per response', ['objective/kl']],
  ['chart-entropy', 'entropy, nats per response', ['objective/entropy']],
  ['chart-clipfrac', 'clip fraction', ['policy/clipfrac', 'val/clipfrac']],
  ['chart-value-loss', 'value loss', ['loss/value']],
];

/** The Worker's settings for the experiment's RLHF knobs: the section itself, less its datasets. */
export function rlhfSettings(e: Experiment): RLHFRunSettings {
  const { datasets: _, ...settings } = e.rlhf;
  return { ...settings, seed: e.seed };
}

/** The context of the model a checkpoint holds (from its preset), when known. */
function contextOf(c: CheckpointMeta | undefined): number | undefined {
  return c ? PRESETS[c.preset as PresetName]?.maxSeqLen : undefined;
}

const newestFirst = (list: CheckpointMeta[]) => [...list].sort((a, b) => b.created - a.created);

type SamplesByIteration = Map<number, RLHFSample[]>;

/** A stored run's samples by iteration. */
const samplesOf = (record: RunRecord | undefined): SamplesByIteration =>
  new Map((record?.samples ?? []).map((x) => [x.iteration, x.samples]));

/**
 * A stored RLHF run's settings: the Worker's, and the checkpoints a resume needs (the policy, which is π0, and the PM).
 */
type StoredRLHFSettings = RLHFRunSettings & { policy: string; policyId: string; pmId?: string; rewardName: string };

/** The Worker's part of stored RLHF settings. */
function rlhfRunSettings(s: StoredRLHFSettings): RLHFRunSettings {
  const { policy: _, policyId: __, pmId: ___, rewardName: ____, ...settings } = s;
  return settings;
}

export class StageRlhf extends TrainingStage<'rlhf'> {
  static override properties = {
    ...TrainingStage.properties,
    policyId: { state: true },
    pmId: { state: true },
    selected: { state: true },
    yKey: { state: true },
    trace: { state: true },
  };

  /** The chosen policy and preference-model checkpoints ('' = the newest). */
  policyId = '';
  pmId = '';
  /** The iteration whose samples are shown; null: follow the newest. */
  selected: number | null = null;
  /** The chart's y: the reward's score, or the gold score. */
  yKey: 'objective/scores' | 'gold/scores' = 'objective/scores';
  trace: RLHFTrace | null = null;

  protected readonly section = 'rlhf';
  protected readonly knobs = KNOBS;
  protected override readonly keys = { i: 'inspect' };
  protected override readonly reading = 'reading the models and prompts';
  protected readonly ctl = new TrainerController(this, 'rlhf');
  private samples: SamplesByIteration = new Map();
  protected readonly store = new StageStore(this, {
    stage: 'rlhf',
    kv: () => this.kv,
    checkpoint: (e, live) => {
      const s = live.settings as unknown as StoredRLHFSettings;
      const preset = e.metadata.preset ?? 'custom';
      return { id: `${e.run}-iter${e.step}`, name: `rlhf ${preset} · ${s.rewardName} · iteration ${e.step}`, preset };
    },
    record: () => ({
      info: this.ctl.info,
      adapter: this.gpu.kind === 'ready' ? this.gpu.adapter : '',
      history: this.ctl.history,
      samples: [...this.samples].map(([iteration, samples]) => ({ iteration, samples })),
    }),
    onError: (message) => (this.error = message),
  });

  static override styles = [
    shared,
    css`
      fieldset { border: 1px solid #e4e4e4; border-radius: 6px; margin: 8px 0; padding: 8px 12px; }
      legend { color: #555; font-size: 0.9em; }
      .pickers label { display: grid; grid-template-columns: 11em 1fr; gap: 10px; align-items: baseline; padding: 3px 0; }
      .pickers select { max-width: 28em; }
      .cols { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 16px; margin-top: 12px; }
      .metrics td:first-child { color: #555; }
      .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
      .inline { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 6px 0; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.ctl.onRunEvent = (e) => this.onRunEvent(e);
  }

  /** The run's samples and inspected traces (the controller keeps the rest). */
  private onRunEvent(e: WorkerEvent): boolean {
    if (e.type === 'rlhf-samples') this.samples.set(e.iteration, e.samples);
    else if (e.type === 'rlhf-inspect') this.trace = e.trace;
    else return false;
    return true;
  }

  protected override forgetRun(): void {
    this.samples = new Map();
    this.trace = null;
    this.selected = null;
    this.yKey = 'objective/scores';
  }

  /** The stored iterations' samples stay readable from the chart. */
  protected override resumed(record: RunRecord, step: number): void {
    this.samples = new Map([...samplesOf(record)].filter(([iteration]) => iteration <= step));
  }

  /** One iteration with its per-token trace (starting the run first when none is live). */
  protected override async extraAction(action: string): Promise<void> {
    if (action !== 'inspect') return;
    if ((await this.ctl.readyToStep(() => this.createRun())) && this.ctl.run) {
      this.client?.send({ type: 'rlhf-inspect', run: this.ctl.run });
    }
  }

  // ---- rendering ---------------------------------------------------------------------------------

  override render() {
    const live = this.ctl.run !== null;
    const ready = this.gpu.kind === 'ready';
    const shown = this.store.shown;
    const history = this.history();
    const last = lastValues(history);
    const s = this.ctl.status;
    const busy = s === 'playing' || s === 'preparing';
    const info = live ? this.ctl.info : (shown?.record.info ?? {});
    const goldAxis = 'gold/scores' in last && this.scoreName() !== 'gold score';
    return html`<section class="stage" id="stage-rlhf" tabindex="0" aria-labelledby="rlhf-title" @keydown=${this.onKey}
      @focusin=${this.maybeRefresh} @pointerenter=${this.maybeRefresh} @trainer-action=${this.onAction}
      @knob-change=${this.onKnob} @saved-action=${this.onSaved} @iteration-pick=${this.onPick}
      @resume-run=${this.onResume}>
      <h2 id="rlhf-title"><span class="n">4</span>RLHF</h2>
      <p class="lead">PPO trains the policy to raise its reward, r = score − λ·KL(π ‖ π0) summed over its tokens: the
        preference model's score of each response, minus a penalty for drifting from the initial policy π0 (Bai et al.
        2022, §4). The paper finds the score grows roughly linearly in √KL: the chart below plots one point per
        iteration and fits that line. Keys: <kbd>Space</kbd> play / pause, <kbd>s</kbd> one iteration, <kbd>i</kbd>
        one inspected iteration, while this stage has focus.</p>
      ${this.renderGpuNote('RLHF needs WebGPU')}
      <resume-offer .runs=${this.store.offers} unit="iteration" ?disabled=${live || !ready}></resume-offer>
      ${this.renderPickers(live)}
      ${this.renderDatasets(live)}
      ${this.renderSettings(live)}
      <div class="inline">
        <trainer-controls .pace=${this.ctl.pace()} .status=${s} .step=${this.ctl.step}
          .steps=${this.ctl.steps || this.experiment.rlhf.iterations} ?disabled=${!ready}></trainer-controls>
        <button id="inspect" ?disabled=${!ready || busy || s === 'done'} @click=${() => this.act('inspect')}
          aria-keyshortcuts="i" title="Run one iteration and keep every rollout's per-token trace (i)">Step
          (inspect)</button>
      </div>
      ${this.renderRunNotes('sending the models', 'a minute or more')}
      <div class="cols">
        <div>
          <h3>Score against √KL</h3>
          ${
            goldAxis
              ? html`<label class="hint">y axis <select id="y-key" @change=${(e: Event) =>
                  (this.yKey = (e.target as HTMLSelectElement).value as typeof this.yKey)}>
                <option value="objective/scores" ?selected=${this.yKey === 'objective/scores'}>the reward's score</option>
                <option value="gold/scores" ?selected=${this.yKey === 'gold/scores'}>gold score (the truth)</option>
              </select></label>`
              : nothing
          }
          <kl-reward-chart id="kl-chart" .points=${history} .revision=${live ? this.ctl.revision : 0}
            .selected=${this.shownIteration()} yKey=${this.yKey}
            yLabel=${this.yKey === 'gold/scores' ? 'gold score' : this.scoreName()}></kl-reward-chart>
          ${!live && shown ? html`<p class="hint">Showing stored run ${shown.meta.name}.</p>` : nothing}
          <rlhf-samples .samples=${this.shownSamples()} .iteration=${this.shownIteration()}></rlhf-samples>
        </div>
        <table class="metrics" id="rlhf-metrics" data-step=${this.ctl.step}>
          <tr><td>iteration</td><td id="rlhf-iteration">${live ? this.ctl.step : (shown?.meta.step ?? '–')}</td></tr>
          ${METRICS.filter((m) => m !== 'gold/scores' || m in last).map(
            (m) => html`<tr><td>${m}</td>
            <td data-metric=${m}>${formatMetric(m, last[m])}</td></tr>`,
          )}
          ${Object.entries(info).map(
            ([k, v]) => html`<tr><td>${k}</td>
            <td>${typeof v === 'number' ? formatCount(v) : v}</td></tr>`,
          )}
        </table>
      </div>
      ${this.renderDoctor(history)}
      <ppo-trace-view .trace=${this.trace} .history=${history}></ppo-trace-view>
      <h3>Metrics per iteration</h3>
      <div class="charts">
        ${CHARTS.map(
          ([id, label, metrics]) => html`<metric-chart id=${id} label=${label} .metrics=${metrics}
          .points=${history} .revision=${live ? this.ctl.revision : 0} .height=${180}></metric-chart>`,
        )}
      </div>
      <saved-list .checkpoints=${this.store.checkpoints} .runs=${this.store.runs} shown=${shown?.meta.id ?? ''}
        .columns=${[['objective/scores', 'score'], ['objective/kl', 'KL']]}></saved-list>
    </section>`;
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
        ${
          policies.length
            ? html`<select id="policy" @change=${(e: Event) => (this.policyId = (e.target as HTMLSelectElement).value)}>
              ${policies.map((c) => html`<option value=${c.id} ?selected=${c.id === policy?.id}>${c.name}</option>`)}
            </select>`
            : html`<span class="hint" id="no-policy">No base-model checkpoint yet: train the base model (stage 2); it stores one when it ends or on Save checkpoint.</span>`
        }
      </label>
      <p class="hint">PPO starts from this checkpoint, and a frozen copy of it is π0, the reference of the KL penalty (an RLHF checkpoint continues a run, with its value head).</p>
      <label><span>preference model</span>
        ${
          pms.length
            ? html`<select id="pm" ?disabled=${gold} @change=${(e: Event) => (this.pmId = (e.target as HTMLSelectElement).value)}>
              ${pms.map((c) => html`<option value=${c.id} ?selected=${c.id === pm?.id}>${c.name}</option>`)}
            </select>`
            : html`<span class="hint" id="no-pm">No preference model yet: train one in stage 3${gold ? '' : ', or set the reward to gold'}.</span>`
        }
      </label>
      ${gold ? html`<p class="hint" id="gold-note">Reward: the synthetic world's gold scorer (helpfulness − harmfulness, in [−1, 1]); prompts from outside the synthetic world score 0.</p>` : nothing}
      ${
        context !== undefined && this.experiment.rlhf.maxTokens >= context
          ? html`<div class="warn" id="tokens-warning">The policy reads at most ${context} tokens: max new tokens must be below that (and leave room for the prompt).</div>`
          : nothing
      }
    </fieldset>`;
  }

  /** The run doctor's warnings for the run on show (src/eval/run-doctor.ts): what went wrong, where, what to try. */
  private renderDoctor(history: readonly HistoryPoint[]) {
    const warnings = diagnoseSteps(history);
    if (!warnings.length) return nothing;
    return html`<div class="warn" id="rlhf-doctor">
      <strong>Run doctor</strong>: ${warnings.length} warning${warnings.length > 1 ? 's' : ''} from this run's metrics (rules of thumb from
        TRL's and OpenRLHF's issue trackers; the flags named are the <code>rlhf ppo</code> command's).
      <ul>${warnings.map(
        (
          w,
        ) => html`<li class="doctor" data-code=${w.code}><strong>${w.code}</strong> (iteration${w.iterations.length > 1 ? 's' : ''}
        ${w.iterations.join(', ')}): ${w.message}</li>`,
      )}</ul>
    </div>`;
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
    const live = this.ctl.run !== null;
    const settings = (live ? this.store.live?.settings : this.store.shown?.record.settings) as
      | Partial<RLHFRunSettings>
      | undefined;
    const reward = settings?.reward ?? this.experiment.rlhf.reward;
    return reward === 'gold' ? 'gold score' : 'PM score';
  }

  /** The samples of the live run, or of the stored run on show. */
  private shownSamples(): SamplesByIteration {
    return this.ctl.run !== null ? this.samples : samplesOf(this.store.shown?.record);
  }

  /** The iteration whose samples are shown: the picked one, else the newest. */
  private shownIteration(): number | null {
    const byIteration = this.shownSamples();
    if (this.selected !== null && byIteration.has(this.selected)) return this.selected;
    const all = [...byIteration.keys()];
    return all.length ? Math.max(...all) : null;
  }

  private onPick(e: IterationPick): void {
    e.stopPropagation();
    this.selected = e.iteration;
  }

  protected override onSaved(e: Parameters<TrainingStage['onSaved']>[0]): void {
    if (e.action === 'show-run') this.selected = null;
    super.onSaved(e);
  }

  // ---- starting a run ----------------------------------------------------------------------------

  /** The prompts of the stored datasets `ids`, the policy's bytes and the reward. */
  private async inputs(ids: readonly string[], policy: CheckpointMeta, pm: CheckpointMeta | undefined) {
    const comparisons = [];
    for (const d of this.chosen(ids)) comparisons.push(...(await loadComparisons(this.kv, d)));
    const reward: RLHFReward = pm
      ? { kind: 'pm', name: pm.name, bytes: await loadCheckpointBytes(this.kv, pm) }
      : { kind: 'gold' };
    return { prompts: ppoPrompts(comparisons), policyBytes: await loadCheckpointBytes(this.kv, policy), reward };
  }

  /** Checks the models and knobs, and loads the policy, the reward's PM and the prompts. */
  protected async prepare(): Promise<RunStart | string> {
    await this.store.refresh();
    const r = this.experiment.rlhf;
    const policy = this.policy();
    const pm = r.reward === 'pm' ? this.pm() : undefined;
    if (!policy) {
      return (
        'No policy to start from: train the base model (stage 2) first; it stores a checkpoint when it ends or on ' +
        'Save checkpoint.'
      );
    }
    if (r.reward === 'pm' && !pm) {
      return (
        'The reward is a preference model, and none is stored: train one in stage 3, or set the reward to gold ' +
        "(the synthetic world's scorer)."
      );
    }
    const context = contextOf(policy);
    if (context !== undefined && r.maxTokens >= context) {
      return `${policy.name} reads at most ${context} tokens: lower max new tokens below ${context}.`;
    }
    const ids = this.datasets.filter((d) => r.datasets.includes(d.id)).map((d) => d.id);
    if (!ids.length) {
      return 'Choose at least one stored dataset for the prompts (generate the synthetic world in Data with one click).';
    }
    const { prompts, policyBytes, reward } = await this.inputs(ids, policy, pm);
    const settings = rlhfSettings(this.experiment);
    const rewardName = pm ? `PM ${pm.name}` : 'gold';
    const stored: StoredRLHFSettings = {
      ...settings,
      policy: policy.name,
      policyId: policy.id,
      ...(pm ? { pmId: pm.id } : {}),
      rewardName,
    };
    return {
      live: {
        name: `rlhf ${policy.preset} · ${rewardName} · ${ids.join(' + ')}`,
        steps: settings.iterations,
        settings: { ...stored },
        datasets: ids,
      },
      command: (run) => ({
        type: 'rlhf-create',
        run,
        settings,
        policy: { name: policy.name, bytes: policyBytes },
        reward,
        prompts,
      }),
    };
  }

  /** The same π0, reward and prompts as the stored run. */
  protected async prepareResume(record: RunRecord): Promise<RunRestart | string> {
    const stored = record.settings as unknown as StoredRLHFSettings;
    const find = (id: string | undefined) => this.store.allCheckpoints.find((c) => c.id === id);
    const policy = find(stored.policyId);
    if (!policy) return `its initial policy (π0, ${stored.policy}) is no longer stored.`;
    const pm = stored.reward === 'pm' ? find(stored.pmId) : undefined;
    if (stored.reward === 'pm' && !pm) return `its preference model (${stored.rewardName}) is no longer stored.`;
    const { prompts, policyBytes, reward } = await this.inputs(record.datasets, policy, pm);
    const settings = rlhfRunSettings(stored);
    return {
      settings: { ...settings },
      steps: settings.iterations,
      command: (run, resume) => ({
        type: 'rlhf-create',
        run,
        settings,
        policy: { name: stored.policy, bytes: policyBytes },
        reward,
        prompts,
        resume,
      }),
    };
  }
}

customElements.define('stage-rlhf', StageRlhf);
