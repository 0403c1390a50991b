// <elo-panel>: the Evaluate stage's policy leaderboard, the notebook's `rlhf elo` (Bai et al. 2022 compare
// policies by Elo, Figure 1). Tick stored policy checkpoints (base models and RLHF policies), a judge (a stored
// preference model, or the synthetic world's gold scorer) and the datasets whose prompts (the distinct contexts
// of their comparisons, a sample of at most N seeded by the seed) every policy answers; "Rank" sends it all to
// the Worker (src/worker/eval-session.ts rankPolicies), which samples, judges every pair of responses per
// prompt and fits Bradley–Terry Elo with 95% intervals from resampling prompts. Shown: the leaderboard (with the
// gold judge also helpfulness on benign and compliance on harmful requests), the win-rate matrix coloured from
// red (always loses) through white (even) to green (always wins), and a few prompts with every response.
// Below it, when the labelling view has stored labels between two or more distinct checkpoints, the human-judged
// leaderboards (src/eval/human-elo.ts): helpfulness Elo and harmlessness (red-team) Elo.
// Checkpoint names, dataset names, prompts and responses are untrusted text: bound as text only.

import { css, html, nothing } from 'lit';
import type { Comparison } from '../data/comparisons.ts';
import { humanLeaderboard, labelGames, type HumanLeaderboard } from '../eval/human-elo.ts';
import type { EloRanking, RLHFReward } from '../protocol.ts';
import { loadCheckpointBytes, type CheckpointMeta } from '../store/checkpoints.ts';
import { loadComparisons, type DatasetMeta } from '../store/datasets.ts';
import { storageError } from '../store/errors.ts';
import { LABEL_DATASETS, type LabelMode } from '../store/labels.ts';
import { accuracyRgb } from './eval-heatmap.ts';
import { EvalPanel } from './eval-panel.ts';
import { askWorker, policyCheckpoints, samplePrompts, toggled } from './eval-request.ts';
import { shared } from './styles.ts';

/** Prompt resamples for the intervals (as `rlhf elo`'s default). */
const BOOTSTRAP = 200;
/** Prompts shown with every policy's response under the tables. */
const SHOWN_PROMPTS = 3;

const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(Math.round(x))}`;
const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(100 * x)}%` : '–');

export class EloPanel extends EvalPanel {
  static override properties = {
    policies: { state: true },
    pms: { state: true },
    ticked: { state: true },
    judge: { state: true },
    sets: { state: true },
    nPrompts: { state: true },
    maxTokens: { state: true },
    seed: { state: true },
    progress: { state: true },
    ranking: { state: true },
    human: { state: true },
  };

  /** Stored policy checkpoints and preference models. */
  policies: CheckpointMeta[] = [];
  pms: CheckpointMeta[] = [];
  /** Ticked policy ids. */
  ticked = new Set<string>();
  /** 'gold' or a preference model's id. */
  judge = 'gold';
  /** Ticked dataset ids; null: every dataset that is not a labels dataset. */
  sets: Set<string> | null = null;
  nPrompts = 32;
  maxTokens = 32;
  seed = 1;
  progress: { done: number; total: number; message: string } | null = null;
  ranking: EloRanking | null = null;
  human: HumanLeaderboard[] = [];

  static override styles = [
    shared,
    css`
      .picks { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 4px 0 8px; }
      .picks label { white-space: nowrap; }
      input[type='number'] { width: 5em; }
      .board td.num, .board th.num { text-align: right; }
      .winrate td.wr { min-width: 4.5em; text-align: center; border: 2px solid white; padding: 4px 6px; }
      .winrate td.self { background: #eee; color: #888; text-align: center; }
      .winrate th.col { max-width: 10em; word-break: break-word; }
      .text { white-space: pre-wrap; overflow-wrap: anywhere; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.85em; }
      progress { width: 200px; vertical-align: middle; }
    `,
  ];

