// The notebook end to end in headless Chromium (SwiftShader WebGPU), served from localhost: a newcomer's
// path Data → Base model. Import a small HH file with a malformed line (the report names file:line, then
// the valid rest is imported), generate the synthetic world, browse a transcript carrying an HTML
// payload (it must stay text), train the nano base model three steps — two with the Step button, one
// with the "s" shortcut — and see the loss chart and metrics update and the checkpoint and run stored;
// reload and find datasets, checkpoint and run still listed. A link with a bad parameter shows a notice
// naming it. No WebGPU adapter is a failure with the page's own explanation, never a skip.
// Screenshots of each stage go to test-results/screenshots/.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ElementHandle, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Notebook, SHOTS } from '../helpers/notebook.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const XSS = '<img src=x onerror="window.__xss=1">';

let nb: Notebook;
let page: Page;
const dir = tempDir('notebook');

/** Five good HH pairs and, on line 4, a line that is not JSON; pair 2's chosen answer carries an HTML payload. */
function tinyHH(): string {
  const pair = (i: number, chosen: string) =>
    JSON.stringify({
      chosen: `\n\nHuman: How do I do task ${i}?\n\nAssistant: ${chosen}`,
      rejected: `\n\nHuman: How do I do task ${i}?\n\nAssistant: No idea, sorry.`,
    });
  return (
    [
      pair(1, 'Start with the first step, then check your work.'),
      pair(2, `Here is a picture: ${XSS} and some advice.`),
      pair(3, 'Break it into small parts and do one at a time.'),
      '{"chosen": "\\n\\nHuman: truncated',
      pair(4, 'Ask a friend who has done it before.'),
      pair(5, 'Read the manual first; it explains every part.'),
    ].join('\n') + '\n'
  );
}

/** The cell texts of the first table row matching a deep selector. */
async function cells(selector: string): Promise<string[]> {
  const row = await page.waitForSelector(selector, { timeout: 60_000 });
  return row!.evaluate((r) => [...r.querySelectorAll('td')].map((td) => td.textContent!.replace(/\s+/g, ' ').trim()));
}

beforeAll(async () => {
  writeFileSync(join(dir, 'tiny-hh.jsonl'), tinyHH());
  nb = await Notebook.open('data', ['#base-failure', '#base-error', '#error'], { width: 1200, height: 900 });
  page = nb.page;
});

afterAll(async () => {
  await nb?.close();
});

