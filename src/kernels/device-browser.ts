// Device acquisition in Chrome, in a page or a Web Worker (navigator.gpu exists in both).

import { Gpu } from './gpu.ts';
import { describeAdapter, requiredLimits } from './limits.ts';

/** Why WebGPU is missing here, in words a user can act on; null when it is available. */
export function webgpuMissingReason(): string | null {
  if (typeof navigator === 'undefined' || !('gpu' in navigator)) {
    const secure = typeof isSecureContext === 'undefined' || isSecureContext;
    return secure
      ? "This browser has no WebGPU (navigator.gpu is undefined). Use Chrome or Chromium 113 or later, or enable WebGPU in your browser's flags."
      : 'WebGPU needs a secure context: open the notebook from https:// or http://localhost, not from a file or a plain-http address.';
  }
  return null;
}

export async function createBrowserGpu(): Promise<Gpu> {
  const missing = webgpuMissingReason();
  if (missing) throw new Error(missing);
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new Error(
      'navigator.gpu.requestAdapter() returned no adapter: the GPU may be blocklisted or disabled. ' +
        'Check chrome://gpu, update the driver, or start Chrome with --enable-unsafe-webgpu.',
    );
  }
  const device = await adapter.requestDevice({ label: 'rlhf-notebook', requiredLimits: requiredLimits(adapter) });
  return new Gpu(device, describeAdapter(adapter, 'browser'));
}
