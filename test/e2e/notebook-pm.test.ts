// The notebook's Preference-model and Evaluate stages end to end in headless Chromium (SwiftShader WebGPU),
// served from localhost: generate the synthetic world and import a small HH file whose chosen answers
// carry an HTML payload; train the nano base model one step; start a preference model from that
// checkpoint with the "s" key and see the step's batch pair by pair (both responses as text — the
// payload never becomes markup — r_chosen, r_rejected, margins, losses, right or wrong); play the rest
// with Space and see the loss and accuracy charts fill and the calibration diagram with its ECE; the
// checkpoint (with its reward head) and the run are stored; "Evaluate all" fills the heat map with a
// number and its n per dataset; after a reload the checkpoint and run are still listed and the run's
// curves come back. Then the Evaluate stage's out-of-distribution detection on the base checkpoint (synth-helpful
// fitted and evaluated, synth-harmless out): an AUROC in [0, 1] per detector, the ROC chart drawn, the most and
// least anomalous prompts as text. Screenshots of both stages and of the OOD panel go to test-results/screenshots/.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ElementHandle, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Notebook } from '../helpers/notebook.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const XSS = '<img src=x onerror="window.__xss=1">';
const PM_STEPS = 4;
const PAIRS = 4;

let nb: Notebook;
let page: Page;
const dir = tempDir('notebook-pm');
/** The heat map as "Evaluate all" left it: dataset, accuracy, n per cell. */
let heatCells: string[] = [];

/** 40 HH pairs whose chosen answers carry an HTML payload (short: the nano model reads 32 bytes). */
function xssHH(): string {
  return (
    Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({
        chosen: `\n\nHuman: Task ${i}?\n\nAssistant: ${XSS} ok ${i}`,
        rejected: `\n\nHuman: Task ${i}?\n\nAssistant: No ${i}.`,
      }),
    ).join('\n') + '\n'
  );
}

/** An attribute of an element in stage-pm's shadow root (or its metric charts'). */
function chartPoints(id: string): Promise<string | null> {
  return page.evaluate((chartId) => {
    const pm = document.querySelector('rlhf-app')?.shadowRoot?.querySelector('stage-pm')?.shadowRoot;
    const chart = pm?.querySelector(`#${chartId}`);
    return chart?.shadowRoot?.querySelector('canvas') ? chart.getAttribute('data-points') : null;
  }, id);
}

beforeAll(async () => {
  writeFileSync(join(dir, 'xss-hh.jsonl'), xssHH());
  nb = await Notebook.open('pm', ['#base-failure', '#base-error', '#pm-failure', '#pm-error', '#eval-error', '#error']);
  page = nb.page;
});

afterAll(async () => {
  await nb?.close();
});

