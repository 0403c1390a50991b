// `rlhf info [--json]`: which adapter the command line runs on, and its limits.

import { createNodeGpu } from '../kernels/device-node.ts';
import { parseArgs } from './args.ts';

const LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

export async function info(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { json: { type: 'flag' } }, 'info');
  const gpu = await createNodeGpu();
  const limits = Object.fromEntries(LIMITS.map((k) => [k, gpu.limits[k]]));
  const features = [...gpu.device.features].sort();
  if (args.json) process.stdout.write(`${JSON.stringify({ adapter: gpu.adapter, limits, features }, null, 2)}\n`);
  else {
    const a = gpu.adapter;
    process.stdout.write(`adapter: ${a.vendor} ${a.architecture} ${a.device} — ${a.description} (${a.runtime})\n`);
    if (a.software) process.stdout.write('  a software adapter: correct, but about 1000× slower than a GPU\n');
    for (const [k, v] of Object.entries(limits)) process.stdout.write(`  ${k.padEnd(36)} ${v}\n`);
    process.stdout.write(`  features: ${features.join(', ')}\n`);
  }
  gpu.destroy();
}