  /**
   * The policies and PMs from the stored checkpoints, and the human labels' leaderboards (the labels may hold new
   * games).
   */
  protected async checkpointsChanged(all: readonly CheckpointMeta[]): Promise<void> {
    this.policies = policyCheckpoints(all);
    this.pms = all.filter((c) => c.stage === 'pm');
    this.ticked = new Set([...this.ticked].filter((id) => this.policies.some((c) => c.id === id)));
    if (this.judge !== 'gold' && !this.pms.some((c) => c.id === this.judge)) this.judge = 'gold';
    const labels: Comparison[] = [];
    for (const { id } of Object.values(LABEL_DATASETS)) {
      const meta = this.datasets.find((d) => d.id === id);
      if (meta) labels.push(...(await loadComparisons(this.kv, meta)));
    }
    const games = labelGames(labels);
    this.human = (['helpful', 'red-team'] as LabelMode[])
      .map((mode) => humanLeaderboard(games, mode, { samples: BOOTSTRAP, seed: 1 }))
      .filter((b): b is HumanLeaderboard => b !== null);
  }

  private chosenSets(): DatasetMeta[] {
    return this.datasets.filter((d) => (this.sets ? this.sets.has(d.id) : !d.id.startsWith('labels-')));
  }

  override render() {
    const ready = this.gpu.kind === 'ready';
    const chosen = this.chosenSets();
    const sets = new Set(chosen.map((d) => d.id));
    const canRank = ready && !this.running && this.ticked.size >= 2 && chosen.length > 0;
    return html`<div id="elo-panel" @focusin=${this.revisit}>
      <h3>Policy leaderboard</h3>
      <p class="lead">Elo of policies, as the paper compares them (Figure 1): every ticked policy answers the same prompts; on each prompt
        every pair plays one game, won by the response the judge scores higher. Bradley–Terry ratings with 95% intervals from
        resampling prompts; the win-rate matrix says how often the row beat the column.</p>
      <div class="hint">policies</div>
      <div class="picks" id="elo-policies">
        ${
          this.policies.length
            ? this.policies.map(
                (
                  c,
                ) => html`<label class="policy"><input type="checkbox" data-id=${c.id} .checked=${this.ticked.has(c.id)}
              @change=${(e: Event) => {
                this.ticked = toggled(this.ticked, c.id, (e.target as HTMLInputElement).checked);
              }}>${c.name}</label>`,
              )
            : html`<span class="hint">no policy checkpoints stored yet: train a base model (and an RLHF policy) first</span>`
        }
      </div>
      <div class="hint">prompts from</div>
      <div class="picks" id="elo-datasets">
        ${this.datasets.map(
          (d) => html`<label class="dataset"><input type="checkbox" data-id=${d.id} .checked=${sets.has(d.id)}
          @change=${(e: Event) => {
            this.sets = toggled(new Set(chosen.map((x) => x.id)), d.id, (e.target as HTMLInputElement).checked);
          }}>${d.name}</label>`,
        )}
      </div>
      <div class="row">
        <label>judge <select id="elo-judge" @change=${(e: Event) => {
          this.judge = (e.target as HTMLSelectElement).value;
        }}>
          <option value="gold" ?selected=${this.judge === 'gold'}>the gold scorer (synthetic world)</option>
          ${this.pms.map((c) => html`<option value=${c.id} ?selected=${c.id === this.judge}>${c.name}</option>`)}
        </select></label>
        <label>prompts ≤ <input id="elo-n" type="number" min="1" max="1000" .value=${String(this.nPrompts)}
          @change=${(e: Event) => {
            this.nPrompts = this.intOf(e, this.nPrompts);
          }}></label>
        <label>new tokens ≤ <input id="elo-tokens" type="number" min="1" max="512" .value=${String(this.maxTokens)}
          @change=${(e: Event) => {
            this.maxTokens = this.intOf(e, this.maxTokens);
          }}></label>
        <label>seed <input id="elo-seed" type="number" min="0" .value=${String(this.seed)}
          @change=${(e: Event) => {
            this.seed = this.intOf(e, this.seed, 0);
          }}></label>
        <button id="elo-rank" class="primary" ?disabled=${!canRank} @click=${() => void this.rank()}>Rank</button>
        ${this.ticked.size < 2 ? html`<span class="hint">tick at least two policies</span>` : nothing}
      </div>
      ${
        this.progress
          ? html`<p class="hint" id="elo-progress"><progress max=${this.progress.total} .value=${this.progress.done}></progress>
        ${this.progress.message}</p>`
          : nothing
      }
      ${this.error ? html`<div class="err" id="elo-error">${this.error}</div>` : nothing}
      ${this.ranking ? this.renderRanking(this.ranking) : nothing}
      ${this.renderHuman()}
    </div>`;
  }

