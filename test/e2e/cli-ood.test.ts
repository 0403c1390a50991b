// `rlhf ood` through its command function, and the activations it reads (src/models/activations.ts).
//
// 1. The activations: every layer (embeddings, after each block, ln_f) and both poolings of a nano model with
//    large random weights, against the float64 forward composed from the kernels' references, on prompts that
//    fill a batch unevenly (a short last batch), include an empty prompt, and one longer than the context (cut
//    from the left).
// 2. Detection on the synthetic world: fit on benign prompts (the helpful subset's contexts), evaluate held-out
//    benign prompts (none of them in the fit set) against harmful ones (the harmless subset's contexts). The
//    model is a randomly initialised one-block GPT with GPT-2's BPE tokenizer (C = 64), cheap on SwiftShader:
//    the forward-only trunk never touches the 50257-row embedding except to look tokens up. Why detection
//    works without any training: mean-pooled over the prompt, the residual stream is (nearly, after one
//    block) a fixed random projection of the prompt's bag of tokens, and BPE tokens are words. Harmful
//    requests share the request templates with benign ones but name their topic with harm-marker words
//    ("steal", "poison", "hack", …: 35 token types of the harmful prompts never occur in a benign one), whose
//    random embeddings point along directions in which the benign fit set barely varies, so the Mahalanobis
//    distance flags them. (Measured: AUROC 0.996 at layer 1 with mean pooling; a byte-level model does not get
//    there untrained, since harm words are made of the same letters as benign ones: 0.79 for a random micro.)
//    The control shows the test can fail: at layer 0 the last token's vector is the embedding of the final
//    ':' plus its position embedding, i.e. it knows only the prompt's length, and the AUROC falls to chance.
// 3. Bad input is named before the GPU starts.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ood } from '../../src/cli/ood.ts';
import { toComparisons } from '../../src/data/comparisons.ts';
import { generateSynthWorld, pairsToJsonl } from '../../src/data/synth.ts';
import { byteTokenizer } from '../../src/data/tokenizer.ts';
import { GPT2_VOCAB } from '../../src/data/tokenizer-gpt2.ts';
import { attentionForwardRef } from '../../src/kernels/attention.ref.ts';
import { encoderForwardRef } from '../../src/kernels/encoder.ref.ts';
import { geluForwardRef } from '../../src/kernels/gelu.ref.ts';
import { layernormForwardRef } from '../../src/kernels/layernorm.ref.ts';
import { matmulForwardRef } from '../../src/kernels/matmul.ref.ts';
import { randn } from '../../src/util/random.ts';
import { promptActivations, poolRow } from '../../src/models/activations.ts';
import { checkpointBytes, loadCheckpoint } from '../../src/models/checkpoint.ts';
import { PRESETS, type GPTConfig } from '../../src/models/config.ts';
import { initParams, paramTable } from '../../src/models/params.ts';
import { ppoPrompts } from '../../src/data/prompts.ts';
import { runCommand } from '../helpers/cli.ts';
import { testGpu } from '../helpers/gpu.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dir = tempDir('ood');

const run = async (...argv: string[]) => (await runCommand(ood, ...argv)).err;

/** The residual stream [T, C] of one sequence at every depth (embeddings, after each block) and ln_f, in float64. */
function residualStreamRef(cfg: GPTConfig, packed: Float32Array, ids: readonly number[]): Float64Array[] {
  const table = paramTable(cfg);
  const W = (name: string) => {
    const s = table.byName.get(name)!;
    return Float64Array.from(packed.subarray(s.offset, s.offset + s.shape.reduce((a, b) => a * b, 1)));
  };
  const { vocabSize: V, maxSeqLen: maxT, numLayers: L, numHeads: NH, channels: C } = cfg;
  const T = ids.length;
  let residual = encoderForwardRef(
    ids,
    null,
    W('transformer.wte.weight'),
    W('transformer.wpe.weight'),
    1,
    T,
    C,
    V,
    maxT,
  );
  const out = [residual];
  for (let l = 0; l < L; l++) {
    const h = `transformer.h.${l}`;
    const ln1 = layernormForwardRef(residual, W(`${h}.ln_1.weight`), W(`${h}.ln_1.bias`), T, C);
    const qkv = matmulForwardRef(ln1.out, W(`${h}.attn.c_attn.weight`), W(`${h}.attn.c_attn.bias`), T, C, 3 * C);
    const att = attentionForwardRef(qkv, null, 1, T, C, NH);
    const attproj = matmulForwardRef(att.out, W(`${h}.attn.c_proj.weight`), W(`${h}.attn.c_proj.bias`), T, C, C);
    const residual2 = residual.map((v, i) => v + attproj[i]);
    const ln2 = layernormForwardRef(residual2, W(`${h}.ln_2.weight`), W(`${h}.ln_2.bias`), T, C);
    const fch = matmulForwardRef(ln2.out, W(`${h}.mlp.c_fc.weight`), W(`${h}.mlp.c_fc.bias`), T, C, 4 * C);
    const fcproj = matmulForwardRef(
      geluForwardRef(fch, T * 4 * C),
      W(`${h}.mlp.c_proj.weight`),
      W(`${h}.mlp.c_proj.bias`),
      T,
      4 * C,
      C,
    );
    residual = residual2.map((v, i) => v + fcproj[i]);
    out.push(residual);
  }
  out.push(layernormForwardRef(residual, W('transformer.ln_f.weight'), W('transformer.ln_f.bias'), T, C).out);
  return out;
}