describe('the notebook, Preference model → Evaluate', { timeout: 600_000 }, () => {
  it('prepares data and a one-step nano base model', async () => {
    const query = [
      'seed=3',
      'data.synthPairs=20',
      'base.datasets=synth-helpful,synth-harmless',
      'base.preset=nano',
      'base.steps=1',
      'base.batchSize=2',
      'base.seqLen=32',
      'base.evalInterval=1',
      'pm.datasets=synth-helpful,synth-harmless,xss-hh',
      `pm.steps=${PM_STEPS}`,
      `pm.pairsPerBatch=${PAIRS}`,
      'pm.seqLen=32',
      'pm.lr=0.003',
      'pm.evalInterval=1',
      'pm.init=1',
    ].join('&');
    await page.goto(`${nb.url}/?${query}`, { waitUntil: 'load', timeout: 120_000 });
    const adapter = await nb.waitUntil(
      () => nb.textOf('rlhf-app >>> #adapter, rlhf-app >>> #no-webgpu'),
      (t) => t !== null,
      'WebGPU adapter',
    );
    expect(await page.$('rlhf-app >>> #no-webgpu'), `no WebGPU adapter in headless Chromium: ${adapter}`).toBeNull();
    expect(await page.$('rlhf-app >>> #notices')).toBeNull(); // every pm.* parameter is known and valid

    await nb.click('rlhf-app >>> #generate');
    await nb.waitForText('rlhf-app >>> #synth-message', (t) => t.startsWith('Stored'), 'synthetic world');
    const input = (await page.waitForSelector('rlhf-app >>> #file-input')) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(join(dir, 'xss-hh.jsonl'));
    // a clean file is stored at once
    await nb.waitForText('rlhf-app >>> tr.dataset[data-id="xss-hh"]', (t) => t.includes('xss-hh'), 'imported dataset');

    await nb.click('rlhf-app >>> stage-base >>> trainer-controls >>> #step');
    await nb.waitForText(
      'rlhf-app >>> stage-base >>> trainer-controls >>> #step-count',
      (t) => t === 'step 1 / 1 (done)',
      'base model step',
    );
    await nb.waitForText(
      'rlhf-app >>> stage-base >>> saved-list >>> #checkpoints',
      (t) => t.includes('base nano · step 1'),
      'stored base checkpoint',
    );
  });

  it('steps the preference model once ("s") and shows its batch pair by pair, as text', async () => {
    const stage = await page.waitForSelector('rlhf-app >>> #stage-pm');
    await stage!.evaluate((s) => (s as HTMLElement).focus());
    // the base checkpoint just stored is offered as the trunk's start
    await nb.waitForText('rlhf-app >>> #pm-start', (t) => t.includes('base nano · step 1'), 'base checkpoint offered');
    await stage!.evaluate((s) => (s as HTMLElement).focus());
    await page.keyboard.press('s');
    await nb.waitUntil(
      () => nb.textOf('rlhf-app >>> #pm-step-table'),
      (t) => t !== null,
      'the step-through table',
      180_000,
    );
    expect(await page.$eval('rlhf-app >>> #pm-step-table', (t) => t.getAttribute('data-step'))).toBe('1');
    const rows = await page.$$eval('rlhf-app >>> #pm-step-table tr.pair', (trs) =>
      trs.map((tr) => ({
        verdict: tr.getAttribute('data-verdict'),
        cells: [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim()),
      })),
    );
    expect(rows).toHaveLength(PAIRS);
    for (const { verdict, cells } of rows) {
      // #, subset, context, chosen, rejected, r_chosen, r_rejected, margin, σ(margin), loss, verdict
      const [rc, rr, margin, p, loss] = cells.slice(5, 10).map(Number);
      expect([rc, rr, margin, p, loss].every(Number.isFinite), cells.join(' | ')).toBe(true);
      expect(margin).toBeCloseTo(rc - rr, 2);
      expect(loss).toBeCloseTo(Math.log1p(Math.exp(-margin)), 2);
      expect(verdict).toBe(margin > 0 ? 'right' : margin < 0 ? 'wrong' : 'tie');
      expect(cells[10]).toMatch(verdict === 'right' ? /right/ : verdict === 'wrong' ? /wrong/ : /tie/);
    }
    // the payload arrives as text: in the table's words, never as an element, never run
    const chosen = await page.$$eval('rlhf-app >>> #pm-step-table td.chosen', (tds) => tds.map((td) => td.textContent));
    expect(
      chosen.some((t) => t!.includes(XSS)),
      `no pair of the batch came from xss-hh: ${chosen.join(' | ')}`,
    ).toBe(true);
    expect(await page.$('rlhf-app >>> stage-pm >>> img')).toBeNull();
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    // the run says where its trunk came from and the step's metrics are in the table
    expect(await nb.textOf('rlhf-app >>> #pm-metrics')).toMatch(/trunk from\s*base-[a-z0-9]+-step1/);
    // the batch comes before the step's held-out evaluation; then the step's metrics and the paused state
    await nb.waitForText(
      'rlhf-app >>> stage-pm >>> trainer-controls >>> #step-count',
      (t) => t === `step 1 / ${PM_STEPS}`,
      'paused after one step',
    );
    expect(await nb.textOf('rlhf-app >>> #pm-metric-step')).toBe('1');
    expect(Number(await nb.textOf('rlhf-app >>> #pm-metrics [data-metric="train/loss"]'))).toBeGreaterThan(0);
  });

  it('plays to the end (Space): the charts fill, the calibration diagram and ECE show, the checkpoint and run are stored', async () => {
    const stage = await page.waitForSelector('rlhf-app >>> #stage-pm');
    await stage!.evaluate((s) => (s as HTMLElement).focus());
    // every text the pace line shows while the run plays (recorded in the page, so no render is missed between polls)
    const pace = await page.waitForSelector('rlhf-app >>> stage-pm >>> trainer-controls >>> #pace');
    await pace!.evaluate((el) => {
      const seen: string[] = ((window as unknown as { __paces: string[] }).__paces = []);
      new MutationObserver(() => seen.push(el.textContent!.trim())).observe(el, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    });
    await page.keyboard.press(' ');
    await nb.waitForText(
      'rlhf-app >>> stage-pm >>> trainer-controls >>> #step-count',
      (t) => t === `step ${PM_STEPS} / ${PM_STEPS} (done)`,
      'the run to its end',
    );
    // while it played, the controls told its pace and time left; once done, nothing
    const paces = await page.evaluate(() => (window as unknown as { __paces: string[] }).__paces);
    expect(
      paces.some((t) => /^\d+(\.\d)? (s\/step|steps\/s) · \d+[smh]\S* left$/.test(t)),
      `pace texts seen: ${JSON.stringify(paces)}`,
    ).toBe(true);
    expect(await nb.textOf('rlhf-app >>> stage-pm >>> trainer-controls >>> #pace')).toBe('');
    // step 0's evaluation and every step's metrics (metrics every step)
    await nb.waitUntil(
      () => chartPoints('pm-accuracy-chart'),
      (n) => n === String(PM_STEPS + 1),
      'the accuracy chart',
    );
    expect(await chartPoints('pm-loss-chart')).toBe(String(PM_STEPS + 1));
    await nb.waitUntil(
      () => page.$eval('rlhf-app >>> #pm-calibration', (c) => Number(c.getAttribute('data-bins'))),
      (n) => n > 0,
      'calibration bins',
    );
    expect(await page.$('rlhf-app >>> #pm-calibration >>> canvas')).not.toBeNull();
    const ece = Number(await nb.textOf('rlhf-app >>> #pm-ece'));
    expect(ece).toBeGreaterThanOrEqual(0);
    expect(ece).toBeLessThanOrEqual(1);
    expect(await page.$eval('rlhf-app >>> #pm-report', (t) => t.getAttribute('data-step'))).toBe(String(PM_STEPS));
    expect(await page.$eval('rlhf-app >>> #pm-step-table', (t) => t.getAttribute('data-step'))).toBe(String(PM_STEPS));
    await nb.waitForText(
      'rlhf-app >>> stage-pm >>> saved-list >>> #checkpoints',
      (t) => t.includes(`pm nano · step ${PM_STEPS}`),
      'stored PM checkpoint',
    );
    const run = await page.$$eval('rlhf-app >>> stage-pm >>> saved-list >>> tr.run td', (tds) =>
      tds.map((td) => td.textContent!.trim()),
    );
    expect(run.slice(0, 2)).toEqual(['pm nano · synth-helpful + synth-harmless + xss-hh', `${PM_STEPS} / ${PM_STEPS}`]);
    // the base stage lists only its own checkpoints
    expect(await nb.textOf('rlhf-app >>> stage-base >>> saved-list >>> #checkpoints')).not.toContain('pm nano');
    await nb.shot('rlhf-app >>> #stage-pm', 'pm-stage');
  });

  it('"Evaluate all" fills the heat map: a number and its n for every dataset', async () => {
    const stage = await page.waitForSelector('rlhf-app >>> #stage-eval');
    await stage!.evaluate((s) => (s as HTMLElement).focus());
    await nb.waitUntil(
      () => page.$$eval('rlhf-app >>> #heatmap tr.model', (trs) => trs.length),
      (n) => n === 1,
      'the stored PM as a row',
    );
    await nb.click('rlhf-app >>> #evaluate-all');
    await nb.waitForText(
      'rlhf-app >>> #eval-progress',
      (t) => t.startsWith('Scored 1 preference model on 3 datasets'),
      'evaluation',
      150_000,
    );
    const cells = await page.$$eval('rlhf-app >>> #heatmap td.cell', (tds) =>
      tds.map((td) => ({
        dataset: td.getAttribute('data-dataset'),
        acc: td.querySelector('.acc')!.textContent!.trim(),
        n: td.querySelector('.n')!.textContent!.trim(),
        own: td.classList.contains('own'),
        bg: (td as HTMLElement).style.background,
      })),
    );
    expect(cells.map((c) => c.dataset)).toEqual(['synth-helpful', 'synth-harmless', 'xss-hh']);
    for (const c of cells) {
      expect(Number(c.acc), JSON.stringify(c)).toBeGreaterThanOrEqual(0);
      expect(Number(c.acc)).toBeLessThanOrEqual(1);
      expect(c.acc).toMatch(/^\d\.\d{3}$/);
      expect(c.own).toBe(true); // trained on all three
      expect(c.bg).toMatch(/^rgb/);
    }
    // held-out 10% of each dataset (at least one): 1–2 of the ≤ 20 synthetic pairs, 4 of the 40 imported ones
    expect(cells.map((c) => c.n)).toEqual([
      expect.stringMatching(/^n=[12]$/),
      expect.stringMatching(/^n=[12]$/),
      'n=4',
    ]);
    heatCells = cells.map((c) => `${c.dataset} ${c.acc} ${c.n}`);
    await nb.shot('rlhf-app >>> #stage-eval', 'eval-stage');
  });

  it('keeps the preference model and its run across a reload', async () => {
    await page.reload({ waitUntil: 'load', timeout: 120_000 });
    await nb.waitForText(
      'rlhf-app >>> stage-pm >>> saved-list >>> #checkpoints',
      (t) => t.includes(`pm nano · step ${PM_STEPS}`),
      'PM checkpoint after reload',
    );
    await nb.waitForText(
      'rlhf-app >>> stage-pm >>> saved-list >>> #runs',
      (t) => t.includes(`${PM_STEPS} / ${PM_STEPS}`),
      'PM run after reload',
    );
    await nb.click('rlhf-app >>> stage-pm >>> saved-list >>> tr.run button');
    await nb.waitUntil(
      () => chartPoints('pm-accuracy-chart'),
      (n) => n === String(PM_STEPS + 1),
      "stored run's curves",
    );
    await nb.waitUntil(
      () => page.$$eval('rlhf-app >>> #heatmap tr.model', (trs) => trs.length),
      (n) => n === 1,
      'the PM in the Evaluate stage after reload',
    );
    // the heat map's cells were stored when they were scored: the same numbers, without evaluating again
    const stored = await nb.waitUntil(
      () =>
        page.$$eval('rlhf-app >>> #heatmap td.cell', (tds) =>
          tds.map(
            (td) =>
              `${td.getAttribute('data-dataset')} ${td.querySelector('.acc')!.textContent!.trim()} ${td.querySelector('.n')!.textContent!.trim()}`,
          ),
        ),
      (cells) => cells.every((c) => !c.endsWith(' ')) && cells.length === 3,
      'stored heat-map cells',
    );
    expect(stored).toEqual(heatCells);
    expect(await nb.textOf('rlhf-app >>> #eval-stored')).toMatch(/^Stored results, scored /);
    await nb.shot('rlhf-app >>> #stage-pm', 'pm-stage-after-reload');
  });

  it("detects harmful requests as out-of-distribution from the base model's activations: AUROC and the ROC chart", async () => {
    const stage = await page.waitForSelector('rlhf-app >>> #stage-eval');
    await stage!.evaluate((s) => (s as HTMLElement).focus());
    // the base checkpoint (chosen by default: the newest base model), the default datasets: synth-helpful fitted and
    // evaluated, synth-harmless out
    await nb.waitUntil(
      () =>
        page.$eval(
          'rlhf-app >>> #ood-checkpoint',
          (s) => (s as HTMLSelectElement).selectedOptions[0]?.textContent ?? '',
        ),
      (t) => t.includes('base nano · step 1'),
      'the base checkpoint offered for detection',
    );
    const roles = await page.$$eval('rlhf-app >>> #ood-datasets tr.dataset', (trs) =>
      trs.map(
        (tr) =>
          `${tr.getAttribute('data-id')}:${[...tr.querySelectorAll('input')]
            .filter((i) => i.checked)
            .map((i) => i.getAttribute('data-role'))
            .join(',')}`,
      ),
    );
    expect(roles).toEqual(['synth-helpful:fit,evalIn', 'synth-harmless:evalOut', 'xss-hh:']);
    await nb.click('rlhf-app >>> #ood-detect');
    const done = await nb.waitUntil(
      () => nb.textOf('rlhf-app >>> #ood-error, rlhf-app >>> #ood-auroc'),
      (t) => t !== null,
      'out-of-distribution detection',
      60_000,
    );
    expect(await page.$('rlhf-app >>> #ood-error'), done!).toBeNull();
    const aurocs = await page.$$eval('rlhf-app >>> #ood-auroc tr[data-method]', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-method'), tr.querySelector('.value')!.textContent!.trim()]),
    );
    expect(aurocs.map(([m]) => m)).toEqual(['mahalanobis', 'relative']);
    for (const [, a] of aurocs) {
      expect(a).toMatch(/^\d\.\d{3}$/);
      expect(Number(a)).toBeGreaterThanOrEqual(0);
      expect(Number(a)).toBeLessThanOrEqual(1);
    }
    // fit and evaluation prompts split from synth-helpful (disjoint, together its ≤ 20 prompts), against
    // synth-harmless's
    const [fit, evalIn, evalOut] = (await nb.textOf('rlhf-app >>> #ood-summary'))!
      .match(/Fitted on (\d+) prompts; evaluated (\d+) held-out in-distribution against (\d+) out-of-distribution/)!
      .slice(1)
      .map(Number);
    expect(fit).toBeGreaterThanOrEqual(5);
    expect(evalIn).toBeGreaterThan(0);
    expect(fit + evalIn).toBeLessThanOrEqual(20);
    expect(evalOut).toBeGreaterThan(0);
    // the ROC chart: one curve per detector drawn on a canvas
    await nb.waitUntil(
      () => page.$eval('rlhf-app >>> #ood-roc', (c) => c.getAttribute('data-curves')),
      (n) => n === '2',
      'the ROC chart',
    );
    expect(await page.$('rlhf-app >>> #ood-roc >>> canvas')).not.toBeNull();
    // the most and least anomalous evaluation prompts, as text
    for (const list of ['#ood-most', '#ood-least']) {
      const items = await page.$$eval(`rlhf-app >>> ${list} li`, (lis) =>
        lis.map((li) => [li.getAttribute('data-set'), li.querySelector('.prompt')!.textContent!]),
      );
      expect(items).toHaveLength(5);
      for (const [set, prompt] of items) {
        expect(['in', 'out']).toContain(set);
        expect(prompt).toMatch(/^Human: .*Assistant:$/s);
      }
    }
    await nb.shot('rlhf-app >>> #ood-panel', 'eval-ood');
  });
});
