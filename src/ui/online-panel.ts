// <online-panel>: iterated online RLHF (Bai et al. 2022, §4.5), the notebook's `rlhf online`. Each round the current
// policy answers prompts twice, a labeller picks the better answer: the user (the round waits while the pairs are
// shown here, as the paper's crowdworkers labelled its online data), or a simulated one (the synthetic world's gold
// scorer, or a stored preference model standing in for the crowdworkers); a new PM is trained on every comparison so
// far, PPO continues the policy against it (KL to the initial policy), and an Elo tournament of the initial policy and
// every round's policy says whether the loop helps. The PM and RLHF stages' settings apply; the prompts are the RLHF
// stage's datasets, whose comparisons every round's PM also trains on (the static data the online data adds to, as
// in the paper). The Worker runs it (src/worker/online-session.ts) beside the stages; every round's policy and PM
// are stored as checkpoints as they arrive, and the new comparisons, each with its round and labeller, as the
// dataset `online-<run>` that the PM stage can train on. Responses are untrusted text: bound as text only.

import { css, html, nothing } from 'lit';
import type { Comparison } from '../data/comparisons.ts';
import { loadCheckpointBytes, saveCheckpoint, type CheckpointMeta } from '../store/checkpoints.ts';
import { loadComparisons, saveDataset } from '../store/datasets.ts';
import { storageError } from '../store/errors.ts';
import type { LabelPick, LabelRequestPair, OnlineRoundResult, OnlineSettings, WorkerEvent } from '../protocol.ts';
import { EvalPanel } from './eval-panel.ts';
import { policyCheckpoints } from './eval-request.ts';
import { DatasetsChanged } from './events.ts';
import type { Experiment } from './experiment.ts';
import { shared } from './styles.ts';
import type { WorkerClient } from './worker-client.ts';

/** The loop's settings: the PM and RLHF stages' knobs, the experiment's seed, and the panel's rounds. */
export function onlineSettings(e: Experiment, rounds: number): OnlineSettings {
  return {
    rounds,
    iterations: e.rlhf.iterations,
    labelPrompts: 2 * e.rlhf.batchSize,
    eloPrompts: 4 * e.rlhf.batchSize,
    pmSteps: e.pm.steps,
    pmPairsPerBatch: e.pm.pairsPerBatch,
    pmLr: e.pm.lr,
    batchSize: e.rlhf.batchSize,
    minibatches: e.rlhf.minibatches,
    epochs: e.rlhf.epochs,
    maxTokens: e.rlhf.maxTokens,
    klCoef: e.rlhf.klCoef,
    lr: e.rlhf.lr,
    seed: e.seed,
  };
}

export class OnlinePanel extends EvalPanel {
  static override properties = {
    policies: { state: true },
    pms: { state: true },
    policyId: { state: true },
    labeller: { state: true },
    rounds: { state: true },
    progress: { state: true },
    results: { state: true },
    asking: { state: true },
  };

  policies: CheckpointMeta[] = [];
  pms: CheckpointMeta[] = [];
  policyId = '';
  /** 'gold', 'user' or a stored PM's checkpoint id. */
  labeller = 'gold';
  rounds = 2;
  progress: { done: number; total: number; message: string } | null = null;
  results: OnlineRoundResult[] = [];
  /** A round waiting for the user's labels: its pairs and the picks so far (null: not yet). */
  asking: { request: string; round: number; pairs: LabelRequestPair[]; picks: (LabelPick | null)[] } | null = null;

  static override styles = [
    shared,
    css`
      .pick { display: flex; gap: 14px; flex-wrap: wrap; align-items: baseline; margin: 6px 0; }
      input[type='number'] { width: 4em; }
      td.num, th.num { text-align: right; }
      progress { width: 260px; }
      #online-labelling { border: 1px solid #c9d7ee; background: #f6f9ff; border-radius: 8px; padding: 10px 14px; margin: 10px 0; }
      #online-labelling ol { padding-left: 1.4em; }
      .online-pair { margin-bottom: 12px; }
      .text { white-space: pre-wrap; overflow-wrap: anywhere; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.85em; }
      .answers { display: grid; grid-template-columns: 1fr 1fr auto; gap: 8px; align-items: stretch; }
      .answers button { text-align: left; }
      .answers button.picked { outline: 2px solid #2a62c9; background: #e3ecfb; }
    `,
  ];

