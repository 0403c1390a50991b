// Growing a model's vocabulary: a GPT-2 language model (V = 50257) becomes a preference model that
// also embeds <|endofcontext|> (id 50257, V = 50258). New rows of the tied embedding wte start at the
// mean of the existing rows (a new token then looks like an average token to every layer, as Hewitt's
// "Initializing new word embeddings" recommends); every other parameter is copied unchanged.

import type { GPTConfig } from './config.ts';
import { paramTable } from './params.ts';

export function growVocab(
  cfg: GPTConfig,
  packed: Float32Array,
  vocabSize: number,
): { cfg: GPTConfig; packed: Float32Array } {
  if (vocabSize < cfg.vocabSize)
    throw new Error(`growVocab: cannot shrink the vocabulary from ${cfg.vocabSize} to ${vocabSize}`);
  const from = paramTable(cfg);
  if (packed.length !== from.size)
    throw new Error(`growVocab: packed parameters have ${packed.length} values, the config needs ${from.size}`);
  const grown = { ...cfg, vocabSize };
  const to = paramTable(grown);
  const out = new Float32Array(to.size);
  const C = cfg.channels;
  for (const s of from.specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    out.set(packed.subarray(s.offset, s.offset + n), to.byName.get(s.name)!.offset);
  }
  const wte = to.byName.get('transformer.wte.weight')!.offset;
  const mean = new Float64Array(C);
  for (let v = 0; v < cfg.vocabSize; v++) for (let c = 0; c < C; c++) mean[c] += out[wte + v * C + c];
  for (let v = cfg.vocabSize; v < vocabSize; v++)
    for (let c = 0; c < C; c++) out[wte + v * C + c] = mean[c] / cfg.vocabSize;
  return { cfg: grown, packed: out };
}
