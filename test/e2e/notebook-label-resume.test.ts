// Resuming an interrupted base-model run, and labelling, end to end in headless Chromium (SwiftShader WebGPU).
// Generate the synthetic world; take two of three nano base-model steps with a checkpoint stored every step;
// reload the page as if it had been closed mid-run: the Base-model stage offers the unfinished run, Resume
// continues it at step 2 (the Worker reports where it resumed, the step never goes back below 2) to the end,
// and the run is stored finished. Then the labelling view samples two responses from the base checkpoint,
// "1" labels the first as more helpful (labels-helpful: 1 comparison), red-team mode and "2" mark the second
// as more harmful (labels-red-team: 1, the first stored as chosen); the Data stage's browser shows both stored
// comparisons with their provenance, and the Preference-model stage offers the labels as training data.
// Last, a preference-model run (2 of 3 steps) and an RLHF run (1 of 2 iterations) with a checkpoint every
// step are interrupted by a reload: each stage offers its unfinished run, and Resume takes each to its end
// from where it stopped (the Worker reports the resume step, the step shown never goes back below it).
// Then the tension explorer (Evaluate stage) trains its three preference models and policies from the base
// checkpoint in one click: a 3 × 2 cross-evaluation matrix, every model's answers to the same prompts with
// the gold verdicts, and the six models stored where the PM and RLHF stages list them. Last, one round of the
// iterated online loop with a tension PM as the labeller: a round row, a leaderboard of the initial and the round's
// policy, and the round's policy stored where the RLHF stage lists it. Then a round labelled by the user: the round
// waits while the pairs are shown, the user picks (one "no preference"), and the round's comparisons are stored
// with their round and "you" as the labeller (the Data stage's browser shows it).
// Screenshots of the labelling view and of the RLHF stage's resume offer go to test-results/screenshots/.

import { join } from 'node:path';
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Notebook, SHOTS, norm } from '../helpers/notebook.ts';

let nb: Notebook;
let page: Page;

/** The stored count of a labels dataset as the labelling view shows it. */
const labelCount = (mode: string) =>
  page.$eval(`rlhf-app >>> label-view >>> .count[data-mode="${mode}"] strong`, (e) =>
    Number(e.getAttribute('data-count')),
  );

/**
 * Waits for a pair of different responses (skipping identical ones with "s"); returns prompt and responses as shown.
 */
