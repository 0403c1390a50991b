// Which limits to ask the adapter for. WebGPU's defaults (128 MiB per storage binding, 16 KiB of
// workgroup memory) are enough for every preset but `gpt2`, whose 50257×768 token embedding alone is
// 154 MB; we ask for more only where the adapter reports it has more.

export function requiredLimits(adapter: GPUAdapter): Record<string, number> {
  const want: Record<string, number> = {};
  const a = adapter.limits;
  for (const name of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize'] as const) {
    want[name] = a[name];
  }
  return want;
}

export function describeAdapter(adapter: GPUAdapter, runtime: string) {
  const info = adapter.info;
  const software =
    /swiftshader|llvmpipe|lavapipe/i.test(`${info.architecture} ${info.description} ${info.device}`) ||
    Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter);
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    runtime,
    software,
  };
}
