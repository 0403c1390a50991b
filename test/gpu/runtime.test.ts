// The GPU runtime's promises: cached pipelines, reused buffers, counted dispatches/submits/reads,
// errors that name the kernel, a lost device reported as such, and a clear error when there is no adapter.

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createNodeGpu } from '../../src/kernels/device-node.ts';
import { GpuLostError, KernelError, grid1d, kernel } from '../../src/kernels/gpu.ts';
import { matmulForward } from '../../src/kernels/matmul.ts';
import { testGpu } from '../helpers/gpu.ts';

const SCALE = kernel(
  'scale_test',
  /* wgsl */ `
override N: u32;
override FACTOR: f32 = 2.0;
@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i < N) { x[i] = x[i] * FACTOR; }
}`,
);

describe('GPU runtime', () => {
  it('reports the adapter it runs on', async () => {
    const gpu = await testGpu();
    expect(gpu.adapter.runtime).toBe('node-dawn');
    expect(gpu.adapter.vendor.length + gpu.adapter.architecture.length).toBeGreaterThan(0);
  });

  it('caches pipelines by kernel and constants, and prepares them up front', async () => {
    const gpu = await testGpu();
    await gpu.prepare([
      [SCALE, { N: 10 }],
      [SCALE, { N: 10, FACTOR: 3 }],
    ]);
    const before = gpu.counters.pipelines;
    await gpu.prepare([[SCALE, { N: 10 }]]);
    const x = gpu.tensor('x', [10]);
    gpu.dispatch(SCALE, { N: 10 }, [x], [1]);
    gpu.dispatch(SCALE, { FACTOR: 3, N: 10 }, [x], [1]);
    expect(gpu.counters.pipelines).toBe(before);
    gpu.dispatch(SCALE, { N: 11 }, [x], [1]);
    expect(gpu.counters.pipelines).toBe(before + 1);
  });

  it('replays dispatches without allocating and counts dispatches, submits and reads', async () => {
    const gpu = await testGpu();
    const n = 100;
    const x = gpu.tensor(
      'x',
      [n],
      'f32',
      Array.from({ length: n }, (_, i) => i),
    );
    const step = [
      gpu.dispatch(SCALE, { N: n }, [x], grid1d(n, 64)),
      gpu.dispatch(SCALE, { N: n, FACTOR: 0.5 }, [x], grid1d(n, 64)),
    ];
    await gpu.read(x); // the first read allocates its staging buffer
    gpu.resetCounters();
    const buffers = gpu.counters.buffers;
    for (let i = 0; i < 5; i++) gpu.run(step);
    const out = await gpu.read(x);
    expect(gpu.counters).toMatchObject({ dispatches: 10, submits: 6, reads: 1, buffers });
    expect(Array.from(out.slice(0, 4))).toEqual([0, 1, 2, 3]);
  });

  it('folds large 1-D launches into two dimensions', () => {
    expect(grid1d(10, 64)).toEqual([1, 1, 1]);
    const [x, y] = grid1d(65535 * 256 + 1, 256);
    expect(x).toBeLessThanOrEqual(65535);
    expect(x * y * 256).toBeGreaterThanOrEqual(65535 * 256 + 1);
  });

  it('names the kernel and the WGSL line when a shader does not compile', async () => {
    const gpu = await testGpu();
    const broken = kernel(
      'broken_kernel',
      '@compute @workgroup_size(1)\nfn main() {\n  let x: f32 = undefined_thing;\n}',
    );
    await expect(gpu.prepare([[broken, {}]])).rejects.toThrow(
      /broken_kernel: WGSL does not compile\n\s+broken_kernel\.wgsl:3:/,
    );
  });

  it('reports the WGSL error, not the bind group, when a kernel compiled on first dispatch is broken', async () => {
    const gpu = await testGpu();
    const broken = kernel(
      'broken_on_dispatch',
      '@group(0) @binding(0) var<storage, read_write> x: array<f32>;\n@compute @workgroup_size(1)\nfn main() {\n  x[0] = nope;\n}',
    );
    const x = gpu.tensor('x', [4]);
    gpu.dispatch(broken, {}, [x], [1]);
    await expect(gpu.sync()).rejects.toThrow(/broken_on_dispatch\(\)[\s\S]*broken_on_dispatch\.wgsl:4:/);
    await gpu.sync();
  });

  it('names the kernel when a launch fails validation', async () => {
    const gpu = await testGpu();
    const x = gpu.tensor('x', [4]);
    const d = gpu.dispatch(SCALE, { N: 4 }, [x], [1]);
    const foreign = (await createNodeGpu()).device; // a bind group from another device is invalid here
    const bad = {
      ...d,
      bindGroup: foreign.createBindGroup({ layout: foreign.createBindGroupLayout({ entries: [] }), entries: [] }),
    };
    gpu.run([bad]);
    await expect(gpu.sync()).rejects.toThrow(/scale_test/);
    foreign.destroy();
    await gpu.sync(); // the error was reported once; the device is still usable
  });

  it('refuses bad workgroup counts and shapes with the kernel name', async () => {
    const gpu = await testGpu();
    const x = gpu.tensor('x', [4]);
    expect(() => gpu.dispatch(SCALE, { N: 4 }, [x], [0])).toThrow(KernelError);
    expect(() => gpu.dispatch(SCALE, { N: 4 }, [x], [70000])).toThrow(/scale_test: workgroup count/);
    expect(() => gpu.tensor('bad', [2, -1])).toThrow(/tensor bad: bad shape/);
    expect(() => gpu.write(x, [1, 2, 3, 4, 5])).toThrow(/write to x\[4\]/);
  });

  it('reports a lost device as GpuLostError', async () => {
    const gpu = await createNodeGpu();
    const x = gpu.tensor('x', [4]);
    gpu.device.destroy();
    await gpu.device.lost;
    expect(() => matmulForward(gpu, x, x, x, null, 2, 2, 2)).toThrow();
    await expect(gpu.read(x)).rejects.toThrow(GpuLostError);
  });

  it('lists what it tried when no adapter can be found', () => {
    const script = `import { createNodeGpu } from './src/kernels/device-node.ts';
      createNodeGpu().then(() => console.log('found'), (e) => console.log(e.message));`;
    const out = execFileSync('npx', ['tsx', '-e', script], {
      env: { ...process.env, RLHF_ADAPTER: 'gpu', VK_ICD_FILENAMES: '/nonexistent/icd.json' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out).toMatch(
      /no WebGPU adapter in Node\. Tried:\n\s+- Dawn with VK_ICD_FILENAMES=\/nonexistent\/icd\.json: no adapter/,
    );
  });
});

describe('tensor views into one allocation', () => {
  it('read, write and bind a view at its offset without touching its neighbours', async () => {
    const gpu = await testGpu();
    const packed = gpu.tensor(
      'params',
      [200],
      'f32',
      Array.from({ length: 200 }, (_, i) => i),
    );
    const a = gpu.view(packed, 'a', 64, [10]);
    expect(Array.from(await gpu.read(a))).toEqual(Array.from({ length: 10 }, (_, i) => 64 + i));
    gpu.write(a, [1, 2, 3]);
    gpu.run([gpu.dispatch(SCALE, { N: 10 }, [a], [1])]);
    const all = await gpu.read(packed);
    expect(Array.from(all.slice(62, 76))).toEqual([
      62,
      63,
      2,
      4,
      6,
      67 * 2,
      68 * 2,
      69 * 2,
      70 * 2,
      71 * 2,
      72 * 2,
      73 * 2,
      74,
      75,
    ]);
    expect(() => gpu.view(packed, 'odd', 3, [4])).toThrow(/view odd: offset 3 is not a multiple of 64 elements/);
    expect(() => gpu.view(packed, 'long', 128, [100])).toThrow(/view long\[100\] at 128 overruns params\[200\]/);
  });
});