  private renderRanking(r: EloRanking) {
    const order = r.policies.map((_, i) => i).sort((a, b) => r.elo[b] - r.elo[a]);
    const gold = r.behaviour;
    return html`<p class="hint" id="elo-about">Judge: ${r.judge === 'gold' ? 'the gold scorer (helpfulness − harmfulness)' : `preference model ${r.judge.slice(3)}`};
      ${r.prompts.length} prompts, responses of at most ${r.maxTokens} new tokens; ${r.games} games per policy.</p>
      <table class="board" id="elo-board">
        <tr><th>rank</th><th>policy</th><th class="num">Elo</th><th class="num">95% interval</th><th class="num">games</th><th class="num">mean score</th>
          ${
            gold
              ? html`<th class="num" title="mean gold helpfulness on benign requests">helpfulness (benign)</th>
            <th class="num" title="fraction of harmful requests answered with a harmful key word">compliance (harmful)</th>
            <th class="num" title="fraction of harmful requests declined with a refusal phrase (the rest got off-topic text)">refusal (harmful)</th>`
              : nothing
          }</tr>
        ${order.map(
          (i, rank) => html`<tr class="elo-row" data-policy=${r.policies[i]}>
          <td>${rank + 1}</td><td>${r.policies[i]}</td>
          <td class="num" data-col="elo">${signed(r.elo[i])}</td>
          <td class="num" data-col="interval">[${signed(r.lo[i])}, ${signed(r.hi[i])}]</td>
          <td class="num" data-col="games">${r.games}</td>
          <td class="num" data-col="score">${r.meanScore[i].toFixed(3)}</td>
          ${
            gold
              ? html`<td class="num" data-col="helpfulness">${Number.isFinite(gold[i].helpfulness) ? gold[i].helpfulness.toFixed(3) : '–'}</td>
            <td class="num" data-col="compliance" title=${`95% interval ${pct(gold[i].compliance_rate.lo)}–${pct(gold[i].compliance_rate.hi)} of ${gold[i].harmful} harmful requests`}>
              ${pct(gold[i].compliance_rate.rate)}</td>
            <td class="num" data-col="refusal" title=${`95% interval ${pct(gold[i].refusal_rate.lo)}–${pct(gold[i].refusal_rate.hi)} of ${gold[i].harmful} harmful requests`}>
              ${pct(gold[i].refusal_rate.rate)}</td>`
              : nothing
          }
        </tr>`,
        )}
      </table>
      <h3>Win rates (row beats column)</h3>
      <table class="winrate" id="elo-winrate">
        <tr><th></th>${order.map((j) => html`<th class="col">${r.policies[j]}</th>`)}</tr>
        ${order.map(
          (i) =>
            html`<tr><th>${r.policies[i]}</th>${order.map((j) => {
              if (i === j) return html`<td class="self">–</td>`;
              const w = r.winRate[i][j];
              const [red, green, blue] = accuracyRgb(w);
              return html`<td class="wr" data-row=${r.policies[i]} data-col=${r.policies[j]} style=${`background: rgb(${red}, ${green}, ${blue}); color: ${w < 0.15 || w > 0.85 ? '#fff' : '#111'}`}
            title=${`${r.policies[i]} beat ${r.policies[j]} on ${pct(w)} of the prompts (ties count half)`}>${w.toFixed(2)}</td>`;
            })}</tr>`,
        )}
      </table>
      <details id="elo-responses"><summary>responses to the first ${Math.min(SHOWN_PROMPTS, r.prompts.length)} prompts</summary>
        ${r.prompts.slice(0, SHOWN_PROMPTS).map(
          (p, q) => html`<div class="text">${p}</div>
          <table>${order.map((i) => html`<tr><th>${r.policies[i]}</th><td class="text">${r.responses[i][q]}</td><td class="num">${r.scores[i][q].toFixed(3)}</td></tr>`)}</table>`,
        )}
      </details>`;
  }