  override render() {
    const prompts = this.experiment?.rlhf.datasets.join(', ') ?? '';
    return html`<h3 id="online-title">Iterated online RLHF</h3>
      <p class="hint">The paper kept improving its assistant in rounds (§4.5): the current policy talks to crowdworkers, their
        comparisons train a new preference model on all data so far, and PPO trains the next policy against it. Here a simulated
        labeller can stand in for them, or you label each round yourself. Each round: the policy answers ${this.experiment ? 2 * this.experiment.rlhf.batchSize : '…'} prompts
        twice, the labeller picks the better answer (ties and pairs without a preference are dropped), a PM is trained on every comparison so far, PPO continues
        the policy against it (the KL penalty stays to the initial policy), and an Elo tournament of every policy so far shows
        whether the loop helps. Prompts: the RLHF stage's datasets (${prompts}); PM and PPO settings: those stages'.</p>
      <div class="pick" @focusin=${this.revisit} @pointerenter=${this.revisit}>
        <label>initial policy <select id="online-policy" ?disabled=${this.running} @change=${(e: Event) => (this.policyId = (e.target as HTMLSelectElement).value)}>
          ${this.policies.length ? this.policies.map((c) => html`<option value=${c.id} ?selected=${c.id === this.policy()?.id}>${c.name}</option>`) : html`<option value="">none stored yet</option>`}
        </select></label>
        <label>labeller <select id="online-labeller" ?disabled=${this.running} @change=${(e: Event) => (this.labeller = (e.target as HTMLSelectElement).value)}>
          <option value="gold" ?selected=${this.labeller === 'gold'}>the gold scorer</option>
          <option value="user" ?selected=${this.labeller === 'user'}>you (label each round's pairs here)</option>
          ${this.pms.map((c) => html`<option value=${c.id} ?selected=${c.id === this.labeller}>${c.name}</option>`)}
        </select></label>
        <label>rounds <input id="online-rounds" type="number" min="1" max="20" .value=${String(this.rounds)} ?disabled=${this.running}
          @change=${(e: Event) => (this.rounds = Math.max(1, Math.min(20, Math.round(Number((e.target as HTMLInputElement).value)) || 1)))} /></label>
        <button id="online-run" class="primary" ?disabled=${this.gpu.kind !== 'ready' || this.running} @click=${this.run}>Run the online loop</button>
      </div>
      ${
        this.progress && this.running
          ? html`<p class="hint" id="online-progress"><progress max=${this.progress.total} value=${this.progress.done}></progress> ${this.progress.message}</p>`
          : nothing
      }
      ${this.asking ? this.renderLabelling(this.asking) : nothing}
      ${this.error ? html`<div class="err" id="online-error">${this.error}</div>` : nothing}
      ${this.results.length ? this.renderRounds() : nothing}`;
  }

  private renderLabelling(a: NonNullable<OnlinePanel['asking']>) {
    const left = a.picks.filter((p) => p === null).length;
    const pick = (i: number, p: LabelPick) => (this.asking = { ...a, picks: a.picks.map((x, j) => (j === i ? p : x)) });
    return html`<div id="online-labelling" data-round=${a.round}>
      <h4>Round ${a.round}: which answer is better?</h4>
      <p class="hint">The loop waits for you. For each prompt pick the better answer: the more helpful one to an ordinary request,
        the less harmful one to a harmful request (the synthetic world's gold scorer rewards helpfulness minus harmfulness). "No
        preference" drops the pair. Each label is stored with its round and "you" as the labeller.</p>
      <ol>${a.pairs.map(
        (p, i) => html`<li class="online-pair" data-pair=${i}>
        <div class="text prompt">${p.prompt}</div>
        <div class="answers">
          ${([1, 2] as const).map(
            (
              k,
            ) => html`<button class="answer ${a.picks[i] === k ? 'picked' : ''}" data-pick=${k} @click=${() => pick(i, k)}>
            <b>${k}</b> <span class="text">${p.responses[k - 1]}</span></button>`,
          )}
          <button class="none ${a.picks[i] === 0 ? 'picked' : ''}" data-pick="0" @click=${() => pick(i, 0)}>no preference</button>
        </div></li>`,
      )}</ol>
      <button id="online-submit-labels" class="primary" ?disabled=${left > 0} @click=${() => this.answer(a)}>
        ${left ? `${left} of ${a.pairs.length} pairs left to label` : `Submit ${a.pairs.length} labels and go on`}</button>
      <button id="online-stop" @click=${() => this.answer(a, true)}>Stop the loop</button>
    </div>`;
  }

