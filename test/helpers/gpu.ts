// The GPU every test in test/gpu runs on: Dawn in Node, the real GPU where there is one, else SwiftShader.
// A missing adapter fails the test file with the list of what was tried; no GPU test is ever skipped.

import { afterAll } from 'vitest';
import { createNodeGpu } from '../../src/kernels/device-node.ts';
import type { Gpu, Tensor } from '../../src/kernels/gpu.ts';

let shared: Promise<Gpu> | null = null;

/** One device per test file, destroyed when the file's tests are done. */
export function testGpu(): Promise<Gpu> {
  if (!shared) {
    shared = createNodeGpu();
    afterAll(async () => {
      (await shared!).destroy();
      shared = null;
    });
  }
  return shared;
}

export async function readF64(gpu: Gpu, t: Tensor): Promise<Float64Array> {
  return Float64Array.from(await gpu.read(t));
}