// Generous limits: SwiftShader shares this machine's cores with whatever else runs.
describe('the notebook, Data → Base model', { timeout: 600_000 }, () => {
  it('opens a link: its experiment is in the URL, a bad parameter gets a notice naming it, and WebGPU is there', async () => {
    const query =
      'seed=3&data.synthPairs=40&base.datasets=tiny-hh,synth-helpful,synth-harmless&base.preset=nano&base.steps=3&base.batchSize=2&base.seqLen=32&base.evalInterval=1&base.lr=abc';
    await page.goto(`${nb.url}/?${query}`, { waitUntil: 'load', timeout: 120_000 });
    expect(await nb.text('rlhf-app >>> #notices')).toMatch(/base\.lr: "abc" is not a number.*using the default 0\.001/);
    const url = new URL(page.url());
    expect(url.searchParams.get('base.lr')).toBe('0.001');
    expect(url.searchParams.get('base.preset')).toBe('nano');
    // the GPU: a failure here says what the page says, never a skip
    const gpu = await page.waitForFunction(
      () => {
        const root = document.querySelector('rlhf-app')?.shadowRoot;
        const missing = root?.querySelector('#no-webgpu');
        if (missing) return { missing: missing.textContent!.replace(/\s+/g, ' ') };
        return root?.querySelector('#adapter') ? { adapter: root.querySelector('#adapter')!.textContent } : null;
      },
      { timeout: 120_000, polling: 250 },
    );
    const result = (await gpu.jsonValue()) as { missing?: string; adapter?: string };
    expect(result.missing, `no WebGPU adapter in headless Chromium: ${result.missing}`).toBeUndefined();
    // the five stages, in pipeline order
    const titles = await page.$$eval('rlhf-app >>> section.stage h2', (hs) =>
      hs.map((h) => h.textContent!.replace(/\s+/g, ' ').trim()),
    );
    expect(titles).toEqual(['1Data', '2Base model', '3Preference model', '4RLHF', '5Evaluate']);
  });

  it('imports an HH file: reports the malformed line by file:line, then imports the valid rest', async () => {
    const input = (await page.waitForSelector('rlhf-app >>> #file-input')) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(join(dir, 'tiny-hh.jsonl'));
    const report = await nb.waitForText('rlhf-app >>> #import-report', (t) => t.includes('malformed'), 'import report');
    expect(report).toMatch(/tiny-hh\.jsonl.*5 valid comparisons, 1 malformed line, 0 identical pairs dropped/);
    expect(report).toMatch(/tiny-hh\.jsonl:4: not valid JSON/);
    expect(await page.$('rlhf-app >>> tr.dataset')).toBeNull(); // nothing stored before the user decides
    await nb.click('rlhf-app >>> #import-valid');
    await nb.waitForText(
      'rlhf-app >>> tr.dataset[data-id="tiny-hh"]',
      (t) => t.includes('tiny-hh.jsonl'),
      'imported dataset',
    );
    // name (id), subset, comparisons, identical pairs dropped, source
    expect((await cells('rlhf-app >>> tr.dataset[data-id="tiny-hh"]')).slice(0, 5)).toEqual([
      'tiny-hh.jsonltiny-hh',
      'tiny-hh',
      '5',
      '0',
      'tiny-hh.jsonl',
    ]);
  });

  it('generates the synthetic world as two datasets', async () => {
    await nb.click('rlhf-app >>> #generate');
    await nb.waitForText('rlhf-app >>> #synth-message', (t) => t.startsWith('Stored'), 'synthetic world');
    for (const id of ['synth-helpful', 'synth-harmless']) {
      const [name, subset, count, identical, source] = await cells(`rlhf-app >>> tr.dataset[data-id="${id}"]`);
      expect([name, subset, source]).toEqual([
        `${id}${id}`,
        id.slice(6),
        'synthetic world: seed 3, 40 pairs per subset',
      ]);
      expect(Number(count) + Number(identical)).toBe(40);
    }
    await nb.shot('rlhf-app >>> #stage-data', 'data-datasets');
  });

  it('shows an HTML payload in a transcript as text, never as markup', async () => {
    await nb.click('rlhf-app >>> tr.dataset[data-id="tiny-hh"] .browse');
    await nb.click('rlhf-app >>> #search');
    await page.keyboard.type('onerror');
    await nb.waitForText('rlhf-app >>> #matches', (t) => t.startsWith('1 match'), 'search');
    const chosen = await nb.text('rlhf-app >>> dataset-browser >>> .chosen');
    expect(chosen).toContain(XSS);
    expect(await page.$('rlhf-app >>> dataset-browser >>> img')).toBeNull();
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await nb.shot('rlhf-app >>> #stage-data', 'data-browse');
  });

  it('trains the nano base model step by step (button and "s" key), live chart and metrics, stores checkpoint and run', async () => {
    await nb.waitForText(
      'rlhf-app >>> #stage-base >>> trainer-controls >>> #step-count',
      (t) => t === 'no run yet',
      'base stage',
    );
    await nb.click('rlhf-app >>> trainer-controls >>> #step');
    await nb.waitForText('rlhf-app >>> #metric-step', (t) => t === '1', 'first step', 150_000);
    const loss1 = Number(await nb.text('rlhf-app >>> [data-metric="train/loss"]'));
    expect(loss1).toBeGreaterThan(0);
    expect(Number(await nb.text('rlhf-app >>> [data-metric="eval/loss"]'))).toBeGreaterThan(0);
    await nb.click('rlhf-app >>> trainer-controls >>> #step');
    await nb.waitForText('rlhf-app >>> #metric-step', (t) => t === '2', 'second step');
    // the chart drew the initial evaluation and both steps
    await page.waitForFunction(
      () => {
        const chart = document
          .querySelector('rlhf-app')
          ?.shadowRoot?.querySelector('stage-base')
          ?.shadowRoot?.querySelector('metric-chart');
        return chart?.getAttribute('data-points') === '3' && chart.shadowRoot?.querySelector('canvas');
      },
      { timeout: 60_000 },
    );
    // keyboard: focus the stage, press the step shortcut; the third step ends the run and stores it
    const stage = await page.waitForSelector('rlhf-app >>> #stage-base');
    await stage!.evaluate((s) => (s as HTMLElement).focus());
    await page.keyboard.press('s');
    await nb.waitForText(
      'rlhf-app >>> trainer-controls >>> #step-count',
      (t) => t === 'step 3 / 3 (done)',
      'keyboard step',
    );
    await nb.waitForText(
      'rlhf-app >>> saved-list >>> #checkpoints',
      (t) => t.includes('base nano · step 3'),
      'stored checkpoint',
    );
    const [run, steps, trainLoss, evalLoss] = await cells('rlhf-app >>> saved-list >>> tr.run');
    expect([run, steps]).toEqual(['base nano · tiny-hh + synth-helpful + synth-harmless', '3 / 3']);
    expect(Number(trainLoss)).toBeGreaterThan(0);
    expect(Number(evalLoss)).toBeGreaterThan(0);
    await nb.shot('rlhf-app >>> #stage-base', 'base-model');
  }); // compiling the model's kernels on SwiftShader takes ~30 s, more on a loaded machine

  it('keeps datasets, checkpoint and run across a reload', async () => {
    await page.reload({ waitUntil: 'load', timeout: 120_000 });
    await nb.waitForText(
      'rlhf-app >>> #datasets',
      (t) => ['tiny-hh', 'synth-helpful', 'synth-harmless'].every((id) => t.includes(id)),
      'datasets after reload',
    );
    await nb.waitForText(
      'rlhf-app >>> saved-list >>> #checkpoints',
      (t) => t.includes('base nano · step 3'),
      'checkpoint after reload',
    );
    await nb.waitForText('rlhf-app >>> saved-list >>> #runs', (t) => t.includes('3 / 3'), 'run after reload');
    // the stored run's curves come back
    await nb.click('rlhf-app >>> saved-list >>> tr.run button');
    await page.waitForFunction(
      () => {
        const chart = document
          .querySelector('rlhf-app')
          ?.shadowRoot?.querySelector('stage-base')
          ?.shadowRoot?.querySelector('metric-chart');
        return chart?.getAttribute('data-points') === '4';
      },
      { timeout: 60_000 },
    );
    await nb.shot('rlhf-app >>> #stage-base', 'base-model-after-reload');
    for (const id of ['stage-pm', 'stage-rlhf', 'stage-eval']) await nb.shot(`rlhf-app >>> #${id}`, id);
    await page.screenshot({ path: join(SHOTS, 'notebook.png'), fullPage: true });
  });
});