  /** Sends the round's labels to the Worker (or stops the run: the rounds already finished stay stored). */
  private answer(a: NonNullable<OnlinePanel['asking']>, stop = false): void {
    if (!this.client) return;
    if (stop) this.client.send({ type: 'online-labels', request: a.request, round: a.round, stop: true });
    else if (a.picks.every((p) => p !== null))
      this.client.send({ type: 'online-labels', request: a.request, round: a.round, picks: a.picks as LabelPick[] });
    else return;
    this.asking = null;
  }

  private renderRounds() {
    const last = this.results.at(-1)!.report.elo;
    return html`<table id="online-rounds-table">
        <tr><th>round</th><th class="num">comparisons added</th><th class="num" title="pairs the labeller scored equal, or left without a preference">ties dropped</th><th class="num">PM held-out accuracy</th>
          <th class="num">objective/scores</th><th class="num">objective/kl</th><th class="num">this round's policy: Elo (95%)</th></tr>
        ${this.results.map((r) => {
          const e = r.report.elo;
          const i = e.policies.length - 1;
          return html`<tr class="round" data-round=${r.round}><td>${r.round}</td><td class="num">${r.report.comparisons_added}</td>
            <td class="num">${r.report.labelling.ties}</td><td class="num">${r.report.pm.eval ? r.report.pm.eval.accuracy.toFixed(3) : '–'}</td>
            <td class="num">${r.report.ppo.last['objective/scores'].toFixed(3)}</td><td class="num">${r.report.ppo.last['objective/kl'].toFixed(3)}</td>
            <td class="num">${e.elo[i].toFixed(0)} [${e.lo[i].toFixed(0)}, ${e.hi[i].toFixed(0)}]</td></tr>`;
        })}
      </table>
      <h4>Leaderboard after round ${this.results.at(-1)!.round} (judge: ${last.judge === 'gold' ? 'the gold scorer' : "the round's PM"})</h4>
      <table id="online-leaderboard">
        <tr><th>policy</th><th class="num">Elo</th><th class="num">95% interval</th><th class="num">mean score</th></tr>
        ${last.policies.map(
          (p, i) => html`<tr class="policy"><td>${p}</td><td class="num">${last.elo[i].toFixed(0)}</td>
          <td class="num">[${last.lo[i].toFixed(0)}, ${last.hi[i].toFixed(0)}]</td><td class="num">${last.meanScore[i].toFixed(3)}</td></tr>`,
        )}
      </table>`;
  }

  private policy(): CheckpointMeta | undefined {
    // default: the newest base model (policyCheckpoints orders by stage, then oldest first)
    return (
      this.policies.find((c) => c.id === this.policyId) ??
      this.policies.filter((c) => c.stage === 'base').at(-1) ??
      this.policies[0]
    );
  }

  protected checkpointsChanged(all: readonly CheckpointMeta[]): void {
    this.policies = policyCheckpoints(all);
    this.pms = all.filter((c) => c.stage === 'pm');
  }

