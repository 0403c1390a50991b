import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../../src/models/safetensors.ts';

const sample = () =>
  new Map([
    ['transformer.wte.weight', { shape: [3, 2], data: Float32Array.from([1, -2, 3.5, 4, 5, 6]) }],
    ['transformer.ln_f.bias', { shape: [2], data: Float32Array.from([0.25, -0.5]) }],
  ]);

describe('safetensors', () => {
  it('round-trips tensors and metadata', () => {
    const bytes = writeSafetensors(sample(), { format: 'pt', preset: 'nano' });
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt', preset: 'nano' });
    expect([...tensors.keys()]).toEqual(['transformer.wte.weight', 'transformer.ln_f.bias']);
    expect(tensors.get('transformer.wte.weight')).toMatchObject({ dtype: 'F32', shape: [3, 2] });
    expect(Array.from(tensors.get('transformer.ln_f.bias')!.data)).toEqual([0.25, -0.5]);
    const dataStart = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(dataStart % 8).toBe(0);
  });

  it('reads F16 and BF16 tensors', () => {
    const header = JSON.stringify({
      h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
      b: { dtype: 'BF16', shape: [1], data_offsets: [4, 6] },
    });
    const head = new TextEncoder().encode(header);
    const bytes = new Uint8Array(8 + head.length + 6);
    const dv = new DataView(bytes.buffer);
    dv.setBigUint64(0, BigInt(head.length), true);
    bytes.set(head, 8);
    dv.setUint16(8 + head.length, 0x3c00, true); // 1.0
    dv.setUint16(8 + head.length + 2, 0xc000, true); // -2.0
    dv.setUint16(8 + head.length + 4, 0x4049, true); // bf16 of ~3.14
    const { tensors } = readSafetensors(bytes);
    expect(Array.from(tensors.get('h')!.data)).toEqual([1, -2]);
    expect(tensors.get('b')!.data[0]).toBeCloseTo(3.140625, 6);
  });

  it('names the file and the tensor when a file is truncated or corrupt', () => {
    const bytes = writeSafetensors(sample());
    expect(() => readSafetensors(bytes.subarray(0, bytes.length - 4), 'pm.safetensors')).toThrow(
      /pm\.safetensors: tensor transformer\.ln_f\.bias ends at byte 32 but the data has 28 bytes \(truncated\)/,
    );
    expect(() => readSafetensors(bytes.subarray(0, 5), 'x')).toThrow(/too short/);
    const garbled = bytes.slice();
    garbled[8] = 0x78; // the header's opening brace becomes 'x'
    expect(() => readSafetensors(garbled, 'g')).toThrow(/g: header is not valid JSON/);
    expect(() => writeSafetensors(new Map([['w', { shape: [2, 2], data: new Float32Array(3) }]]))).toThrow(
      /tensor w: shape \[2,2\] holds 4 values, data has 3/,
    );
  });
});
