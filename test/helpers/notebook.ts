// The harness of the notebook's end-to-end tests: a Vite dev server (its own dependency cache and no hot reload,
// so edits and other servers cannot reload the page under a test) and headless Chromium with SwiftShader WebGPU
// (scripts/browser.ts) showing one page, and the reads and waits every test uses. Selectors are deep (`a >>> b`
// pierces shadow roots). A wait fails at once with the page's own message when one of the file's failure elements
// (the stages' error boxes) shows, and on a timeout with the last value seen and the end of the page's console.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer';
import type { ViteDevServer } from 'vite';
import { launchChrome, startVite, type HeadlessChrome } from '../../scripts/browser.ts';

export const SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

/** Text with its whitespace runs made single spaces, trimmed ('' for none). */
export const norm = (t: string | null | undefined) => (t ?? '').replace(/\s+/g, ' ').trim();

export class Notebook {
  /** The page's console messages and uncaught errors, in order. */
  readonly logs: string[] = [];
  private readonly failures: string;

  private constructor(
    private readonly vite: { server: ViteDevServer; url: string },
    private readonly chrome: HeadlessChrome,
    readonly page: Page,
    failures: readonly string[],
  ) {
    this.failures = failures.map((s) => `rlhf-app >>> ${s}`).join(', ');
    page.on('console', (m) => this.logs.push(m.text()));
    page.on('pageerror', (e) => this.logs.push(String(e)));
  }

  /**
   * Starts Vite (dependency cache node_modules/.vite-e2e-`name`) and Chromium with one page of `viewport`;
   * `failures` are the ids of the error elements that end a wait (e.g. '#pm-error').
   */
  static async open(
    name: string,
    failures: readonly string[],
    viewport = { width: 1400, height: 1000 },
  ): Promise<Notebook> {
    mkdirSync(SHOTS, { recursive: true });
    const vite = await startVite({
      cacheDir: join(import.meta.dirname, '..', '..', 'node_modules', `.vite-e2e-${name}`),
      hmr: false,
    });
    const chrome = await launchChrome();
    const page = await chrome.browser.newPage();
    await page.setViewport(viewport);
    return new Notebook(vite, chrome, page, failures);
  }

  /** The notebook's address (add `/?query`). */
  get url(): string {
    return this.vite.url;
  }

  async close(): Promise<void> {
    await this.chrome.close();
    await this.vite.server.close();
  }

  /** The normalised text of the first element matching `selector`, or null when there is none. */
  async textOf(selector: string): Promise<string | null> {
    const el = await this.page.$(selector);
    return el ? norm(await el.evaluate((e) => e.textContent)) : null;
  }

  /** The normalised text of the first element matching `selector`, once there is one. */
  async text(selector: string): Promise<string> {
    const el = await this.page.waitForSelector(selector, { timeout: 60_000 });
    return norm(await el!.evaluate((e) => e.textContent));
  }

  /** Polls `probe` until `predicate` holds of its value, and returns that value. */
  async waitUntil<T>(
    probe: () => Promise<T>,
    predicate: (v: T) => boolean,
    what: string,
    timeout = 360_000,
  ): Promise<T> {
    const start = Date.now();
    let last: T = await probe();
    while (Date.now() - start < timeout) {
      last = await probe();
      if (predicate(last)) return last;
      const failure = await this.page.$(this.failures);
      if (failure)
        throw new Error(
          `${what}: the page reports ${norm(await failure.evaluate((e) => e.textContent))}\npage console:\n${this.console()}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${what}: timed out; last seen ${JSON.stringify(last)}\npage console:\n${this.console()}`);
  }

  /** Waits until the text of `selector` exists and `predicate` holds of it, and returns the text. */
  waitForText(selector: string, predicate: (t: string) => boolean, what: string, timeout?: number): Promise<string> {
    return this.waitUntil(
      () => this.textOf(selector),
      (t) => t !== null && predicate(t),
      what,
      timeout,
    ) as Promise<string>;
  }

  async click(selector: string): Promise<void> {
    const el = await this.page.waitForSelector(selector, { timeout: 60_000 });
    await el!.click();
  }

  /** A screenshot of the element, as test-results/screenshots/`name`.png. */
  async shot(selector: string, name: string): Promise<void> {
    const el = await this.page.waitForSelector(selector, { timeout: 60_000 });
    await el!.screenshot({ path: join(SHOTS, `${name}.png`) });
  }

  private console(): string {
    return this.logs.slice(-40).join('\n');
  }
}