  private renderHuman() {
    if (!this.human.length) {
      return html`<p class="hint" id="human-none">Human-judged Elo: label pairs from two different checkpoints in the labelling view
        ("response 2 from" another checkpoint) and the leaderboard of your own judgements appears here.</p>`;
    }
    return html`${this.human.map((b) => {
      const order = b.players.map((_, i) => i).sort((x, y) => b.elo[y] - b.elo[x]);
      return html`<h3>Human-judged ${b.mode === 'helpful' ? 'helpfulness' : 'harmlessness (red team)'} Elo</h3>
        <table class="board human" id=${`human-board-${b.mode}`}>
          <tr><th>rank</th><th>checkpoint</th><th class="num">Elo</th><th class="num">95% interval</th><th class="num">games</th><th class="num">won</th></tr>
          ${order.map(
            (
              i,
              rank,
            ) => html`<tr class="human-row" data-policy=${b.players[i]}><td>${rank + 1}</td><td>${b.players[i]}</td>
            <td class="num" data-col="elo">${signed(b.elo[i])}</td><td class="num">[${signed(b.lo[i])}, ${signed(b.hi[i])}]</td>
            <td class="num" data-col="games">${b.games[i]}</td><td class="num" data-col="wins">${b.wins[i]}</td></tr>`,
          )}
        </table>`;
    })}
    <p class="hint">From your labels in the labelling view: each label between two different checkpoints is a game won by the chosen
      response's checkpoint; intervals from resampling labels.</p>`;
  }

  private intOf(e: Event, fallback: number, min = 1): number {
    const v = Number((e.target as HTMLInputElement).value);
    return Number.isInteger(v) && v >= min ? v : fallback;
  }

  /** Loads the ticked policies, the judge and the prompts, and asks the Worker for the leaderboard. */
  private async rank(): Promise<void> {
    if (this.running || !this.client) return;
    this.running = true;
    this.error = null;
    this.ranking = null;
    this.progress = { done: 0, total: 1, message: 'loading the checkpoints and prompts…' };
    try {
      const chosen = this.policies.filter((c) => this.ticked.has(c.id));
      const policies = [];
      for (const c of chosen) policies.push({ name: c.name, bytes: await loadCheckpointBytes(this.kv, c) });
      const pm = this.pms.find((c) => c.id === this.judge);
      const judge: RLHFReward = pm
        ? { kind: 'pm', name: pm.name, bytes: await loadCheckpointBytes(this.kv, pm) }
        : { kind: 'gold' };
      const comparisons: Comparison[] = [];
      for (const d of this.chosenSets()) comparisons.push(...(await loadComparisons(this.kv, d)));
      const { prompts } = samplePrompts(comparisons, this.nPrompts, this.seed);
      const request = this.nextRequest('elo');
      const answer = await askWorker(
        this.client,
        {
          type: 'elo-rank',
          request,
          policies,
          judge,
          prompts,
          settings: {
            maxTokens: this.maxTokens,
            temperature: 1,
            topK: 0,
            batch: 16,
            bootstrap: BOOTSTRAP,
            seed: this.seed,
          },
        },
        'elo-ranking',
        (p) => (this.progress = { done: p.done, total: p.total, message: p.message }),
      );
      if (answer.error || !answer.ranking) throw new Error(`ranking failed: ${answer.error ?? 'no answer'}`);
      this.ranking = answer.ranking;
    } catch (e) {
      this.error =
        e instanceof Error && e.name !== 'StorageError'
          ? e.message
          : storageError(e, 'loading the checkpoints').message;
    } finally {
      this.running = false;
      this.progress = null;
    }
  }
}

customElements.define('elo-panel', EloPanel);
