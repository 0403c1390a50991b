// Runs in headless Chrome (bench/run-kernels.ts opens it): times our WGSL kernels and TF.js's WebGPU
// backend on the same page and adapter, case by case, and leaves the results on `window.benchResult`.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { createBrowserGpu } from '../src/kernels/device-browser.ts';
import type { Dispatch, Gpu } from '../src/kernels/gpu.ts';
import { attentionBackward, attentionForward } from '../src/kernels/attention.ts';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from '../src/kernels/matmul.ts';
import { randn } from '../src/util/random.ts';
import { CASES, flops, type Case, type CaseResult } from './cases.ts';

declare global {
  interface Window {
    benchResult?: { adapter: unknown; results: CaseResult[] } | { error: string };
  }
}

const log = (s: string) => {
  document.getElementById('log')!.textContent += `\n${s}`;
  console.log(s);
};

/** Mean milliseconds per call of `step`, after a warm-up, over at least `minMs` and 3 calls. */
async function time(step: () => void, done: () => Promise<void>, minMs = 1500): Promise<number> {
  step();
  await done();
  let n = 0;
  const start = performance.now();
  while (n < 3 || performance.now() - start < minMs) {
    step();
    n++;
    if (n % 4 === 0 || n >= 3) await done();
  }
  await done();
  return (performance.now() - start) / n;
}

function ours(gpu: Gpu, c: Case): Dispatch[] {
  if (c.kind === 'matmul') {
    const { N, C, OC } = c;
    const t = (label: string, shape: number[]) =>
      gpu.tensor(
        label,
        shape,
        'f32',
        Float32Array.from(
          randn(
            shape.reduce((a, b) => a * b),
            shape.length + shape[0],
          ),
        ),
      );
    if (c.form === 'forward')
      return [matmulForward(gpu, t('out', [N, OC]), t('inp', [N, C]), t('w', [OC, C]), t('b', [OC]), N, C, OC)];
    if (c.form === 'backward_input')
      return [matmulBackwardInput(gpu, t('dinp', [N, C]), t('dout', [N, OC]), t('w', [OC, C]), N, C, OC)];
    return [matmulBackwardWeight(gpu, t('dw', [OC, C]), t('dout', [N, OC]), t('inp', [N, C]), N, C, OC)];
  }
  const { B, T, C, NH } = c;
  const qkv = gpu.tensor('qkv', [B, T, 3 * C], 'f32', Float32Array.from(randn(B * T * 3 * C, 5)));
  const out = gpu.tensor('out', [B, T, C]);
  const lse = gpu.tensor('lse', [B, NH, T]);
  const dout = gpu.tensor('dout', [B, T, C], 'f32', Float32Array.from(randn(B * T * C, 6)));
  const dqkv = gpu.tensor('dqkv', [B, T, 3 * C]);
  return [
    attentionForward(gpu, out, lse, qkv, null, B, T, C, NH),
    ...attentionBackward(gpu, dqkv, dout, qkv, out, lse, null, B, T, C, NH),
  ];
}

function tfjs(c: Case): () => tf.Tensor {
  if (c.kind === 'matmul') {
    const { N, C, OC } = c;
    if (c.form === 'forward') {
      const x = tf.randomNormal([N, C]);
      const w = tf.randomNormal([OC, C]);
      const b = tf.randomNormal([OC]);
      return () => tf.tidy(() => tf.add(tf.matMul(x, w, false, true), b));
    }
    if (c.form === 'backward_input') {
      const dout = tf.randomNormal([N, OC]);
      const w = tf.randomNormal([OC, C]);
      return () => tf.matMul(dout, w);
    }
    const dout = tf.randomNormal([N, OC]);
    const x = tf.randomNormal([N, C]);
    return () => tf.matMul(dout, x, true, false);
  }
  // Attention composed from TF.js ops: scores, causal mask, softmax, weighted sum; backward by tf.grads.
  const { B, T, C, NH } = c;
  const hs = C / NH;
  const q = tf.randomNormal([B * NH, T, hs]);
  const k = tf.randomNormal([B * NH, T, hs]);
  const v = tf.randomNormal([B * NH, T, hs]);
  const dout = tf.randomNormal([B * NH, T, hs]);
  const mask = tf.mul(tf.sub(tf.linalg.bandPart(tf.ones([T, T]), -1, 0), 1), 1e9);
  const attend = (qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) =>
    tf.matMul(tf.softmax(tf.add(tf.mul(tf.matMul(qq, kk, false, true), 1 / Math.sqrt(hs)), mask)), vv);
  const grads = tf.grads((qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) => attend(qq, kk, vv) as tf.Tensor);
  return () => tf.tidy(() => tf.stack(grads([q, k, v], dout)));
}

async function main(): Promise<void> {
  const gpu = await createBrowserGpu();
  await tf.setBackend('webgpu');
  await tf.ready();
  log(`adapter: ${JSON.stringify(gpu.adapter)}`);
  const only = new URLSearchParams(location.search).get('only');
  const results: CaseResult[] = [];
  for (const c of CASES.filter((x) => !only || x.name.includes(only))) {
    const dispatches = ours(gpu, c);
    const msOurs = await time(
      () => gpu.run(dispatches),
      () => gpu.sync(),
    );
    const fn = tfjs(c);
    let last: tf.Tensor | null = null;
    const msTfjs = await time(
      () => {
        last?.dispose();
        last = fn();
      },
      async () => {
        if (last) await last.data();
      },
    );
    const gflops = flops(c) / msOurs / 1e6;
    const tfjsGflops = flops(c) / msTfjs / 1e6;
    results.push({ name: c.name, gflops, tfjsGflops, ratio: gflops / tfjsGflops, msOurs, msTfjs });
    log(
      `${c.name}: ours ${gflops.toFixed(2)} GFLOP/s (${msOurs.toFixed(2)} ms), tfjs ${tfjsGflops.toFixed(2)} GFLOP/s (${msTfjs.toFixed(2)} ms)`,
    );
  }
  window.benchResult = { adapter: gpu.adapter, results };
}

main().catch((e: unknown) => {
  window.benchResult = { error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) };
});
