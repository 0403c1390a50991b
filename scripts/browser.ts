// Headless Chromium with WebGPU for the e2e tests and the kernel benchmark, and a Vite server for the
// pages they open. WebGPU needs a secure context, so pages are served from http://localhost.
// The browser is the system's: CHROME_PATH, else Debian's chromium, else Chrome. Missing → an error
// saying what to install (scripts/ensure-browser.sh installs it on Debian as root).

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer';
import { createServer, type ViteDevServer } from 'vite';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

export function findChrome(): string {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROME_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `no Chrome/Chromium found (looked at ${CANDIDATES.join(', ')}). Install one (Debian: apt-get install chromium) ` +
        'or set CHROME_PATH; `npm test` installs it itself when run as root on Debian.',
    );
  }
  return found;
}

export interface HeadlessChrome {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Launches headless Chromium with WebGPU on (SwiftShader when there is no GPU) and a fresh profile.
 * `webgpu: false` leaves the software adapter off, as on a machine whose GPU is blocklisted.
 */
export async function launchChrome({ webgpu = true } = {}): Promise<HeadlessChrome> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'rlhf-chrome-'));
  const browser = await puppeteer.launch({
    executablePath: findChrome(),
    headless: true,
    userDataDir,
    args: [
      '--no-sandbox',
      ...(webgpu ? ['--enable-unsafe-webgpu', '--enable-unsafe-swiftshader'] : ['--disable-gpu']),
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A Vite dev server for the repository on a free localhost port. `options` can give the server its own
 * dependency cache (`cacheDir`: two servers sharing one re-optimise each other's dependencies under the
 * pages they serve) and turn off hot reloading (`hmr: false`: a source file edited while a test runs must
 * not reload its page).
 */
export async function startVite(
  options: { cacheDir?: string; hmr?: boolean } = {},
): Promise<{ server: ViteDevServer; url: string }> {
  const server = await createServer({
    configFile: join(import.meta.dirname, '..', 'vite.config.ts'),
    logLevel: 'error',
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    server: { host: '127.0.0.1', port: 0, strictPort: false, ...(options.hmr === false ? { hmr: false } : {}) },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('vite did not report a port');
  return { server, url: `http://localhost:${address.port}` };
}
