// Browser smoke test: the notebook, served from localhost, gets a WebGPU adapter in its Worker in
// headless Chromium (SwiftShader without a GPU) and its kernel self-check passes there.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import { launchChrome, startVite, type HeadlessChrome } from '../../scripts/browser.ts';

let chrome: HeadlessChrome;
let vite: { server: ViteDevServer; url: string };

beforeAll(async () => {
  vite = await startVite();
  chrome = await launchChrome();
});

afterAll(async () => {
  await chrome?.close();
  await vite?.server.close();
});

describe('the notebook in headless Chromium', () => {
  it('gets a WebGPU adapter in its worker and passes the kernel self-check', async () => {
    const page = await chrome.browser.newPage();
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.text()));
    page.on('pageerror', (e) => logs.push(String(e)));
    await page.goto(vite.url, { waitUntil: 'load' });
    const handle = await page
      .waitForFunction(
        () => {
          const root = document.querySelector('rlhf-app')?.shadowRoot;
          const table = root?.querySelector('#self-check');
          const failure = root?.querySelector('#no-webgpu, #error');
          if (failure) return { failure: failure.textContent };
          if (!table) return null;
          return {
            adapter: root!.querySelector('#adapter')!.textContent,
            ok: table.getAttribute('data-ok'),
            rows: [...table.querySelectorAll('tr')].slice(1).map((r) => r.textContent!.replace(/\s+/g, ' ').trim()),
          };
        },
        { timeout: 90_000, polling: 250 },
      )
      .catch((e) => {
        throw new Error(`${(e as Error).message}\npage console:\n${logs.join('\n')}`);
      });
    const result = (await handle.jsonValue()) as { failure?: string; adapter?: string; ok?: string; rows?: string[] };
    expect(result.failure, `the page reported: ${result.failure}`).toBeUndefined();
    expect(result.adapter).toBeTruthy();
    expect(result.rows!.length).toBeGreaterThanOrEqual(9);
    expect(result.rows!.join(' ')).toMatch(/attention_backward.*crossentropy_backward/);
    expect(result.ok, result.rows!.join('\n')).toBe('true');
    await page.close();
  });

  it('says what is missing when the browser has no WebGPU adapter', async () => {
    const noGpu = await launchChrome({ webgpu: false });
    const page = await noGpu.browser.newPage();
    await page.goto(vite.url, { waitUntil: 'load' });
    const text = await page.waitForFunction(
      () =>
        document.querySelector('rlhf-app')?.shadowRoot?.querySelector('#no-webgpu, #self-check')?.textContent ?? null,
      { timeout: 60_000, polling: 250 },
    );
    expect(await text.jsonValue()).toMatch(/WebGPU is not available here.*(no adapter|navigator\.gpu)/s);
    await noGpu.close();
  });
});
