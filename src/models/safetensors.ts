// The `.safetensors` container (Hugging Face): 8-byte little-endian header length N, N bytes of JSON
// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}`, then the raw
// little-endian tensor bytes. Reading validates everything before returning anything, so a corrupt,
// truncated or mismatched file is an error naming the tensor and the problem, and nothing half-loaded.

export interface SafeTensor {
  dtype: 'F32' | 'F16' | 'BF16';
  shape: number[];
  /** Values converted to float32. */
  data: Float32Array;
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

const BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Parses a safetensors file. `file` names it in errors. */
export function readSafetensors(
  bytes: Uint8Array,
  file = 'checkpoint',
): { tensors: Map<string, SafeTensor>; metadata: Record<string, string> } {
  if (bytes.byteLength < 8)
    throw new SafetensorsError(`${file}: ${bytes.byteLength} bytes is too short for a safetensors header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.byteLength - 8) {
    throw new SafetensorsError(
      `${file}: header claims ${headerLength} bytes but the file has ${bytes.byteLength - 8} after the length (truncated or not safetensors)`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    throw new SafetensorsError(`${file}: header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    if (!e.dtype || !(e.dtype in BYTES))
      throw new SafetensorsError(`${file}: tensor ${name} has dtype ${e.dtype}; supported: F32, F16, BF16`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(`${file}: tensor ${name} has an invalid shape ${JSON.stringify(e.shape)}`);
    }
    const [begin, end] = e.data_offsets ?? [NaN, NaN];
    const numel = e.shape.reduce((a, b) => a * b, 1);
    const expected = numel * BYTES[e.dtype];
    if (!(begin >= 0 && end >= begin && end - begin === expected)) {
      throw new SafetensorsError(
        `${file}: tensor ${name} [${e.shape}] ${e.dtype} needs ${expected} bytes, data_offsets say [${begin}, ${end}]`,
      );
    }
    if (end > dataLength)
      throw new SafetensorsError(
        `${file}: tensor ${name} ends at byte ${end} but the data has ${dataLength} bytes (truncated)`,
      );
    const raw = bytes.subarray(dataStart + begin, dataStart + end);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const data = new Float32Array(numel);
    for (let i = 0; i < numel; i++) {
      if (e.dtype === 'F32') data[i] = dv.getFloat32(i * 4, true);
      else if (e.dtype === 'F16') data[i] = f16ToF32(dv.getUint16(i * 2, true));
      else data[i] = new Float32Array(new Uint32Array([dv.getUint16(i * 2, true) << 16]).buffer)[0];
    }
    tensors.set(name, { dtype: e.dtype as SafeTensor['dtype'], shape: e.shape, data });
  }
  return { tensors, metadata };
}

/** Serialises float32 tensors (in the given order) with optional string metadata. */
export function writeSafetensors(
  tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (numel !== t.data.length)
      throw new SafetensorsError(`tensor ${name}: shape [${t.shape}] holds ${numel} values, data has ${t.data.length}`);
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + numel * 4] };
    offset += numel * 4;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8); // align the data to 8 bytes
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.byteLength), true);
  out.set(head, 8);
  let at = 8 + head.byteLength;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}