describe('promptActivations', () => {
  it('pools every layer of the trunk as the float64 reference does, at the last token or over the prompt', async () => {
    const gpu = await testGpu();
    const cfg = { ...PRESETS.nano, numLayers: 2 }; // context 32, C = 8
    const packed = initParams(paramTable(cfg), cfg, (n) => randn(n, 7, 10)); // 10× GPT-2's init: every path carries signal
    const ckpt = loadCheckpoint(checkpointBytes(cfg, packed, { tokenizer: 'byte' }), 'nano.safetensors');
    const prompts = ['Hi', '', '\n\nHuman: How do I bake bread?\n\nAssistant:', 'xyz'];
    const eot = byteTokenizer.endOfText;
    for (const layer of [0, 1, 2, 'lnf'] as const) {
      for (const pool of ['last', 'mean'] as const) {
        const got = await promptActivations(gpu, ckpt, 'nano.safetensors', prompts, { layer, pool, batch: 3 });
        expect(got.truncated).toBe(1);
        expect(got.T).toBe(32);
        prompts.forEach((p, i) => {
          const ids = [eot, ...byteTokenizer.encode(p)].slice(-32);
          const ref = residualStreamRef(cfg, packed, ids)[layer === 'lnf' ? 3 : layer];
          // the definition: last token, or the mean over the prompt's own tokens (end-of-text alone for '')
          const from = pool === 'last' ? ids.length - 1 : ids[0] === eot && ids.length > 1 ? 1 : 0;
          for (let c = 0; c < 8; c++) {
            let want = 0;
            for (let t = from; t < ids.length; t++) want += ref[t * 8 + c] / (ids.length - from);
            expect(Math.abs(got.vectors[i][c] - want), `layer ${layer} ${pool} prompt ${i} channel ${c}`).toBeLessThan(
              2e-3 * Math.max(1, Math.abs(want)),
            );
          }
        });
      }
    }
    expect(() => poolRow(new Float32Array(16), 0, 2, 8, [1, 2, 3], eot, 'last')).toThrow(
      /3 tokens do not fit a row of 2/,
    );
    await expect(promptActivations(gpu, ckpt, 'nano.safetensors', prompts, { layer: 3 })).rejects.toThrow(
      /nano\.safetensors: layer 3 is not 0 .* 2 .* or lnf/,
    );
  }, 600_000);
});

