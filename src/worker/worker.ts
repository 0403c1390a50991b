// The Web Worker that owns the GPU: a thin switch from commands to the compute code.

import { createBrowserGpu, webgpuMissingReason } from '../kernels/device-browser.ts';
import type { Gpu } from '../kernels/gpu.ts';
import { selfCheck } from '../kernels/selfcheck.ts';
import type { Command, WorkerEvent } from '../protocol.ts';

let gpu: Gpu | null = null;

function post(event: WorkerEvent): void {
  self.postMessage(event);
}

async function handle(command: Command): Promise<void> {
  switch (command.type) {
    case 'init': {
      const missing = webgpuMissingReason();
      if (missing) return post({ type: 'no-webgpu', reason: missing });
      try {
        gpu ??= await createBrowserGpu();
      } catch (e) {
        return post({ type: 'no-webgpu', reason: (e as Error).message });
      }
      const limits: Record<string, number> = {};
      for (const key of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup'] as const) {
        limits[key] = gpu.limits[key];
      }
      return post({ type: 'ready', adapter: gpu.adapter, limits });
    }
    case 'self-check': {
      if (!gpu) throw new Error('self-check before init');
      return post({ type: 'self-check', results: await selfCheck(gpu) });
    }
  }
}

self.onmessage = (message: MessageEvent<Command>) => {
  handle(message.data).catch((e: unknown) =>
    post({ type: 'error', command: message.data.type, message: e instanceof Error ? e.message : String(e) }),
  );
};
