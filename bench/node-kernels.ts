// `npm run bench:kernels:node [-- --json out.json] [-- --large]`: our kernels on Dawn in Node, on the
// machine's GPU (or SwiftShader), without a browser — for GPU machines that have no Chrome. Prints
// GFLOP/s per case with the adapter; --large adds 2048³ and 4096³ matmuls. TF.js needs a browser:
// the comparison with it is `npm run bench:kernels`.

import { writeFileSync } from 'node:fs';
import { createNodeGpu } from '../src/kernels/device-node.ts';
import type { Dispatch, Gpu } from '../src/kernels/gpu.ts';
import { attentionBackward, attentionForward } from '../src/kernels/attention.ts';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from '../src/kernels/matmul.ts';
import { randn } from '../src/util/random.ts';
import { CASES, flops, type Case } from './cases.ts';

function build(gpu: Gpu, c: Case): Dispatch[] {
  const t = (label: string, shape: number[]) =>
    gpu.tensor(
      label,
      shape,
      'f32',
      Float32Array.from(
        randn(
          shape.reduce((a, b) => a * b),
          1,
        ),
      ),
    );
  if (c.kind === 'matmul') {
    const { N, C, OC } = c;
    if (c.form === 'forward')
      return [matmulForward(gpu, t('out', [N, OC]), t('inp', [N, C]), t('w', [OC, C]), t('b', [OC]), N, C, OC)];
    if (c.form === 'backward_input')
      return [matmulBackwardInput(gpu, t('dinp', [N, C]), t('dout', [N, OC]), t('w', [OC, C]), N, C, OC)];
    return [matmulBackwardWeight(gpu, t('dw', [OC, C]), t('dout', [N, OC]), t('inp', [N, C]), N, C, OC)];
  }
  const { B, T, C, NH } = c;
  const qkv = t('qkv', [B, T, 3 * C]);
  const out = gpu.tensor('out', [B, T, C]);
  const lse = gpu.tensor('lse', [B, NH, T]);
  return [
    attentionForward(gpu, out, lse, qkv, null, B, T, C, NH),
    ...attentionBackward(gpu, t('dqkv', [B, T, 3 * C]), t('dout', [B, T, C]), qkv, out, lse, null, B, T, C, NH),
  ];
}

const large = process.argv.includes('--large');
const cases: Case[] = [
  ...CASES,
  ...(large
    ? [2048, 4096].map((n) => ({
        kind: 'matmul' as const,
        name: `square ${n}`,
        form: 'forward' as const,
        N: n,
        C: n,
        OC: n,
      }))
    : []),
  ...(large
    ? [{ kind: 'attention' as const, name: 'attention fwd+bwd gpt2 B=8 T=1024', B: 8, T: 1024, C: 768, NH: 12 }]
    : []),
];
const gpu = await createNodeGpu();
const a = gpu.adapter;
console.log(
  `adapter: ${a.vendor} ${a.architecture} ${a.device} ${a.description} (${a.software ? 'software' : 'hardware'}), ${a.runtime}`,
);
console.log('| case | GFLOP/s | ms |');
console.log('|---|---:|---:|');
const results = [];
for (const c of cases) {
  const ds = build(gpu, c);
  gpu.run(ds);
  await gpu.sync();
  let n = 0;
  const start = performance.now();
  while (n < 3 || performance.now() - start < (a.software ? 1500 : 400)) {
    for (let i = 0; i < (a.software ? 1 : 10); i++, n++) gpu.run(ds);
    await gpu.sync();
  }
  const ms = (performance.now() - start) / n;
  const gflops = flops(c) / ms / 1e6;
  results.push({ name: c.name, gflops, ms });
  console.log(`| ${c.name} | ${gflops.toFixed(1)} | ${ms.toFixed(3)} |`);
}
const json = process.argv.indexOf('--json');
if (json > 0)
  writeFileSync(
    process.argv[json + 1],
    JSON.stringify({ date: new Date().toISOString(), adapter: a, results }, null, 2),
  );
gpu.destroy();
