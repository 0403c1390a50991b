// The kernel benchmark's cases: square matmuls, the `tiny` preset's real layer shapes in all three
// matmul forms, and attention forward + backward. FLOPs are counted the same way for both engines:
// 2·M·N·K per matmul; attention forward 4·B·NH·T²·hs (QKᵀ and PV over the full T×T square, as a
// dense implementation computes them), backward twice that.

import { PRESETS } from '../src/models/config.ts';

export type Case =
  | {
      kind: 'matmul';
      name: string;
      form: 'forward' | 'backward_input' | 'backward_weight';
      N: number;
      C: number;
      OC: number;
    }
  | { kind: 'attention'; name: string; B: number; T: number; C: number; NH: number };

const tiny = PRESETS.tiny;
const BT = 8 * tiny.maxSeqLen; // batch of 8 sequences
const C = tiny.channels;

const tinyLayers: [string, number, number][] = [
  ['qkv', C, 3 * C],
  ['attn_proj', C, C],
  ['fc', C, 4 * C],
  ['fc_proj', 4 * C, C],
  ['lm_head', C, tiny.vocabSize],
];

export const CASES: Case[] = [
  ...[256, 512, 1024].map((n) => ({
    kind: 'matmul' as const,
    name: `square ${n}`,
    form: 'forward' as const,
    N: n,
    C: n,
    OC: n,
  })),
  ...tinyLayers.flatMap(([layer, c, oc]) =>
    (['forward', 'backward_input', 'backward_weight'] as const).map((form) => ({
      kind: 'matmul' as const,
      name: `tiny ${layer} ${form}`,
      form,
      N: BT,
      C: c,
      OC: oc,
    })),
  ),
  ...[64, 256].map((T) => ({
    kind: 'attention' as const,
    name: `attention fwd+bwd T=${T}`,
    B: 4,
    T,
    C,
    NH: tiny.numHeads,
  })),
];

export function flops(c: Case): number {
  if (c.kind === 'matmul') return 2 * c.N * c.C * c.OC;
  const hs = c.C / c.NH;
  return 3 * 4 * c.B * c.NH * c.T * c.T * hs;
}

export interface CaseResult {
  name: string;
  gflops: number;
  tfjsGflops: number;
  ratio: number;
  msOurs: number;
  msTfjs: number;
}
