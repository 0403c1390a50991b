// The notebook's RLHF stage end to end in headless Chromium (SwiftShader WebGPU), served from localhost:
// generate the synthetic world, train the nano base model two steps (it stores a checkpoint), pick it as the
// policy and the synthetic world's gold scorer as the reward (no preference model needed), then
//   - one PPO iteration (Step): a point on the reward-vs-√KL chart, TRL-named metrics (KL exactly 0: π = π0);
//   - one inspected iteration (Step (inspect)): the per-token table, phase by phase, with numbers in every
//     column of the last phase and the score at the last token;
//   - a click on the chart's first point shows iteration 1's samples; the iteration picker (its keyboard
//     equivalent) shows iteration 2's;
//   - Save checkpoint, then the "s" key for the last iteration (the run ends and stores its checkpoint);
//   - Reset, then a one-step preference model (the PM stage) as the reward: the scores are the PM's, not the
//     gold scorer's;
//   - after a reload the RLHF run and checkpoints are listed, the stored run's chart and samples come back.
//   - in the Evaluate stage, the policy leaderboard ranks the base model and the RLHF policy by the gold judge
//     (two rows with Elo numbers, a 2×2 win-rate matrix) and the alignment tax gives both losses.
// Screenshots of the stage go to test-results/screenshots/. Tokens and transcripts must stay text.

import { join } from 'node:path';
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Notebook, SHOTS, norm } from '../helpers/notebook.ts';

const RLHF = 'rlhf-app >>> stage-rlhf >>>';

let nb: Notebook;
let page: Page;

/** The number in the RLHF stage's metrics table for `metric`. */
async function metric(name: string): Promise<number> {
  const el = await page.waitForSelector(`${RLHF} [data-metric="${name}"]`, { timeout: 10_000 });
  return Number(norm(await el!.evaluate((e) => e.textContent)));
}

/** The kl-reward-chart's drawn point count (data-points), read in the page. */
async function chartPoints(): Promise<string | null> {
  return page.evaluate(
    () =>
      document
        .querySelector('rlhf-app')
        ?.shadowRoot?.querySelector('stage-rlhf')
        ?.shadowRoot?.querySelector('kl-reward-chart')
        ?.getAttribute('data-points') ?? null,
  );
}

async function waitForChartPoints(n: number): Promise<void> {
  await page.waitForFunction(
    (want) => {
      const chart = document
        .querySelector('rlhf-app')
        ?.shadowRoot?.querySelector('stage-rlhf')
        ?.shadowRoot?.querySelector('kl-reward-chart');
      return chart?.getAttribute('data-points') === want && chart.shadowRoot?.querySelector('canvas');
    },
    { timeout: 60_000 },
    String(n),
  );
}

beforeAll(async () => {
  nb = await Notebook.open(
    'rlhf',
    ['#base-failure', '#base-error', '#pm-failure', '#pm-error', '#rlhf-failure', '#rlhf-error', '#error'],
    { width: 1200, height: 900 },
  );
  page = nb.page;
});

afterAll(async () => {
  await nb?.close();
});

