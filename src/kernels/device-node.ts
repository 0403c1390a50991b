// Device acquisition in Node through Dawn (npm package `webgpu`), for the command line and the tests.
//
// Order of attempts: the machine's own Vulkan drivers (a real GPU), then Chromium's SwiftShader (a
// software Vulkan driver, ~1000× slower: correctness only). RLHF_ADAPTER=swiftshader skips the first;
// RLHF_ADAPTER=gpu forbids the second. When nothing works, the error lists every attempt.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Gpu } from './gpu.ts';
import { describeAdapter, requiredLimits } from './limits.ts';

const SWIFTSHADER_ICDS = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  '/opt/google/chrome/vk_swiftshader_icd.json',
];

export function findSwiftShaderIcd(): string | null {
  const fromChrome = process.env.CHROME_PATH ? [join(dirname(process.env.CHROME_PATH), 'vk_swiftshader_icd.json')] : [];
  return [...fromChrome, ...SWIFTSHADER_ICDS].find((p) => existsSync(p)) ?? null;
}

type Dawn = typeof import('webgpu');

async function tryAdapter(dawn: Dawn): Promise<{ adapter: GPUAdapter | null; navigatorGpu: GPU }> {
  const navigatorGpu = dawn.create([]);
  const adapter = await navigatorGpu.requestAdapter({ powerPreference: 'high-performance' });
  return { adapter, navigatorGpu };
}

export async function createNodeGpu(): Promise<Gpu> {
  const mode = process.env.RLHF_ADAPTER ?? 'auto';
  const tried: string[] = [];
  const icd = findSwiftShaderIcd();
  if (mode === 'swiftshader' && icd && !process.env.VK_ICD_FILENAMES) process.env.VK_ICD_FILENAMES = icd;

  let dawn: Dawn;
  try {
    dawn = await import('webgpu');
  } catch (e) {
    throw new Error(`cannot load Dawn (npm package "webgpu"): ${(e as Error).message}. Run npm install.`);
  }
  Object.assign(globalThis, dawn.globals);

  let { adapter, navigatorGpu } = await tryAdapter(dawn);
  tried.push(
    `Dawn with ${process.env.VK_ICD_FILENAMES ? `VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}` : 'the system Vulkan drivers'}: ${adapter ? 'ok' : 'no adapter'}`,
  );
  if (!adapter && mode !== 'gpu' && !process.env.VK_ICD_FILENAMES) {
    if (icd) {
      process.env.VK_ICD_FILENAMES = icd;
      ({ adapter, navigatorGpu } = await tryAdapter(dawn));
      tried.push(`Dawn with SwiftShader (${icd}): ${adapter ? 'ok' : 'no adapter'}`);
    } else {
      tried.push(
        `SwiftShader: no vk_swiftshader_icd.json in ${SWIFTSHADER_ICDS.join(', ')} (install Debian's chromium or set CHROME_PATH)`,
      );
    }
  }
  if (!adapter) {
    throw new Error(
      `no WebGPU adapter in Node. Tried:\n  - ${tried.join('\n  - ')}\n` +
        'Dawn needs libvulkan.so.1 (Debian: apt-get install libvulkan1) and a Vulkan driver: a GPU driver, or ' +
        "SwiftShader from Debian's chromium package (apt-get install chromium).",
    );
  }
  const device = await adapter.requestDevice({ label: 'rlhf-notebook', requiredLimits: requiredLimits(adapter) });
  const gpu = new Gpu(device, describeAdapter(adapter, 'node-dawn'));
  // Dawn's instance must stay referenced while the device lives, and be dropped after, or Node never exits.
  let keepAlive: GPU | null = navigatorGpu;
  device.lost.then(() => {
    keepAlive = null;
  });
  void keepAlive;
  return gpu;
}
