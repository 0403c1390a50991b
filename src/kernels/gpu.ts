// The GPU runtime everything above it runs on, in a page, a Web Worker and Node (Dawn).
//
// A kernel is one WGSL file with an entry point `main`, specialised by `override` constants (the
// dimensions). The runtime owns:
//   - a pipeline cache keyed by kernel name + constants, filled up front by `prepare`;
//   - tensors: labelled storage buffers allocated once by their owner and reused every step;
//   - dispatches: a pipeline + bind group + workgroup count, built once, replayed by `run` as one
//     compute pass and one submit;
//   - error reporting: every pipeline and every submit runs inside a validation error scope, and a
//     failure is re-thrown with the kernel's name (and, for WGSL, the line the compiler complained of);
//   - counters of dispatches, submits, GPU→CPU reads, buffers and pipelines, for tests and benchmarks;
//   - ownership of GPU memory: `scope(label)` gives an owner (a trainer, a model, a sampler) a child `Gpu` that
//     records every buffer it and its own scopes create, and `dispose()` destroys them. The device, the pipeline
//     cache and the counters are shared by the whole tree; `counters.liveBuffers` / `liveBytes` are what is
//     allocated and not yet destroyed, on the whole device.
//
// Nothing here imports Node or the DOM: device acquisition lives in device-node.ts / device-browser.ts.

export type DType = 'f32' | 'u32' | 'i32';
export type Constants = Readonly<Record<string, number>>;
export type TypedArray = Float32Array | Uint32Array | Int32Array;

/** One WGSL compute shader (entry point `main`) and the name it is reported under. */
export interface Kernel {
  readonly name: string;
  readonly code: string;
}

export function kernel(name: string, code: string): Kernel {
  return { name, code };
}

/** What a run reports about the adapter it used. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** 'node-dawn' or 'browser' */
  runtime: string;
  /** True when the adapter is a software rasteriser (SwiftShader): correctness only, never timings. */
  software: boolean;
}

export interface GpuCounters {
  dispatches: number;
  submits: number;
  reads: number;
  /** Buffers and bytes ever created on the device. */
  buffers: number;
  bytes: number;
  /** Buffers and bytes created and not yet destroyed (what the device holds now). */
  liveBuffers: number;
  liveBytes: number;
  pipelines: number;
}

/** A failure of a kernel launch: bad arguments, a WGSL compile error, a validation error. */
export class KernelError extends Error {
  override name = 'KernelError';
}

/** The GPU device was lost (driver reset, tab in the background too long, `destroy`). */
export class GpuLostError extends Error {
  override name = 'GpuLostError';
}

/** A labelled GPU buffer with a shape. Owned by whoever allocated it; reused, never reallocated per step. */
export class Tensor {
  constructor(
    readonly buffer: GPUBuffer,
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly label: string,
    readonly uniform = false,
    /** Where this tensor starts inside `buffer` (views into one packed allocation). */
    readonly byteOffset = 0,
  ) {}

  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Bytes bound for this tensor: its elements rounded up to whole 16-byte words (min 16). */
  get byteLength(): number {
    return Math.max(16, Math.ceil((this.numel * 4) / 16) * 16);
  }

  toString(): string {
    return `${this.label}[${this.shape.join(',')}]`;
  }
}

/** One recorded kernel launch: replayed by `Gpu.run` without allocating anything. */
export interface Dispatch {
  readonly kernel: string;
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  readonly workgroups: readonly [number, number, number];
}

export const MAX_WORKGROUPS_PER_DIM = 65535;

/**
 * Workgroup counts for `n` invocations in workgroups of `size`, folded into a second dimension
 * when one would exceed the per-dimension limit. Shaders recover the flat index as
 * `gid.x + gid.y * nwg.x * WG` (see `flat_index` in the WGSL files).
 */
export function grid1d(n: number, size: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(n / size));
  if (groups <= MAX_WORKGROUPS_PER_DIM) return [groups, 1, 1];
  const y = Math.ceil(groups / MAX_WORKGROUPS_PER_DIM);
  return [Math.ceil(groups / y), y, 1];
}

function constantsKey(constants: Constants): string {
  return Object.keys(constants)
    .sort()
    .map((k) => `${k}=${constants[k]}`)
    .join(',');
}