// Generous limits: SwiftShader shares this machine's cores with whatever else runs.
describe('the notebook, RLHF stage', { timeout: 600_000 }, () => {
  it('prepares a base-model checkpoint on the synthetic world', async () => {
    const query =
      'seed=3&data.synthPairs=30&base.datasets=synth-helpful,synth-harmless&base.preset=nano&base.steps=2&base.batchSize=2&base.seqLen=32&base.evalInterval=1' +
      '&pm.datasets=synth-helpful,synth-harmless&pm.steps=1&pm.pairsPerBatch=2&pm.seqLen=32&pm.evalInterval=1&pm.init=1' +
      '&rlhf.datasets=synth-helpful,synth-harmless&rlhf.reward=gold&rlhf.iterations=3&rlhf.batchSize=4&rlhf.minibatches=2&rlhf.epochs=1&rlhf.maxTokens=8&rlhf.klCoef=0.05';
    await page.goto(`${nb.url}/?${query}`, { waitUntil: 'load', timeout: 120_000 });
    await nb.waitForText(
      'rlhf-app >>> #gpu',
      (t) => t.startsWith('GPU:') || t.includes('not available'),
      'GPU',
      120_000,
    );
    expect(await page.$('rlhf-app >>> #no-webgpu'), 'no WebGPU adapter in headless Chromium').toBeNull();
    expect(await page.$('rlhf-app >>> #notices')).toBeNull(); // every rlhf.* parameter was understood
    await nb.click('rlhf-app >>> #generate');
    await nb.waitForText('rlhf-app >>> #synth-message', (t) => t.startsWith('Stored'), 'synthetic world');
    await nb.click('rlhf-app >>> stage-base >>> trainer-controls >>> #step');
    await nb.waitForText('rlhf-app >>> stage-base >>> #metric-step', (t) => t === '1', 'first base step');
    await nb.click('rlhf-app >>> stage-base >>> trainer-controls >>> #step');
    await nb.waitForText(
      'rlhf-app >>> stage-base >>> saved-list >>> #checkpoints',
      (t) => t.includes('base nano · step 2'),
      'base checkpoint',
    );
  });

  it('runs one PPO iteration against the gold scorer: a point on the √KL chart, TRL metrics, samples', async () => {
    // the stage re-reads the store when it gains focus: the base checkpoint is offered as the policy
    const stage = await page.waitForSelector(`${RLHF} #stage-rlhf`);
    await stage!.evaluate((s) => (s as HTMLElement).focus());
    await nb.waitForText(`${RLHF} #policy`, (t) => t.includes('base nano · step 2'), 'policy picker');
    expect(norm(await (await page.waitForSelector(`${RLHF} #gold-note`))!.evaluate((e) => e.textContent))).toMatch(
      /gold scorer/,
    );
    await nb.click(`${RLHF} trainer-controls >>> #step`);
    await nb.waitForText(`${RLHF} #rlhf-iteration`, (t) => t === '1', 'first PPO iteration', 240_000);
    await waitForChartPoints(1);
    expect(await metric('objective/kl')).toBe(0); // π = π0 when the first rollout is drawn
    expect(await metric('objective/sqrt_kl')).toBe(0);
    const score = await metric('objective/scores');
    expect(score).toBeGreaterThanOrEqual(-1);
    expect(score).toBeLessThanOrEqual(1);
    expect(await metric('gold/scores')).toBe(score); // the reward is the gold scorer
    expect(Number.isFinite(await metric('loss/value'))).toBe(true);
    expect(Number.isFinite(await metric('policy/clipfrac'))).toBe(true);
    expect(await page.$$(`${RLHF} #samples tr.sample`)).toHaveLength(4);
    expect(await nb.waitForText(`${RLHF} kl-reward-chart >>> #fit`, () => true, 'fit text')).toMatch(
      /at least two iterations \(1 so far\)/,
    );
  });

  it('runs one inspected iteration and shows the per-token table phase by phase, with numbers', async () => {
    await nb.click(`${RLHF} #inspect`);
    await nb.waitForText(`${RLHF} #rlhf-iteration`, (t) => t === '2', 'inspected iteration');
    await page.waitForSelector(`${RLHF} #trace-table`, { timeout: 60_000 });
    // phase 1 shows only the tokens; the last phase every column
    const headers = async () =>
      page.$$eval(`${RLHF} #trace-table th`, (ths) => ths.map((th) => th.textContent!.trim()));
    expect(await headers()).toEqual(['#', 'token']);
    await nb.click(`${RLHF} #next-phase`);
    expect(await headers()).toEqual(['#', 'token', 'score']);
    await nb.click(`${RLHF} button.phase[data-phase="5"]`);
    expect(await headers()).toEqual([
      '#',
      'token',
      'score',
      'log π',
      'log π0',
      'KL',
      'reward',
      'value',
      'advantage',
      'return',
      'ratio e1',
      'clip bound',
    ]);
    const rows = await page.$$eval(`${RLHF} #trace-table tr.token-row`, (trs) =>
      trs.map((tr) =>
        Object.fromEntries([...tr.querySelectorAll('td')].map((td) => [td.dataset.col!, td.textContent!.trim()])),
      ),
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(8 + 8); // at most 8 new tokens, plus a stop text's
    for (const r of rows) {
      for (const col of ['logp', 'refLogp', 'kl', 'reward', 'value', 'advantage', 'return', 'ratio1'])
        expect(Number.isFinite(Number(r[col])), `${col} = ${r[col]}`).toBe(true);
      expect(Number(r.logp)).toBeLessThanOrEqual(0);
      expect(r.token.length).toBeGreaterThan(0);
      expect(r.clip === '–' || r.clip.startsWith('✂')).toBe(true);
    }
    // the score sits at the last token only; there the reward is score − λ·KL
    expect(rows.slice(0, -1).every((r) => r.score === '')).toBe(true);
    const last = rows.at(-1)!;
    expect(Number(last.reward)).toBeCloseTo(Number(last.score) - 0.05 * Number(last.kl), 3);
    // the policy moved after the first update: KL is no longer exactly 0 everywhere
    expect(rows.some((r) => Number(r.kl) !== 0) || (await metric('objective/kl')) !== 0).toBe(true);
    await waitForChartPoints(2);
    expect(
      await nb.waitForText(
        `${RLHF} kl-reward-chart >>> #fit`,
        (t) => t.includes('R²') || t.includes('different KL'),
        'fit text',
      ),
    ).toBeTruthy();
  });

  it("clicking a point of the chart shows that iteration's samples; the picker does the same", async () => {
    expect(await page.$eval(`${RLHF} #samples`, (t) => t.getAttribute('data-iteration'))).toBe('2'); // the newest by default
    const center = await page.evaluate(() => {
      const chart = document
        .querySelector('rlhf-app')
        ?.shadowRoot?.querySelector('stage-rlhf')
        ?.shadowRoot?.querySelector('kl-reward-chart') as HTMLElement & {
        pointCenter(i: number): { x: number; y: number } | null;
      };
      chart.scrollIntoView({ block: 'center' });
      return chart.pointCenter(1);
    });
    expect(center).not.toBeNull();
    await page.mouse.click(center!.x, center!.y);
    await page.waitForFunction(
      () =>
        document
          .querySelector('rlhf-app')
          ?.shadowRoot?.querySelector('stage-rlhf')
          ?.shadowRoot?.querySelector('rlhf-samples')
          ?.shadowRoot?.querySelector('#samples')
          ?.getAttribute('data-iteration') === '1',
      { timeout: 10_000 },
    );
    const samples = await page.$$eval(`${RLHF} #samples tr.sample`, (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!)),
    );
    expect(samples).toHaveLength(4);
    for (const [prompt, , score, gold] of samples) {
      expect(prompt).toMatch(/Human: .*\n\nAssistant:$/s);
      expect(Number(score)).toBe(Number(gold));
    }
    // the keyboard-accessible equivalent
    await page.select(`${RLHF} #sample-iteration`, '2');
    await page.waitForFunction(
      () =>
        document
          .querySelector('rlhf-app')
          ?.shadowRoot?.querySelector('stage-rlhf')
          ?.shadowRoot?.querySelector('rlhf-samples')
          ?.shadowRoot?.querySelector('#samples')
          ?.getAttribute('data-iteration') === '2',
      { timeout: 10_000 },
    );
    // sampled text stays text
    expect(await page.$(`${RLHF} #samples img, ${RLHF} #trace-table img, ${RLHF} #samples script`)).toBeNull();
  });

  it('saves a checkpoint, ends the run with the "s" key, and stores run and checkpoints', async () => {
    await nb.click(`${RLHF} trainer-controls >>> #save`);
    await nb.waitForText(
      `${RLHF} saved-list >>> #checkpoints`,
      (t) => t.includes('rlhf nano · gold · iteration 2'),
      'saved checkpoint',
    );
    const stage = await page.waitForSelector(`${RLHF} #stage-rlhf`);
    await stage!.evaluate((s) => (s as HTMLElement).focus());
    await page.keyboard.press('s');
    await nb.waitForText(`${RLHF} trainer-controls >>> #step-count`, (t) => t === 'step 3 / 3 (done)', 'keyboard step');
    await nb.waitForText(
      `${RLHF} saved-list >>> #checkpoints`,
      (t) => t.includes('rlhf nano · gold · iteration 3'),
      'final checkpoint',
    );
    await nb.waitForText(`${RLHF} saved-list >>> #runs`, (t) => t.includes('3 / 3'), 'stored run');
    await waitForChartPoints(3);
    await page
      .waitForSelector(`${RLHF} #stage-rlhf`)
      .then((s) => s!.screenshot({ path: join(SHOTS, 'rlhf-stage.png') }));
    // the base stage lists its own checkpoint, not the policy's
    expect(
      norm(await page.$eval('rlhf-app >>> stage-base >>> saved-list >>> #checkpoints', (e) => e.textContent)),
    ).not.toContain('rlhf nano');
  });

  it("runs an iteration against a preference model trained in stage 3: its scores, not the gold scorer's", async () => {
    const pmStage = await page.waitForSelector('rlhf-app >>> #stage-pm');
    await pmStage!.evaluate((s) => (s as HTMLElement).focus());
    // the PM stage re-reads the store on focus: wait until it offers the base checkpoint as its trunk's start
    await nb.waitForText(
      'rlhf-app >>> #pm-start',
      (t) => t.includes('base nano · step 2'),
      'PM stage offers the base checkpoint',
    );
    await pmStage!.evaluate((s) => (s as HTMLElement).focus());
    await page.keyboard.press('s'); // one step: the PM run ends and stores its checkpoint
    await nb.waitForText(
      'rlhf-app >>> stage-pm >>> saved-list >>> #checkpoints',
      (t) => t.includes('pm nano · step 1'),
      'stored preference model',
      240_000,
    );
    await nb.click(`${RLHF} trainer-controls >>> #reset`); // the gold run has ended; its checkpoints stay
    await nb.waitForText(`${RLHF} trainer-controls >>> #step-count`, (t) => t === 'no run yet', 'reset');
    await page.select(`${RLHF} knob-field >>> #rlhf-reward`, 'pm');
    const stage = await page.waitForSelector(`${RLHF} #stage-rlhf`);
    await stage!.evaluate((s) => (s as HTMLElement).focus());
    await nb.waitForText(`${RLHF} #pm`, (t) => t.includes('pm nano · step 1'), 'PM picker');
    expect(new URL(page.url()).searchParams.get('rlhf.reward')).toBe('pm');
    await nb.click(`${RLHF} trainer-controls >>> #step`);
    await nb.waitForText(`${RLHF} #rlhf-iteration`, (t) => t === '1', 'PPO iteration against the PM', 240_000);
    expect(await nb.waitForText(`${RLHF} #rlhf-metrics`, () => true, 'info')).toContain(
      'preference model pm nano · step 1',
    );
    expect(await nb.waitForText(`${RLHF} kl-reward-chart >>> #fit`, () => true, 'fit text')).toMatch(
      /^PM score|needs at least two/,
    );
    const rows = await page.$$eval(`${RLHF} #samples tr.sample`, (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!)),
    );
    expect(rows).toHaveLength(4);
    const scores = rows.map((r) => Number(r[2]));
    const golds = rows.map((r) => Number(r[3]));
    scores.forEach((x) => expect(Number.isFinite(x)).toBe(true));
    golds.forEach((x) => expect(Number.isFinite(x)).toBe(true));
    expect(scores).not.toEqual(golds); // a real PM's scores are not the gold scorer's
    expect(await metric('objective/scores')).toBeCloseTo(scores.reduce((a, b) => a + b, 0) / 4, 2);
    await page
      .waitForSelector(`${RLHF} #stage-rlhf`)
      .then((s) => s!.screenshot({ path: join(SHOTS, 'rlhf-stage-pm.png') }));
  });

  it("lists the RLHF run and checkpoints after a reload, and shows the stored run's chart and samples", async () => {
    await page.reload({ waitUntil: 'load', timeout: 120_000 });
    const checkpoints = await nb.waitForText(
      `${RLHF} saved-list >>> #checkpoints`,
      (t) => t.includes('iteration 3'),
      'checkpoints after reload',
    );
    expect(checkpoints).toContain('rlhf nano · gold · iteration 2');
    await nb.waitForText(
      `${RLHF} saved-list >>> #runs`,
      (t) => t.includes('rlhf nano · gold · synth-helpful + synth-harmless') && t.includes('3 / 3'),
      'run after reload',
    );
    // the stored policy can start (continue) a new run: it is offered beside the base model
    await nb.waitForText(
      `${RLHF} #policy`,
      (t) => t.includes('base nano · step 2') && t.includes('rlhf nano · gold · iteration 3'),
      'policy picker after reload',
    );
    await nb.click(`${RLHF} saved-list >>> tr.run button`);
    await waitForChartPoints(3);
    expect(await chartPoints()).toBe('3');
    await page.waitForSelector(`${RLHF} #samples tr.sample`, { timeout: 10_000 });
    expect(await page.$eval(`${RLHF} #samples`, (t) => t.getAttribute('data-iteration'))).toBe('3');
    await page
      .waitForSelector(`${RLHF} #stage-rlhf`)
      .then((s) => s!.screenshot({ path: join(SHOTS, 'rlhf-stage-after-reload.png') }));
  });

  // The Evaluate stage's policy panels (src/ui/elo-panel.ts, src/ui/tax-panel.ts): `rlhf elo` and `rlhf lm-eval` in the
  // notebook.
  const ELO = 'rlhf-app >>> stage-eval >>> elo-panel >>>';
  const TAX = 'rlhf-app >>> stage-eval >>> tax-panel >>>';

  /** Ticks the checkboxes of the `labels` (a panel's checkbox labels) whose text is one of `names`. */
  async function tick(labels: string, names: string[]): Promise<void> {
    for (const name of names) {
      const all = await page.$$(labels);
      let found = false;
      for (const l of all) {
        if (norm(await l.evaluate((e) => e.textContent)) !== name) continue;
        await l.evaluate((e) => e.scrollIntoView({ block: 'center' }));
        await (await l.$('input'))!.click();
        found = true;
      }
      expect(found, `a checkbox for ${name}`).toBe(true);
    }
  }

  /** Sets a number input and fires its change event. */
  async function setNumber(selector: string, value: number): Promise<void> {
    const el = await page.waitForSelector(selector, { timeout: 10_000 });
    await el!.evaluate((e, v) => {
      (e as HTMLInputElement).value = String(v);
      e.dispatchEvent(new Event('change', { bubbles: true, composed: true }));
    }, value);
  }

  /** Waits for `n` elements of `selector`; the panel's error element ends the wait. */
  async function waitForRows(selector: string, n: number, errorSelector: string, what: string): Promise<void> {
    const start = Date.now();
    while (Date.now() - start < 120_000) {
      if ((await page.$$(selector)).length === n) return;
      const failure = await page.$(errorSelector);
      if (failure)
        throw new Error(
          `${what}: the panel reports ${norm(await failure.evaluate((e) => e.textContent))}\npage console:\n${nb.logs.join('\n')}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${what}: timed out\npage console:\n${nb.logs.join('\n')}`);
  }

  it('ranks the base model and an RLHF policy with the gold judge: two rows with Elo numbers and a win-rate matrix', async () => {
    const policies = ['base nano · step 2', 'rlhf nano · gold · iteration 3'];
    await nb.waitForText(`${ELO} #elo-policies`, (t) => policies.every((p) => t.includes(p)), 'leaderboard policies');
    await tick(`${ELO} label.policy`, policies);
    expect(await page.$eval(`${ELO} #elo-judge`, (s) => (s as HTMLSelectElement).value)).toBe('gold');
    await setNumber(`${ELO} #elo-n`, 6);
    await setNumber(`${ELO} #elo-tokens`, 8);
    await nb.click(`${ELO} #elo-rank`);
    await waitForRows(`${ELO} #elo-board tr.elo-row`, 2, `${ELO} #elo-error`, 'leaderboard');
    const rows = await page.$$eval(`${ELO} #elo-board tr.elo-row`, (trs) =>
      trs.map(
        (tr) =>
          ({
            policy: tr.getAttribute('data-policy'),
            ...Object.fromEntries(
              [...tr.querySelectorAll('td[data-col]')].map((td) => [
                (td as HTMLElement).dataset.col!,
                td.textContent!.trim(),
              ]),
            ),
          }) as Record<string, string>,
      ),
    );
    expect(rows.map((r) => r.policy).sort()).toEqual([...policies].sort());
    const elo = rows.map((r) => Number(r.elo.replace('−', '-')));
    rows.forEach((r) => expect(r.elo, 'an Elo number').toMatch(/^[+−]\d+$/));
    expect(Math.abs(elo[0] + elo[1])).toBeLessThanOrEqual(1); // two players, mean 0 (rounded)
    expect(elo[0]).toBeGreaterThanOrEqual(elo[1]); // ranked
    for (const r of rows) {
      expect(r.games).toBe('6'); // 6 prompts × 1 opponent
      expect(r.interval).toMatch(/^\[[+−]\d+, [+−]\d+\]$/);
      expect(Number.isFinite(Number(r.helpfulness)), `helpfulness ${r.helpfulness}`).toBe(true); // the gold judge's behaviour columns
      expect(r.compliance).toMatch(/^\d+%$/);
      expect(r.refusal).toMatch(/^\d+%$/);
      expect(Number(r.compliance.slice(0, -1)) + Number(r.refusal.slice(0, -1))).toBeLessThanOrEqual(101); // rounding
    }
    const rates = await page.$$eval(`${ELO} #elo-winrate td.wr`, (tds) => tds.map((td) => Number(td.textContent)));
    expect(rates).toHaveLength(2);
    expect(rates[0] + rates[1]).toBeCloseTo(1, 6);
    expect(await page.$(`${ELO} #elo-board img, ${ELO} #elo-responses img, ${ELO} #elo-responses script`)).toBeNull();
  });

  it('computes the alignment tax of the RLHF policy against the base model: two losses, the first the reference', async () => {
    await tick(`${TAX} label.model`, ['base nano · step 2', 'rlhf nano · gold · iteration 3']);
    await nb.click(`${TAX} #tax-compute`);
    await waitForRows(`${TAX} #tax-table tr.tax-row`, 2, `${TAX} #tax-error`, 'alignment tax');
    const rows = await page.$$eval(`${TAX} #tax-table tr.tax-row`, (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim())),
    );
    expect(rows.map((r) => r[0])).toEqual(['base nano · step 2', 'rlhf nano · gold · iteration 3']);
    const losses = rows.map((r) => Number(r[1]));
    losses.forEach((l) => expect(l > 0 && l < 10, `loss ${l}`).toBe(true)); // nats per token of a byte model
    expect(rows[0][2]).toBe('0 (reference)');
    expect(Number(rows[1][2].replace('−', '-'))).toBeCloseTo(losses[1] - losses[0], 3);
    await page
      .waitForSelector('rlhf-app >>> #stage-eval')
      .then((s) => s!.screenshot({ path: join(SHOTS, 'eval-leaderboard.png') }));
  });
});
