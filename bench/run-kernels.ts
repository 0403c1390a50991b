// `npm run bench:kernels [-- --json out.json] [-- --only NAME]`: opens bench/kernels.html in headless
// Chrome (WebGPU; SwiftShader without a GPU), prints our GFLOP/s beside TF.js's per case, and writes
// the same as JSON with the adapter's info. Numbers from a software adapter say nothing about GPUs.

import { writeFileSync } from 'node:fs';
import { launchChrome, startVite } from '../scripts/browser.ts';
import type { CaseResult } from './cases.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const vite = await startVite();
const chrome = await launchChrome();
try {
  const page = await chrome.browser.newPage();
  page.on('console', (m) => process.stderr.write(`  [page] ${m.text()}\n`));
  const only = arg('only');
  await page.goto(`${vite.url}/bench/kernels.html${only ? `?only=${encodeURIComponent(only)}` : ''}`);
  // Poll rather than waitForFunction: a whole run on a software adapter outlasts CDP's call timeout.
  while (!(await page.evaluate(() => window.benchResult !== undefined))) await new Promise((r) => setTimeout(r, 1000));
  const result = (await page.evaluate(() => window.benchResult)) as
    | { adapter: Record<string, unknown>; results: CaseResult[] }
    | { error: string };
  if ('error' in result) throw new Error(`benchmark page failed: ${result.error}`);
  const rows = result.results.map(
    (r) =>
      `| ${r.name} | ${r.gflops.toFixed(2)} | ${r.tfjsGflops.toFixed(2)} | ${r.ratio.toFixed(2)}× | ${r.msOurs.toFixed(2)} | ${r.msTfjs.toFixed(2)} |`,
  );
  const a = result.adapter;
  console.log(
    `adapter: ${a.vendor} ${a.architecture} ${a.description} (${a.software ? 'software' : 'hardware'}), Chrome ${await chrome.browser.version()}`,
  );
  console.log('| case | ours GFLOP/s | TF.js GFLOP/s | ours/TF.js | ours ms | TF.js ms |');
  console.log('|---|---:|---:|---:|---:|---:|');
  console.log(rows.join('\n'));
  const json = arg('json');
  if (json) {
    writeFileSync(
      json,
      JSON.stringify({ date: new Date().toISOString(), browser: await chrome.browser.version(), ...result }, null, 2),
    );
    console.log(`wrote ${json}`);
  }
} finally {
  await chrome.close();
  await vite.server.close();
}