async function freshPair(): Promise<{ prompt: string; r1: string; r2: string }> {
  for (let attempt = 0; attempt < 4; attempt++) {
    await nb.waitUntil(
      async () =>
        (await page.$('rlhf-app >>> label-view >>> #label-pair')) !== null &&
        (await page.$('rlhf-app >>> label-view >>> #label-sampling')) === null,
      (v) => v,
      'a sampled pair',
    );
    const [r1, r2] = await page.$$eval('rlhf-app >>> label-view >>> .response', (els) =>
      els.map((e) => e.textContent ?? ''),
    );
    const prompt = await page.$eval('rlhf-app >>> label-view >>> #label-prompt', (e) => e.textContent ?? '');
    if (r1 !== r2) return { prompt, r1, r2 };
    await page.keyboard.press('s');
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error('four identical pairs in a row');
}

beforeAll(async () => {
  nb = await Notebook.open('label', [
    '#base-failure',
    '#base-error',
    '#label-error',
    '#error',
    '#pm-failure',
    '#pm-error',
    '#rlhf-failure',
    '#rlhf-error',
  ]);
  page = nb.page;
});

afterAll(async () => {
  await nb?.close();
});

describe('the notebook: resume an interrupted run, label responses', { timeout: 600_000 }, () => {
  it('stores a checkpoint every step, and after a reload resumes the unfinished run at its step', async () => {
    const query =
      'seed=3&data.synthPairs=20&base.datasets=synth-helpful,synth-harmless&base.preset=nano&base.steps=3&base.batchSize=2&base.seqLen=32&base.evalInterval=1&base.saveInterval=1';
    await page.goto(`${nb.url}/?${query}`, { waitUntil: 'load', timeout: 120_000 });
    const adapter = await nb.waitUntil(
      () => nb.textOf('rlhf-app >>> #adapter, rlhf-app >>> #no-webgpu'),
      (t) => t !== null,
      'WebGPU adapter',
    );
    expect(await page.$('rlhf-app >>> #no-webgpu'), `no WebGPU adapter in headless Chromium: ${adapter}`).toBeNull();
    expect(new URL(page.url()).searchParams.get('base.saveInterval')).toBe('1');
    await nb.click('rlhf-app >>> #generate');
    await nb.waitForText('rlhf-app >>> #synth-message', (t) => t.startsWith('Stored'), 'synthetic world');
    await nb.waitForText(
      'rlhf-app >>> #stage-base >>> trainer-controls >>> #step-count',
      (t) => t === 'no run yet',
      'base stage',
    );
    await nb.click('rlhf-app >>> #stage-base >>> trainer-controls >>> #step');
    await nb.waitForText('rlhf-app >>> #metric-step', (t) => t === '1', 'first step');
    await nb.click('rlhf-app >>> #stage-base >>> trainer-controls >>> #step');
    await nb.waitForText('rlhf-app >>> #metric-step', (t) => t === '2', 'second step');
    // the automatic checkpoint of step 2 and the run at 2 / 3 are stored
    await nb.waitForText(
      'rlhf-app >>> #stage-base >>> saved-list >>> #checkpoints',
      (t) => t.includes('base nano · step 2'),
      'auto-saved checkpoint',
    );
    await nb.waitForText(
      'rlhf-app >>> #stage-base >>> saved-list >>> #runs',
      (t) => t.includes('2 / 3'),
      'run stored at step 2',
    );
    expect(await page.$('rlhf-app >>> #stage-base >>> #resume')).toBeNull(); // the live run is not offered

    // the page goes away mid-run
    await page.reload({ waitUntil: 'load', timeout: 120_000 });
    await nb.waitForText('rlhf-app >>> #datasets', (t) => t.includes('synth-helpful'), 'datasets after reload');
    const offer = await nb.waitForText(
      'rlhf-app >>> #stage-base >>> #resume',
      (t) => t.includes('Resume'),
      'resume offer',
    );
    expect(offer).toMatch(/stopped at step 2 \/ 3; latest checkpoint at step 2/);
    expect(offer).toMatch(/restart from zero/);
    await nb.waitUntil(
      () => nb.textOf('rlhf-app >>> #adapter'),
      (t) => t !== null,
      'GPU after reload',
    );
    await nb.click('rlhf-app >>> #stage-base >>> button.resume');
    // it continues at step 2: the step shown never goes back below 2, one step takes it to the end
    const seen = new Set<string>();
    await nb.waitUntil(
      async () => {
        const t = await nb.textOf('rlhf-app >>> #stage-base >>> trainer-controls >>> #step-count');
        if (t) seen.add(t);
        return t;
      },
      (t) => t === 'step 3 / 3 (done)',
      'resumed run done',
    );
    expect([...seen].filter((t) => /step [01] \//.test(t))).toEqual([]);
    expect(await nb.textOf('rlhf-app >>> #stage-base >>> #lm-metrics')).toMatch(/resumed at step\s*2/);
    await nb.waitForText(
      'rlhf-app >>> #stage-base >>> saved-list >>> #checkpoints',
      (t) => t.includes('base nano · step 3'),
      'final checkpoint',
    );
    await nb.waitForText(
      'rlhf-app >>> #stage-base >>> saved-list >>> #runs',
      (t) => t.includes('3 / 3'),
      'run stored finished',
    );
    expect(await page.$('rlhf-app >>> #stage-base >>> #resume')).toBeNull();
    // the curve is the stored one (initial evaluation, steps 1, 2) joined with the resumed step 3
    await page.waitForFunction(
      () => {
        const chart = document
          .querySelector('rlhf-app')
          ?.shadowRoot?.querySelector('stage-base')
          ?.shadowRoot?.querySelector('metric-chart');
        return chart?.getAttribute('data-points') === '4';
      },
      { timeout: 30_000 },
    );
  }, 900_000);

  it('labels pairs sampled from the base checkpoint with the keyboard, helpful then red-team', async () => {
    await page.$eval('rlhf-app >>> label-view', (e) => e.scrollIntoView());
    expect(await labelCount('helpful')).toBe(0);
    await nb.click('rlhf-app >>> label-view >>> #label-sample');
    const first = await freshPair();
    expect(first.prompt).toMatch(/\n\nAssistant:$/);
    const view = await page.waitForSelector('rlhf-app >>> label-view >>> #label-view');
    await view!.evaluate((s) => (s as HTMLElement).focus());
    await page.keyboard.press('1');
    await nb.waitUntil(
      () => labelCount('helpful'),
      (n) => n === 1,
      'labels-helpful count',
    );
    // red-team: "2" marks the second response as the more harmful one
    await page.select('rlhf-app >>> label-view >>> #label-mode', 'red-team');
    const second = await freshPair();
    await view!.evaluate((s) => (s as HTMLElement).focus());
    await page.keyboard.press('2');
    await nb.waitUntil(
      () => labelCount('red-team'),
      (n) => n === 1,
      'labels-red-team count',
    );
    expect(await labelCount('helpful')).toBe(1);
    await freshPair(); // the next pair is on screen for the screenshot
    await page.$eval('rlhf-app >>> label-view', (e) => e.scrollIntoView());
    await (await page.waitForSelector('rlhf-app >>> label-view >>> #label-view'))!.screenshot({
      path: join(SHOTS, 'label-view.png'),
    });

    // the stored comparisons, through the Data stage's browser
    await nb.click('rlhf-app >>> tr.dataset[data-id="labels-helpful"] .browse');
    await nb.waitForText(
      'rlhf-app >>> dataset-browser >>> #matches',
      (t) => t === '1 comparison',
      'helpful labels in the browser',
    );
    expect(norm((await nb.textOf('rlhf-app >>> dataset-browser >>> .chosen'))!)).toBe(norm(first.r1));
    expect(norm((await nb.textOf('rlhf-app >>> dataset-browser >>> .rejected'))!)).toBe(norm(first.r2));
    expect(norm((await nb.textOf('rlhf-app >>> dataset-browser >>> .context'))!)).toBe(norm(first.prompt));
    expect(await nb.textOf('rlhf-app >>> dataset-browser >>> .provenance')).toMatch(
      /labelled \(helpful\): picked response 1 as more helpful · sampled by base nano · step \d \/ base nano · step \d · seed \d+ · prompt from synth-helpful/,
    );
    await nb.click('rlhf-app >>> tr.dataset[data-id="labels-red-team"] .browse');
    await nb.waitForText(
      'rlhf-app >>> dataset-browser >>> .provenance',
      (t) => t.includes('red-team'),
      'red-team labels in the browser',
    );
    // the less harmful (response 1) is chosen, the picked more harmful (response 2) rejected
    expect(norm((await nb.textOf('rlhf-app >>> dataset-browser >>> .chosen'))!)).toBe(norm(second.r1));
    expect(norm((await nb.textOf('rlhf-app >>> dataset-browser >>> .rejected'))!)).toBe(norm(second.r2));
    expect(await nb.textOf('rlhf-app >>> dataset-browser >>> .provenance')).toMatch(
      /picked response 2 as more harmful/,
    );
    // the Preference-model stage can train on them like any dataset
    expect(await page.$('rlhf-app >>> stage-pm >>> input[data-id="labels-helpful"]')).not.toBeNull();
    expect(await page.$('rlhf-app >>> stage-pm >>> input[data-id="labels-red-team"]')).not.toBeNull();
  }, 900_000);

  it('resumes interrupted preference-model and RLHF runs after a reload', async () => {
    const PM = 'rlhf-app >>> stage-pm >>>';
    const RLHF = 'rlhf-app >>> stage-rlhf >>>';
    const query =
      'seed=3&data.synthPairs=20&base.datasets=synth-helpful,synth-harmless&base.preset=nano&base.steps=3&base.batchSize=2&base.seqLen=32' +
      '&pm.steps=3&pm.pairsPerBatch=2&pm.seqLen=32&pm.evalInterval=1&pm.saveInterval=1' +
      '&rlhf.iterations=2&rlhf.batchSize=2&rlhf.minibatches=1&rlhf.epochs=1&rlhf.maxTokens=6&rlhf.reward=gold&rlhf.saveInterval=1';
    await page.goto(`${nb.url}/?${query}`, { waitUntil: 'load', timeout: 120_000 });
    await nb.waitUntil(
      () => nb.textOf('rlhf-app >>> #adapter'),
      (t) => t !== null,
      'GPU',
    );
    await nb.waitForText(
      `${PM} #pm-start`,
      (t) => t.includes('base nano · step 3'),
      'PM stage offers the base checkpoint',
    );
    await nb.click(`${PM} trainer-controls >>> #step`);
    await nb.waitForText(`${PM} #pm-metric-step`, (t) => t === '1', 'first PM step');
    await nb.click(`${PM} trainer-controls >>> #step`);
    await nb.waitForText(
      `${PM} saved-list >>> #checkpoints`,
      (t) => t.includes('pm nano · step 2'),
      'auto-saved PM checkpoint',
    );
    await nb.waitForText(`${PM} saved-list >>> #runs`, (t) => t.includes('2 / 3'), 'PM run stored at step 2');
    await nb.click(`${RLHF} trainer-controls >>> #step`);
    await nb.waitForText(
      `${RLHF} saved-list >>> #checkpoints`,
      (t) => t.includes('rlhf nano · gold · iteration 1'),
      'auto-saved policy',
      240_000,
    );
    await nb.waitForText(`${RLHF} saved-list >>> #runs`, (t) => t.includes('1 / 2'), 'RLHF run stored at iteration 1');

    await page.reload({ waitUntil: 'load', timeout: 120_000 });
    const pmOffer = await nb.waitForText(`${PM} #resume`, (t) => t.includes('Resume'), 'PM resume offer');
    expect(pmOffer).toMatch(/stopped at step 2 \/ 3; latest checkpoint at step 2/);
    const rlhfOffer = await nb.waitForText(`${RLHF} #resume`, (t) => t.includes('Resume'), 'RLHF resume offer');
    expect(rlhfOffer).toMatch(/stopped at iteration 1 \/ 2; latest checkpoint at iteration 1/);
    await nb.waitUntil(
      () => nb.textOf('rlhf-app >>> #adapter'),
      (t) => t !== null,
      'GPU after reload',
    );
    await page.$eval('rlhf-app >>> stage-rlhf', (e) => e.scrollIntoView());
    await (await page.waitForSelector(`${RLHF} resume-offer`))!.screenshot({ path: join(SHOTS, 'resume-offer.png') });

    /** Clicks Resume and waits for the end, recording every step count shown on the way. */
    const resumeToEnd = async (stage: string, done: string) => {
      await nb.click(`${stage} button.resume`);
      const seen = new Set<string>();
      await nb.waitUntil(
        async () => {
          const t = await nb.textOf(`${stage} trainer-controls >>> #step-count`);
          if (t) seen.add(t);
          return t;
        },
        (t) => t === done,
        `${stage} resumed run done`,
        240_000,
      );
      return [...seen];
    };
    const pmSeen = await resumeToEnd(PM, 'step 3 / 3 (done)');
    expect(pmSeen.filter((t) => /step [01] \//.test(t))).toEqual([]);
    expect(await nb.textOf(`${PM} #pm-metrics`)).toMatch(/resumed at step\s*2/);
    await nb.waitForText(`${PM} saved-list >>> #runs`, (t) => t.includes('3 / 3'), 'PM run stored finished');
    expect(await page.$(`${PM} #resume`)).toBeNull();

    const rlhfSeen = await resumeToEnd(RLHF, 'step 2 / 2 (done)');
    expect(rlhfSeen.filter((t) => /step 0 \//.test(t))).toEqual([]);
    expect(await nb.textOf(`${RLHF} #rlhf-metrics`)).toMatch(/resumed at iteration\s*1/);
    await nb.waitForText(`${RLHF} saved-list >>> #runs`, (t) => t.includes('2 / 2'), 'RLHF run stored finished');
    await nb.waitForText(
      `${RLHF} saved-list >>> #checkpoints`,
      (t) => t.includes('rlhf nano · gold · iteration 2'),
      'final policy',
    );
    expect(await page.$(`${RLHF} #resume`)).toBeNull();
    // the stored iteration's point and the resumed one are both on the KL-vs-reward chart
    await page.waitForFunction(
      () => {
        const chart = document
          .querySelector('rlhf-app')
          ?.shadowRoot?.querySelector('stage-rlhf')
          ?.shadowRoot?.querySelector('kl-reward-chart');
        return chart?.getAttribute('data-points') === '2';
      },
      { timeout: 30_000 },
    );
  }, 1_200_000);

  it('runs the tension explorer: three PMs cross-evaluated, three policies, the same prompts answered by every model', async () => {
    const EVAL = 'rlhf-app >>> stage-eval >>> tension-explorer >>>';
    const query =
      'seed=3&data.synthPairs=20&base.datasets=synth-helpful,synth-harmless&base.preset=nano&base.steps=3&base.batchSize=2&base.seqLen=32' +
      '&pm.steps=1&pm.pairsPerBatch=2&pm.seqLen=32&rlhf.iterations=1&rlhf.batchSize=2&rlhf.minibatches=1&rlhf.epochs=1&rlhf.maxTokens=6&rlhf.klCoef=0.01';
    await page.goto(`${nb.url}/?${query}`, { waitUntil: 'load', timeout: 120_000 });
    await nb.waitUntil(
      () => nb.textOf('rlhf-app >>> #adapter'),
      (t) => t !== null,
      'GPU',
    );
    await nb.waitForText(`${EVAL} #tension-base`, (t) => t.includes('base nano · step 3'), 'base checkpoint offered');
    await page.$eval('rlhf-app >>> stage-eval >>> tension-explorer', (e) => e.scrollIntoView());
    await nb.click(`${EVAL} #tension-run`);
    await nb.waitUntil(
      async () => (await nb.textOf(`${EVAL} #tension-done`)) ?? (await nb.textOf(`${EVAL} #tension-error`)),
      (t) => t !== null,
      'tension explorer done',
      400_000,
    );
    expect(await page.$(`${EVAL} #tension-error`)).toBeNull();
    const rows = await page.$$eval(`${EVAL} #tension-matrix tr.pm`, (trs) =>
      trs.map((tr) => ({
        kind: tr.getAttribute('data-kind'),
        cells: [...tr.querySelectorAll('td.cell')].map(
          (td) =>
            `${td.getAttribute('data-dataset')} ${td.querySelector('.acc')!.textContent} ${td.querySelector('.n')!.textContent}`,
        ),
      })),
    );
    expect(rows.map((r) => r.kind)).toEqual(['helpful-only', 'harmless-only', 'mixed']);
    for (const r of rows) {
      expect(r.cells).toHaveLength(2);
      expect(r.cells[0]).toMatch(/^synth-helpful [01]\.\d{3} n=\d+$/);
      expect(r.cells[1]).toMatch(/^synth-harmless [01]\.\d{3} n=\d+$/);
    }
    const answers = await page.$$eval(`${EVAL} #tension-answers tr.answer`, (trs) =>
      trs.map((tr) => ({ dataset: tr.getAttribute('data-dataset'), cells: tr.querySelectorAll('td').length })),
    );
    expect(answers.length).toBeGreaterThanOrEqual(2);
    expect(new Set(answers.map((a) => a.dataset))).toEqual(new Set(['synth-helpful', 'synth-harmless']));
    for (const a of answers) expect(a.cells).toBe(5); // the prompt, then the base model and the three policies
    expect(await nb.textOf(`${EVAL} #tension-done`)).toMatch(/three preference models and three policies are stored/);
    await (await page.waitForSelector('rlhf-app >>> stage-eval >>> tension-explorer'))!.screenshot({
      path: join(SHOTS, 'tension-explorer.png'),
    });
    // the stored models are where the stages list them
    await page.$eval('rlhf-app >>> stage-pm', (e) => (e.shadowRoot!.querySelector('section') as HTMLElement).focus());
    await nb.waitForText(
      'rlhf-app >>> stage-pm >>> saved-list >>> #checkpoints',
      (t) => t.includes('tension mixed'),
      'tension PMs in the PM stage',
    );
  }, 1_200_000);

  it("runs a round of the iterated online loop with a stored PM as the labeller, and stores the round's policy", async () => {
    const ONLINE = 'rlhf-app >>> stage-eval >>> online-panel >>>';
    await page.$eval('rlhf-app >>> stage-eval >>> online-panel', (e) => e.scrollIntoView());
    await page.$eval(`${ONLINE} #online-labeller`, (e) => (e as HTMLElement).focus()); // the lists are re-read when the user comes to them
    const labeller = await nb.waitUntil(
      () =>
        page.$$eval(
          `${ONLINE} #online-labeller option`,
          (os) => os.find((o) => o.textContent!.includes('tension mixed'))?.getAttribute('value') ?? null,
        ),
      (v) => v !== null,
      'the tension PMs offered as labellers',
    );
    await page.select(`${ONLINE} #online-labeller`, labeller!);
    const rounds = await page.waitForSelector(`${ONLINE} #online-rounds`);
    await rounds!.click({ count: 3 });
    await rounds!.type('1');
    await rounds!.evaluate((e) => e.dispatchEvent(new Event('change')));
    await nb.click(`${ONLINE} #online-run`);
    await nb.waitUntil(
      async () =>
        (await page.$(`${ONLINE} #online-error`)) !== null ||
        ((await page.$$(`${ONLINE} tr.round`)).length === 1 && (await page.$(`${ONLINE} #online-progress`)) === null),
      (v) => v,
      'online round done',
      400_000,
    );
    expect(await page.$(`${ONLINE} #online-error`)).toBeNull();
    const row = await page.$$eval(`${ONLINE} tr.round td`, (tds) => tds.map((td) => td.textContent!.trim()));
    expect(row[0]).toBe('1');
    expect(Number(row[1])).toBeGreaterThanOrEqual(0); // comparisons added
    expect(row[3]).toMatch(/^([01]\.\d{3}|–)$/); // the PM's held-out accuracy
    expect(row[6]).toMatch(/^-?\d+ \[-?\d+, -?\d+\]$/); // the round policy's Elo and interval
    const board = await page.$$eval(`${ONLINE} #online-leaderboard tr.policy td:first-child`, (tds) =>
      tds.map((td) => td.textContent!.trim()),
    );
    expect(board).toEqual([expect.stringContaining('base nano'), expect.stringContaining('online round 1')]);
    await (await page.waitForSelector('rlhf-app >>> stage-eval >>> online-panel'))!.screenshot({
      path: join(SHOTS, 'online-panel.png'),
    });
    await page.$eval('rlhf-app >>> stage-rlhf', (e) => (e.shadowRoot!.querySelector('section') as HTMLElement).focus());
    await nb.waitForText(
      'rlhf-app >>> stage-rlhf >>> saved-list >>> #checkpoints',
      (t) => t.includes('online round 1'),
      "the round's policy in the RLHF stage",
    );
  }, 1_200_000);

  it('runs a round labelled by the user: the round waits for the picks, and its comparisons keep the round and "you"', async () => {
    const ONLINE = 'rlhf-app >>> stage-eval >>> online-panel >>>';
    // the stored online datasets' ids (the Data stage and the PM stage's dataset picker both list them)
    const onlineSets = async () => [
      ...new Set(
        await page.$$eval('rlhf-app >>> tr.dataset', (rows) =>
          rows.map((r) => r.getAttribute('data-id') ?? '').filter((id) => id.startsWith('online-')),
        ),
      ),
    ];
    const before = await onlineSets();
    expect(before).toHaveLength(1); // the PM-labelled run's
    await page.$eval('rlhf-app >>> stage-eval >>> online-panel', (e) => e.scrollIntoView());
    await page.select(`${ONLINE} #online-labeller`, 'user');
    await nb.click(`${ONLINE} #online-run`); // one round, as set above
    const n = await nb.waitUntil(
      async () => ((await page.$(`${ONLINE} #online-error`)) ? -1 : (await page.$$(`${ONLINE} .online-pair`)).length),
      (k) => k !== 0,
      'the round asks for labels',
      300_000,
    );
    expect(await page.$(`${ONLINE} #online-error`)).toBeNull();
    expect(n).toBeGreaterThanOrEqual(2);
    expect(await nb.textOf(`${ONLINE} #online-progress`)).toMatch(
      new RegExp(`round 1: waiting for your labels \\(${n} pairs\\)`),
    );
    const submit = `${ONLINE} #online-submit-labels`;
    expect(await page.$eval(submit, (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    await nb.click(`${ONLINE} .online-pair[data-pair="0"] button.none`);
    for (let i = 1; i < n; i++)
      await nb.click(`${ONLINE} .online-pair[data-pair="${i}"] button.answer[data-pick="${i % 2 ? 2 : 1}"]`);
    expect(
      await page.$$eval(`${ONLINE} .online-pair button.picked`, (bs) => bs.map((b) => b.getAttribute('data-pick'))),
    ).toEqual(Array.from({ length: n }, (_, i) => String(i === 0 ? 0 : i % 2 ? 2 : 1)));
    await (await page.waitForSelector('rlhf-app >>> stage-eval >>> online-panel >>> #online-labelling'))!.screenshot({
      path: join(SHOTS, 'online-labelling.png'),
    });
    await nb.click(submit);
    await nb.waitUntil(
      async () =>
        (await page.$(`${ONLINE} #online-error`)) !== null ||
        ((await page.$$(`${ONLINE} tr.round`)).length === 1 && (await page.$(`${ONLINE} #online-progress`)) === null),
      (v) => v,
      'the user-labelled round done',
      400_000,
    );
    expect(await page.$(`${ONLINE} #online-error`)).toBeNull();
    expect(await page.$(`${ONLINE} #online-labelling`)).toBeNull();
    const row = await page.$$eval(`${ONLINE} tr.round td`, (tds) => tds.map((td) => td.textContent!.trim()));
    expect(row.slice(0, 3)).toEqual(['1', String(n - 1), '1']); // round, comparisons added, the "no preference" pair dropped
    // the comparisons as stored, through the Data stage's browser
    const added = await nb.waitUntil(
      async () => (await onlineSets()).filter((id) => !before.includes(id)),
      (ids) => ids.length === 1,
      'the user-labelled dataset',
    );
    await nb.click(`rlhf-app >>> tr.dataset[data-id="${added[0]}"] .browse`);
    await nb.waitForText(
      'rlhf-app >>> dataset-browser >>> #matches',
      (t) => t === `${n - 1} comparison${n - 1 === 1 ? '' : 's'}`,
      "the user's labels in the browser",
    );
    const tags = await page.$$eval('rlhf-app >>> dataset-browser >>> .online', (es) =>
      es.map((e) => [e.getAttribute('data-round'), e.getAttribute('data-labeller')]),
    );
    expect(tags).toEqual(Array.from({ length: Math.min(n - 1, 5) }, () => ['1', 'you']));
    expect(await nb.textOf('rlhf-app >>> dataset-browser >>> .online')).toMatch(
      /^online round 1 · labelled by you · picked response [12] · both answers by .*base nano/,
    );
  }, 1_200_000);
});
