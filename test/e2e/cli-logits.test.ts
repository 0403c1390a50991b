// `rlhf logits` through its command function: a nano checkpoint on disk, the printed logits (--json)
// against the float64 reference, the plain format, and every argument error named before the GPU is touched.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.ts';
import { formatLogits, logits, parseTokens } from '../../src/cli/logits.ts';
import { checkpointBytes } from '../../src/models/checkpoint.ts';
import { PRESETS } from '../../src/models/config.ts';
import { initParams, paramTable } from '../../src/models/params.ts';
import { nextLogitsRef } from '../../src/models/sampler.ref.ts';
import { runCommand } from '../helpers/cli.ts';
import { expectClose } from '../helpers/allclose.ts';
import { randn } from '../helpers/random.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const cfg = PRESETS.nano; // V 258, maxT 32
const table = paramTable(cfg);
const packed = initParams(table, cfg, (n) => randn(n, 5, 10));
const weights = new Map(
  table.specs.map((s) => [
    s.name,
    Float64Array.from(packed.subarray(s.offset, s.offset + s.shape.reduce((a, b) => a * b, 1))),
  ]),
);
const dir = tempDir('logits');
const model = join(dir, 'nano.safetensors');
writeFileSync(model, checkpointBytes(cfg, packed));

/** Runs `logits(argv)` and returns what it printed. */
const run = async (...argv: string[]) => (await runCommand(logits, ...argv)).out;

describe('rlhf logits', () => {
  it("prints the last position's logits as JSON, matching the float64 reference", async () => {
    const tokens = [72, 105, 33, 0, 257];
    const ref = nextLogitsRef(cfg, weights, tokens);
    const report = JSON.parse(await run('--model', model, '--tokens', tokens.join(','), '--json'));
    expect(report.tokens).toEqual(tokens);
    expect(report.logits.length).toBe(cfg.vocabSize);
    expectClose(report.logits, ref, 'json logits', { atol: 1e-3, rtol: 1e-3 });
  }, 300_000); // one device and every pipeline compiled: minutes on SwiftShader

  it('prints plain logits as one line of numbers that read back exactly', () => {
    const row = Float32Array.from([1.5, -0.1, 3e-8, 0, -1234.5678]);
    const line = formatLogits([1, 2], row, false);
    expect(line.endsWith('\n') && !line.trimEnd().includes('\n')).toBe(true);
    expect(Float32Array.from(line.trim().split(' ').map(Number))).toEqual(row);
    expect(JSON.parse(formatLogits([1, 2], row, true))).toEqual({ tokens: [1, 2], logits: Array.from(row) });
  });

  it('rejects empty, non-integer, out-of-range and too-long token lists with a UsageError', () => {
    const bad = (values: string[], msg: RegExp) => {
      expect(() => parseTokens(values, 258, 32)).toThrow(UsageError);
      expect(() => parseTokens(values, 258, 32)).toThrow(msg);
    };
    bad([''], /--tokens is empty/);
    bad([',,'], /--tokens is empty/);
    bad(['1,x,3'], /token 2 "x" is not an integer/);
    bad(['1.5'], /token 1 "1.5" is not an integer/);
    bad(['1,,2'], /token 2 "" is not an integer/);
    bad(['-1'], /token 1 is -1, outside the model's vocabulary 0\.\.257/);
    bad(['5,258'], /token 2 is 258, outside/);
    bad([Array.from({ length: 33 }, () => '1').join(',')], /33 tokens, more than the model's context of 32/);
    expect(parseTokens(['0, 257', '3'], 258, 32)).toEqual([0, 257, 3]);
    expect(parseTokens([Array.from({ length: 32 }, () => '1').join(',')], 258, 32).length).toBe(32);
  });

  it('checks arguments against the checkpoint before running anything', async () => {
    await expect(logits(['--model', model, '--tokens', '1,258'])).rejects.toThrow(
      /token 2 is 258, outside the model's vocabulary 0\.\.257/,
    );
    await expect(logits(['--model', model])).rejects.toThrow(/--tokens is required/);
    await expect(logits(['--tokens', '1'])).rejects.toThrow(/--model is required/);
    await expect(logits(['--model', join(dir, 'missing.safetensors'), '--tokens', '1'])).rejects.toThrow(
      /cannot read .*missing\.safetensors/,
    );
  });
});
