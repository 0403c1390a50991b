// Gradient parity with PyTorch: the GPU GPT's masked loss and every parameter gradient against an
// independent float64 GPT-2 written in plain PyTorch (test/python/gpt2_torch.py, autograd backward).
// The weights travel as a Hugging Face safetensors checkpoint (checkpoint.ts) and the gradients come
// back as one (HF names and layouts), so the Conv1D transposition is exercised both ways.
//
// Needs Debian's python3-torch at /usr/bin/python3; without it the test fails (never skips).
// Tolerances: the GPU computes in float32, PyTorch in float64 (gradients written as float32): loss to
// 1e-4 relative; each gradient to atol 2e-3·max|g| + rtol 2e-3, as test/gpu/gpt.test.ts against the
// float64 reference. The float64 reference (gpt.ref.ts) must agree with PyTorch to float32 rounding.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointBytes, loadCheckpoint } from '../../src/models/checkpoint.ts';
import type { GPTConfig } from '../../src/models/config.ts';
import { GPT } from '../../src/models/gpt.ts';
import { gptLossAndGradsRef } from '../../src/models/gpt.ref.ts';
import { initParams } from '../../src/models/params.ts';
import { expectClose } from '../helpers/allclose.ts';
import { testGpu } from '../helpers/gpu.ts';
import { randint, randn, uniform } from '../helpers/random.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, '../python/gpt2_torch.py');
const NEEDS_TORCH = "PyTorch parity needs Debian's python3-torch (apt-get install python3-torch)";

const cfg: GPTConfig = { vocabSize: 67, maxSeqLen: 16, numLayers: 2, numHeads: 2, channels: 12 };

function requireTorch(): void {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(
      `${NEEDS_TORCH}: \`${PYTHON} -c "import torch"\` failed: ${(e as Error).message.split('\n').slice(0, 3).join(' ')}`,
    );
  }
}

/** Runs the PyTorch model on a checkpoint and a batch; returns its loss and packed gradients (our layout). */
function torchLossAndGrads(weights: Uint8Array, batch: object): { loss: number; grads: Float32Array } {
  const dir = mkdtempSync(join(tmpdir(), 'rlhf-torch-parity-'));
  try {
    const [w, b, g] = ['weights.safetensors', 'batch.json', 'grads.safetensors'].map((f) => join(dir, f));
    writeFileSync(w, weights);
    writeFileSync(b, JSON.stringify(batch));
    try {
      execFileSync(PYTHON, [SCRIPT, w, b, g], { stdio: 'pipe', timeout: 60_000 });
    } catch (e) {
      const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`gpt2_torch.py failed: ${(e as Error).message}\n${stderr}`);
    }
    const out = loadCheckpoint(readFileSync(g), 'grads.safetensors', cfg);
    return { loss: Number(out.metadata.loss), grads: out.packed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = (x: ArrayLike<number>, B: number, T: number) =>
  Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => x[b * T + t]));

describe('GPT against PyTorch', () => {
  it('matches PyTorch autograd in the masked loss and every parameter gradient', async () => {
    requireTorch();
    const gpu = await testGpu();
    const [B, T] = [2, 7];
    const model = new GPT(gpu, cfg, B, T);
    // Weights 10× GPT-2's init so every path carries signal; layer norms and biases perturbed too.
    const packed = initParams(model.table, cfg, (n) => randn(n, 11, 10));
    for (const s of model.table.specs) {
      const n = s.shape.reduce((a, b) => a * b, 1);
      const noise = randn(n, s.offset + 12, 0.1);
      for (let i = 0; i < n; i++) packed[s.offset + i] += noise[i];
    }
    const tokens = randint(B * T, 13, cfg.vocabSize);
    const targets = randint(B * T, 14, cfg.vocabSize);
    const mask = Float64Array.from(uniform(B * T, 15), (u) => (u < 0.7 ? 1 : 0));
    gpu.write(model.params, packed);
    gpu.write(model.tokens, tokens);
    gpu.write(model.targets, targets);
    gpu.write(model.mask, mask);
    gpu.run([...model.forwardDispatches, ...model.lossDispatches, ...model.backwardDispatches]);
    const loss = (await gpu.read(model.loss))[0];
    const grads = await gpu.read(model.grads);

    const torch = torchLossAndGrads(checkpointBytes(cfg, packed), {
      tokens: rows(tokens, B, T),
      targets: rows(targets, B, T),
      mask: rows(mask, B, T),
    });
    expect(torch.loss).toBeGreaterThan(0.5); // a real loss came back, not a default
    expect(Math.abs(loss - torch.loss), `GPU loss ${loss}, PyTorch ${torch.loss}`).toBeLessThan(
      1e-4 * Math.max(1, torch.loss),
    );

    // The float64 reference agrees with PyTorch to float32 rounding of PyTorch's output.
    const weights = new Map(
      model.table.specs.map((s) => [
        s.name,
        Float64Array.from(packed.subarray(s.offset, s.offset + s.shape.reduce((a, b) => a * b, 1))),
      ]),
    );
    const ref = gptLossAndGradsRef(cfg, weights, tokens, targets, mask, B, T);
    expect(Math.abs(ref.loss - torch.loss), `float64 reference loss ${ref.loss}, PyTorch ${torch.loss}`).toBeLessThan(
      1e-12 * Math.max(1, ref.loss),
    );

    for (const s of model.table.specs) {
      const n = s.shape.reduce((a, b) => a * b, 1);
      const g = torch.grads.subarray(s.offset, s.offset + n);
      const scale = Math.max(...g.map(Math.abs));
      expect(scale, `PyTorch's d${s.name} is all zero: that path carries no signal`).toBeGreaterThan(0);
      expectClose(grads.subarray(s.offset, s.offset + n), g, `GPU d${s.name} vs PyTorch`, {
        atol: 2e-3 * Math.max(scale, 1e-3),
        rtol: 2e-3,
      });
      expectClose(g, ref.grads.get(s.name)!, `PyTorch d${s.name} vs float64 reference`, {
        atol: 1e-6 * scale,
        rtol: 1e-6,
      });
    }
  });
});