  private async run(): Promise<void> {
    if (!this.client || this.gpu.kind !== 'ready' || this.running) return;
    this.error = null;
    this.results = [];
    await this.refresh();
    const policy = this.policy();
    if (!policy) return void (this.error = 'No policy stored: train the Base model (stage 2) first.');
    const simulated = this.labeller !== 'gold' && this.labeller !== 'user';
    const pm = simulated ? this.pms.find((c) => c.id === this.labeller) : undefined;
    if (simulated && !pm)
      return void (this.error = 'The labelling preference model is no longer stored: choose another labeller.');
    const chosen = this.datasets.filter((d) => this.experiment.rlhf.datasets.includes(d.id));
    if (!chosen.length)
      return void (this.error =
        'Choose prompt datasets in the RLHF stage (generate the synthetic world in Data with one click).');
    const request = this.nextRequest('online');
    let command: Extract<Parameters<WorkerClient['send']>[0], { type: 'online-run' }>;
    try {
      const comparisons: Comparison[] = [];
      for (const d of chosen) comparisons.push(...(await loadComparisons(this.kv, d)));
      command = {
        type: 'online-run',
        request,
        policy: { name: policy.name, bytes: await loadCheckpointBytes(this.kv, policy) },
        labeller: pm
          ? { kind: 'pm', name: pm.name, bytes: await loadCheckpointBytes(this.kv, pm) }
          : this.labeller === 'user'
            ? { kind: 'user' }
            : { kind: 'gold' },
        comparisons,
        settings: onlineSettings(this.experiment, this.rounds),
      };
    } catch (e) {
      this.error = storageError(e, 'reading the policy, the labeller and the prompts').message;
      return;
    }
    this.running = true;
    this.progress = { done: 0, total: 1, message: 'sending the data' };
    const stored: Comparison[] = [];
    let storing: Promise<void> = Promise.resolve();
    const done = await new Promise<Extract<WorkerEvent, { type: 'online-done' }>>((resolve) => {
      const stop = this.client!.on((e) => {
        if (!('request' in e) || e.request !== request) return;
        if (e.type === 'online-progress') this.progress = { done: e.done, total: e.total, message: e.message };
        else if (e.type === 'online-label-request')
          this.asking = { request, round: e.round, pairs: e.pairs, picks: e.pairs.map(() => null) };
        else if (e.type === 'online-round') {
          this.results = [...this.results, e.result];
          stored.push(...e.result.comparisons);
          const all = [...stored];
          storing = storing.then(() => this.store(request, e.result, all));
        } else if (e.type === 'online-done') {
          stop();
          this.asking = null;
          resolve(e);
        }
      });
      this.client!.send(command);
    });
    await storing;
    this.running = false;
    if (done.error) this.error = `The online loop stopped: ${done.error}`;
  }

  /** A round's policy and PM as checkpoints, and every comparison so far as the run's dataset. */
  private async store(run: string, r: OnlineRoundResult, comparisons: Comparison[]): Promise<void> {
    try {
      const preset = r.policy.metadata.preset ?? 'custom';
      await saveCheckpoint(
        this.kv,
        {
          id: `${run}-round${r.round}-policy`,
          name: `rlhf ${preset} · online round ${r.round}`,
          stage: 'rlhf',
          run,
          step: r.round,
          preset,
          metadata: r.policy.metadata,
        },
        r.policy.bytes,
      );
      await saveCheckpoint(
        this.kv,
        {
          id: `${run}-round${r.round}-pm`,
          name: `pm ${r.pm.metadata.preset ?? preset} · online round ${r.round}`,
          stage: 'pm',
          run,
          step: r.round,
          preset,
          metadata: r.pm.metadata,
        },
        r.pm.bytes,
      );
      if (comparisons.length) {
        await saveDataset(this.kv, {
          id: run,
          name: `${run} (online comparisons)`,
          subset: 'online',
          identical: 0,
          sources: [`online loop: ${r.round} round(s) so far`],
          comparisons,
        });
        this.dispatchEvent(new DatasetsChanged());
      }
    } catch (e) {
      this.error = `${storageError(e, `storing round ${r.round}`).message} The rounds on show stay until the page is closed.`;
    }
  }
}

customElements.define('online-panel', OnlinePanel);