/** What every scope of one device shares: caches, the error state, the counters. */
class DeviceState {
  readonly counters: GpuCounters = {
    dispatches: 0,
    submits: 0,
    reads: 0,
    buffers: 0,
    bytes: 0,
    liveBuffers: 0,
    liveBytes: 0,
    pipelines: 0,
  };
  readonly pipelines = new Map<string, GPUComputePipeline>();
  readonly valueBlocks = new Map<string, Tensor>();
  readonly staging = new Map<number, GPUBuffer[]>();
  readonly pending: Promise<void>[] = [];
  failure: Error | null = null;
  failureOrder = 0;
  order = 0;
  lostReason: string | null = null;
  placeholder: Tensor | null = null;
}

export class Gpu {
  readonly counters: GpuCounters;
  private readonly state: DeviceState;
  /** The scope that made this one (null for the device's root), and the scopes made from this one. */
  private readonly parent: Gpu | null;
  private readonly children = new Set<Gpu>();
  /** Buffers this scope created (not its children's), with their sizes. */
  private readonly owned = new Map<GPUBuffer, number>();
  private disposed = false;

  constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterSummary,
    /** What this scope owns, for messages ('device' for the root). */
    readonly label = 'device',
    parent: Gpu | null = null,
  ) {
    this.parent = parent;
    this.state = parent ? parent.state : new DeviceState();
    this.counters = this.state.counters;
    if (parent) return;
    device.lost.then((info) => {
      this.state.lostReason = `${info.reason ?? 'unknown'}: ${info.message}`;
    });
    device.addEventListener('uncapturederror', (event) => {
      const error = (event as GPUUncapturedErrorEvent).error;
      this.fail(new KernelError(`uncaptured GPU error: ${error.message}`));
    });
  }

  // ---- ownership -------------------------------------------------------------------------------

  /**
   * A child owner: allocations made through it (and through scopes made from it) are destroyed by its `dispose()`.
   * Pipelines, counters and the error state stay shared with the whole device.
   */
  scope(label: string): Gpu {
    this.throwIfDisposed(`scope ${label}`);
    const child = new Gpu(this.device, this.adapter, label, this);
    this.children.add(child);
    return child;
  }

  /** Bytes held by buffers this scope and its child scopes created and have not destroyed. */
  get ownedBytes(): number {
    let bytes = 0;
    for (const size of this.owned.values()) bytes += size;
    for (const child of this.children) bytes += child.ownedBytes;
    return bytes;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * Destroys every buffer this scope and its child scopes created; the scope can allocate nothing after. Tensors
   * of a disposed scope must not be used again (a dispatch that binds one fails validation). Idempotent.
   */
  dispose(): void {
    if (this.disposed) return;
    for (const child of [...this.children]) child.dispose();
    for (const [buffer, size] of this.owned) {
      buffer.destroy();
      this.counters.liveBuffers--;
      this.counters.liveBytes -= size;
    }
    this.owned.clear();
    this.disposed = true;
    this.parent?.children.delete(this);
  }

  /** A 4-element placeholder bound where a kernel's optional input is absent (e.g. no bias). */
  get placeholder(): Tensor {
    this.state.placeholder ??= this.root.tensor('placeholder', [4]);
    return this.state.placeholder;
  }

  /** The device's root scope: owner of what every scope shares (the placeholder, value blocks, staging). */
  private get root(): Gpu {
    let g: Gpu = this;
    while (g.parent) g = g.parent;
    return g;
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  // ---- tensors ---------------------------------------------------------------------------------

  /** A storage tensor, zero-filled or initialised from `data`. */
  tensor(label: string, shape: readonly number[], dtype: DType = 'f32', data?: ArrayLike<number>): Tensor {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new KernelError(`tensor ${label}: bad shape [${shape.join(',')}]`);
    }
    const numel = shape.reduce((a, b) => a * b, 1);
    const bytes = Math.max(16, Math.ceil((numel * 4) / 16) * 16);
    if (bytes > this.device.limits.maxStorageBufferBindingSize) {
      throw new KernelError(
        `tensor ${label}[${shape.join(',')}] needs ${bytes} bytes; this adapter binds at most ` +
          `${this.device.limits.maxStorageBufferBindingSize} bytes per storage buffer`,
      );
    }
    const buffer = this.createBuffer(
      label,
      bytes,
      GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    );
    const t = new Tensor(buffer, shape, dtype, label);
    if (data) this.write(t, data);
    return t;
  }

  /**
   * A view of `numel(shape)` elements of `parent` starting at element `offset`, sharing its memory
   * (llm.c's one allocation for all parameters). The offset must meet the adapter's storage-buffer
   * offset alignment (256 bytes = 64 floats by default).
   */
  view(parent: Tensor, label: string, offset: number, shape: readonly number[]): Tensor {
    const numel = shape.reduce((a, b) => a * b, 1);
    const byteOffset = parent.byteOffset + offset * 4;
    const align = this.device.limits.minStorageBufferOffsetAlignment;
    if (byteOffset % align !== 0)
      throw new KernelError(`view ${label}: offset ${offset} is not a multiple of ${align / 4} elements`);
    if (offset + numel > parent.numel)
      throw new KernelError(`view ${label}[${shape.join(',')}] at ${offset} overruns ${parent}`);
    return new Tensor(parent.buffer, shape, parent.dtype, label, false, byteOffset);
  }

  /** A small uniform block of `words` 32-bit values, rewritten with `writeUniform` (no allocation). */
  uniform(label: string, words: number): Tensor {
    const bytes = Math.max(16, Math.ceil((words * 4) / 16) * 16);
    const buffer = this.createBuffer(label, bytes, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    return new Tensor(buffer, [words], 'u32', label, true);
  }

  /**
   * A uniform block holding `values` (u32), shared by every dispatch that passes the same list: sizes and
   * switches a kernel reads at run time rather than as pipeline-overridable constants, so that one compiled
   * pipeline serves every shape (a pipeline per shape costs seconds to compile on a software adapter, and
   * startup time in the browser on any GPU). Never rewritten: the dispatches built with it are replayed.
   */
  uniformValues(values: readonly number[]): Tensor {
    const key = values.join(',');
    let t = this.state.valueBlocks.get(key);
    if (!t) {
      for (const v of values) {
        if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
          throw new KernelError(`uniformValues [${key}]: ${v} is not a u32`);
      }
      t = this.root.uniform(`values ${key}`, values.length);
      this.writeUniform(
        t,
        values.map((v) => [v, 'u32'] as const),
      );
      this.state.valueBlocks.set(key, t);
    }
    return t;
  }

  /** Writes `data` into `t`, converting to its dtype. Ordered before the next `run`. */
  write(t: Tensor, data: ArrayLike<number>, offsetElements = 0): void {
    if (data.length + offsetElements > t.numel) {
      throw new KernelError(`write to ${t}: ${data.length} values at offset ${offsetElements} do not fit`);
    }
    const typed = toTyped(t.dtype, data);
    this.device.queue.writeBuffer(
      t.buffer,
      t.byteOffset + offsetElements * 4,
      typed.buffer,
      typed.byteOffset,
      typed.byteLength,
    );
  }

  /** Writes a uniform block given as a mix of u32 and f32 fields, in declaration order. */
  writeUniform(t: Tensor, fields: readonly (readonly [number, 'u32' | 'f32' | 'i32'])[]): void {
    const words = new ArrayBuffer(fields.length * 4);
    const view = new DataView(words);
    fields.forEach(([value, type], i) => {
      if (type === 'f32') view.setFloat32(i * 4, value, true);
      else if (type === 'i32') view.setInt32(i * 4, value, true);
      else view.setUint32(i * 4, value, true);
    });
    this.device.queue.writeBuffer(t.buffer, 0, words);
  }

  /** Sets every element of `t` to zero, inside the next submit's order. */
  zero(t: Tensor): void {
    const encoder = this.device.createCommandEncoder({ label: `zero ${t.label}` });
    encoder.clearBuffer(t.buffer, t.byteOffset, t.byteLength);
    this.device.queue.submit([encoder.finish()]);
    this.counters.submits++;
  }

  /** Copies the contents of `t` back to the CPU. The one GPU→CPU path, and it is counted. */
  async read(t: Tensor): Promise<TypedArray> {
    this.throwIfBroken();
    const bytes = t.byteLength;
    const pool = this.state.staging.get(bytes) ?? [];
    this.state.staging.set(bytes, pool);
    const staging =
      pool.pop() ??
      this.root.createBuffer(`staging ${bytes}B`, bytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    const encoder = this.device.createCommandEncoder({ label: `read ${t.label}` });
    encoder.copyBufferToBuffer(t.buffer, t.byteOffset, staging, 0, bytes);
    this.device.queue.submit([encoder.finish()]);
    this.counters.submits++;
    this.counters.reads++;
    try {
      await staging.mapAsync(GPUMapMode.READ);
    } catch (e) {
      this.throwIfBroken();
      throw new KernelError(`reading ${t}: ${(e as Error).message}`);
    }
    const copy = staging.getMappedRange().slice(0, t.numel * 4);
    staging.unmap();
    pool.push(staging);
    await this.checkErrors();
    return t.dtype === 'f32'
      ? new Float32Array(copy)
      : t.dtype === 'u32'
        ? new Uint32Array(copy)
        : new Int32Array(copy);
  }

  // ---- pipelines and dispatches ----------------------------------------------------------------

  /**
   * Compiles the pipelines for `(kernel, constants)` pairs up front, reporting WGSL errors with the
   * kernel's name and line. Pipelines are cached, so preparing twice is free.
   */
  async prepare(entries: readonly (readonly [Kernel, Constants])[]): Promise<void> {
    await Promise.all(
      entries.map(async ([k, constants]) => {
        const key = `${k.name}|${constantsKey(constants)}`;
        if (this.state.pipelines.has(key)) return;
        this.device.pushErrorScope('validation');
        const module = this.device.createShaderModule({ label: k.name, code: k.code });
        const scoped = this.device.popErrorScope();
        await this.throwCompileErrors(k, module);
        const error = await scoped;
        if (error) throw new KernelError(`${k.name}: ${error.message}`);
        try {
          const pipeline = await this.device.createComputePipelineAsync({
            label: `${k.name}(${constantsKey(constants)})`,
            layout: 'auto',
            compute: { module, entryPoint: 'main', constants: { ...constants } },
          });
          this.state.pipelines.set(key, pipeline);
          this.counters.pipelines++;
        } catch (e) {
          throw new KernelError(
            `${k.name} (${constantsKey(constants)}): pipeline creation failed: ${(e as Error).message}`,
          );
        }
      }),
    );
  }

  /** The cached pipeline, created synchronously on a miss (errors surface at the next check). */
  pipeline(k: Kernel, constants: Constants): GPUComputePipeline {
    const key = `${k.name}|${constantsKey(constants)}`;
    const cached = this.state.pipelines.get(key);
    if (cached) return cached;
    const label = `${k.name}(${constantsKey(constants)})`;
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ label: k.name, code: k.code });
    const pipeline = this.device.createComputePipeline({
      label,
      layout: 'auto',
      compute: { module, entryPoint: 'main', constants: { ...constants } },
    });
    this.watch(label, this.device.popErrorScope(), () => this.compileMessages(module));
    this.state.pipelines.set(key, pipeline);
    this.counters.pipelines++;
    return pipeline;
  }

  /**
   * Records a launch of `k`: binding i of group 0 is `bindings[i]`. Building the bind group here, once,
   * is what lets a training step replay its dispatches without allocating.
   */
  dispatch(k: Kernel, constants: Constants, bindings: readonly Tensor[], workgroups: readonly number[]): Dispatch {
    this.throwIfBroken();
    const [x, y = 1, z = 1] = workgroups;
    for (const w of [x, y, z]) {
      if (!Number.isInteger(w) || w < 1 || w > this.device.limits.maxComputeWorkgroupsPerDimension) {
        throw new KernelError(`${k.name}: workgroup count [${x},${y},${z}] is outside the adapter's limits`);
      }
    }
    const pipeline = this.pipeline(k, constants);
    this.device.pushErrorScope('validation');
    const bindGroup = this.device.createBindGroup({
      label: `${k.name}: ${bindings.map(String).join(' ')}`,
      layout: pipeline.getBindGroupLayout(0),
      entries: bindings.map((t, i) => ({
        binding: i,
        resource: { buffer: t.buffer, offset: t.byteOffset, size: t.byteLength },
      })),
    });
    this.watch(`${k.name} bind group (${bindings.map(String).join(', ')})`, this.device.popErrorScope());
    return { kernel: k.name, pipeline, bindGroup, workgroups: [x, y, z] };
  }

  /** Replays `dispatches` in order as one compute pass and one submit. */
  run(dispatches: readonly Dispatch[], label = dispatches.map((d) => d.kernel).join(',')): void {
    this.throwIfBroken();
    this.device.pushErrorScope('validation');
    const encoder = this.device.createCommandEncoder({ label });
    const pass = encoder.beginComputePass({ label });
    for (const d of dispatches) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
    }
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    this.watch(`run [${label}]`, this.device.popErrorScope());
    this.counters.dispatches += dispatches.length;
    this.counters.submits++;
  }

  /** Waits for submitted work and throws the first error any kernel reported. */
  async sync(): Promise<void> {
    this.throwIfBroken();
    await this.device.queue.onSubmittedWorkDone();
    await this.checkErrors();
  }

  resetCounters(): void {
    Object.assign(this.counters, { dispatches: 0, submits: 0, reads: 0 });
  }

  /** Destroys the device itself (every scope's buffers with it). */
  destroy(): void {
    this.root.dispose();
    this.state.staging.clear();
    this.state.pipelines.clear();
    this.state.valueBlocks.clear();
    this.state.placeholder = null;
    this.device.destroy();
  }

  // ---- internals -------------------------------------------------------------------------------

  private createBuffer(label: string, size: number, usage: GPUBufferUsageFlags): GPUBuffer {
    this.throwIfBroken();
    this.throwIfDisposed(label);
    const buffer = this.device.createBuffer({ label, size, usage });
    this.owned.set(buffer, size);
    this.counters.buffers++;
    this.counters.bytes += size;
    this.counters.liveBuffers++;
    this.counters.liveBytes += size;
    return buffer;
  }

  private throwIfDisposed(what: string): void {
    if (this.disposed) throw new KernelError(`${what}: the GPU scope '${this.label}' was disposed`);
  }

  /**
   * Records the outcome of an error scope. Errors are ranked by when their call was made, not when
   * the GPU answered, so a shader that fails to compile is reported as such rather than as the bind
   * group that later failed because of it.
   */
  private watch(what: string, scope: Promise<GPUError | null>, detail?: () => Promise<string>): void {
    const order = this.state.order++;
    const p = scope.then(async (error) => {
      if (!error) return;
      const extra = detail ? await detail() : '';
      this.fail(new KernelError(`${what}: ${error.message}${extra ? `\n${extra}` : ''}`), order);
    });
    this.state.pending.push(p);
  }

  private async checkErrors(): Promise<void> {
    const pending = this.state.pending.splice(0);
    await Promise.all(pending);
    this.throwFailure();
  }

  /** Throws the first recorded error once; the device stays usable for the caller's recovery. */
  private throwFailure(): void {
    const failure = this.state.failure;
    this.state.failure = null;
    if (failure) throw failure;
  }

  private fail(error: Error, order = this.state.order++): void {
    if (!this.state.failure || order < this.state.failureOrder) {
      this.state.failure = error;
      this.state.failureOrder = order;
    }
  }

  private throwIfBroken(): void {
    if (this.state.lostReason !== null)
      throw new GpuLostError(`the GPU device was lost (${this.state.lostReason}); reload to start a new one`);
    this.throwFailure();
  }

  private async compileMessages(module: GPUShaderModule): Promise<string> {
    const info = await module.getCompilationInfo();
    return info.messages
      .filter((m) => m.type === 'error')
      .map((m) => `  ${module.label}.wgsl:${m.lineNum}:${m.linePos}: ${m.message}`)
      .join('\n');
  }

  private async throwCompileErrors(k: Kernel, module: GPUShaderModule): Promise<void> {
    const messages = await this.compileMessages(module);
    if (messages) throw new KernelError(`${k.name}: WGSL does not compile\n${messages}`);
  }
}

function toTyped(dtype: DType, data: ArrayLike<number>): TypedArray {
  if (dtype === 'f32') return data instanceof Float32Array ? data : Float32Array.from(data);
  if (dtype === 'u32') return data instanceof Uint32Array ? data : Uint32Array.from(data);
  return data instanceof Int32Array ? data : Int32Array.from(data);
}