describe('rlhf ood on the synthetic world', () => {
  // a random one-block GPT-2-tokenizer model (see the header)
  const cfg: GPTConfig = { vocabSize: GPT2_VOCAB, maxSeqLen: 64, numLayers: 1, numHeads: 2, channels: 64 };
  const model = join(dir, 'bpe.safetensors');
  writeFileSync(
    model,
    checkpointBytes(
      cfg,
      initParams(paramTable(cfg), cfg, (n) => randn(n, 1)),
      { tokenizer: 'gpt2' },
    ),
  );
  const fitWorld = generateSynthWorld({ seed: 1, pairs: 200 });
  const evalWorld = generateSynthWorld({ seed: 2, pairs: 100 });
  const fit = join(dir, 'fit-helpful.jsonl');
  const evalIn = join(dir, 'eval-helpful.jsonl');
  const evalOut = join(dir, 'eval-harmless.jsonl');
  writeFileSync(fit, pairsToJsonl(fitWorld.helpful));
  writeFileSync(evalIn, pairsToJsonl(evalWorld.helpful));
  writeFileSync(evalOut, pairsToJsonl(evalWorld.harmless));
  const prompts = (pairs: typeof fitWorld.helpful) =>
    ppoPrompts(
      toComparisons(
        pairs.map((p, i) => ({ ...p, line: i + 1 })),
        { file: 'x', subset: 'x' },
      ).comparisons,
    );
  const fitPrompts = new Set(prompts(fitWorld.helpful));
  const heldOut = prompts(evalWorld.helpful).filter((p) => !fitPrompts.has(p));
  const harmful = new Set(prompts(evalWorld.harmless));

  it('flags harmful requests among held-out benign ones: AUROC ≥ 0.9 (plain and relative distance)', async () => {
    const report = join(dir, 'ood.json');
    const log = await run(
      '--model',
      model,
      '--fit',
      fit,
      '--eval-in',
      evalIn,
      '--eval-out',
      evalOut,
      '--pool',
      'mean',
      '--expose',
      '5',
      '--seed',
      '3',
      '--report',
      report,
    );
    const r = JSON.parse(readFileSync(report, 'utf8'));
    expect(log).toMatch(
      /AUROC \(out-of-distribution vs held-out in-distribution\): Mahalanobis \d\.\d{3}, relative \d\.\d{3}, 5 exposed \d\.\d{3}/,
    );
    expect(r.layer).toBe(1); // default: after the last block
    expect(r.auroc).toBeGreaterThanOrEqual(0.9);
    expect(r.auroc_relative).toBeGreaterThanOrEqual(0.9);
    // Exposing 5 harmful prompts adds a linear discriminant towards their mean (src/eval/ood.ts). These features
    // have no shared "harmful" direction (each harmful topic has its own words, hence its own random direction),
    // so 5 prompts of a few topics say little about the other topics: it detects (measured 0.85 here, 0.72–0.88
    // over other draws of 5 on the CPU reference), but below the plain distance. See docs/cli.md.
    expect(r.auroc_exposed).toBeGreaterThan(0.7);
    expect(r.counts).toMatchObject({
      fit: fitPrompts.size,
      eval_in: heldOut.length,
      eval_out: harmful.size - 5,
      exposed: 5,
      truncated: 0,
    });
    expect(r.counts.eval_in_dropped_in_fit).toBe(prompts(evalWorld.helpful).length - heldOut.length);
    expect(r.counts.background).toBe(fitPrompts.size + heldOut.length + harmful.size);
    for (const m of ['mahalanobis', 'relative', 'exposed']) {
      const roc = r.methods[m].roc;
      expect(roc[0]).toEqual({ threshold: null, fpr: 0, tpr: 0 }); // +Infinity: flag nothing
      expect(roc.at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
      expect(r.methods[m].mean_out).toBeGreaterThan(r.methods[m].mean_in);
    }
    expect(r.methods.mahalanobis.auroc).toBe(r.auroc);
    // the most outlying evaluation prompts are harmful requests, listed with their scores, in order
    expect(r.top_outlying).toHaveLength(5);
    for (const t of r.top_outlying) expect(harmful.has(t.prompt) && t.set === 'out').toBe(true);
    for (let i = 1; i < 5; i++)
      expect(r.top_outlying[i].mahalanobis).toBeLessThanOrEqual(r.top_outlying[i - 1].mahalanobis);
    expect(r.adapter.runtime).toBe('node-dawn');
  }, 600_000);

  it('control: the last token of the embeddings knows only the length, and detection falls to chance', async () => {
    const report = join(dir, 'control.json');
    await run(
      '--model',
      model,
      '--fit',
      fit,
      '--eval-in',
      evalIn,
      '--eval-out',
      evalOut,
      '--layer',
      '0',
      '--pool',
      'last',
      '--background',
      fit,
      evalOut,
      '--n',
      '50',
      '--report',
      report,
    );
    const r = JSON.parse(readFileSync(report, 'utf8'));
    expect(r.layer).toBe(0);
    expect(r.auroc).toBeLessThan(0.7);
    expect(r.counts).toMatchObject({ fit: 50, eval_in: 50, eval_out: 50, background: 50 });
    expect(r.background).toEqual({ source: 'files', files: [fit, evalOut] });
    expect(r.auroc_exposed).toBeUndefined();
  }, 600_000);

  it('names bad input before the GPU starts', async () => {
    const base = ['--model', model, '--fit', fit, '--eval-in', evalIn, '--eval-out', evalOut];
    await expect(run('--model', model, '--eval-in', evalIn, '--eval-out', evalOut)).rejects.toThrow(
      /ood: --fit is required/,
    );
    await expect(run(...base, '--pool', 'max')).rejects.toThrow(/--pool must be one of last, mean, got max/);
    await expect(run(...base, '--layer', '2')).rejects.toThrow(
      /--layer of .*bpe\.safetensors must be 0 \(embeddings\) … 1 \(after the last block\) or lnf, got "2"/,
    );
    await expect(run(...base, '--layer', '-1')).rejects.toThrow(/--layer of .* got "-1"/);
    await expect(run(...base, '--n', '0')).rejects.toThrow(/--n must be a positive integer, got 0/);
    await expect(run(...base, '--expose', '1.5')).rejects.toThrow(/--expose must be a non-negative integer/);
    await expect(run(...base, '--expose', String(harmful.size))).rejects.toThrow(
      new RegExp(`--expose ${harmful.size} leaves no --eval-out prompt to evaluate`),
    );
    await expect(run('--model', model, '--fit', fit, '--eval-in', fit, '--eval-out', evalOut)).rejects.toThrow(
      /every --eval-in prompt is also a --fit prompt/,
    );
    await expect(run(...base.slice(2), '--model', join(dir, 'missing.safetensors'))).rejects.toThrow(
      /missing\.safetensors/,
    );
  });
});
