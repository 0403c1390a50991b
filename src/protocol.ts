// The only contract between the notebook's UI and its Worker: typed commands in, typed events out.
// The Worker owns the GPU; the UI never touches it.

import type { AdapterSummary } from './kernels/gpu.ts';
import type { CheckResult } from './kernels/selfcheck.ts';

export type Command =
  | { type: 'init' }
  | { type: 'self-check' };

export type WorkerEvent =
  | { type: 'ready'; adapter: AdapterSummary; limits: Record<string, number> }
  | { type: 'no-webgpu'; reason: string }
  | { type: 'self-check'; results: CheckResult[] }
  | { type: 'error'; command: Command['type']; message: string };
