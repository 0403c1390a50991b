// A policy that answers any prompt with a bag of chosen words, for tests that need a policy the synthetic world's
// gold scorer can tell apart (a nano model pretrained for a test's minutes writes none of the world's key words): a
// random nano model with the synth tokenizer whose final layer norm is a constant vector aligned with the embeddings
// of the words, so every position's logits favour them (logit 6 each). Its output ignores the prompt: the final
// norm's weight is 0.

import { synthTokenizer } from '../../src/data/tokenizer-synth.ts';
import { randn } from '../../src/util/random.ts';
import { PRESETS, type GPTConfig } from '../../src/models/config.ts';
import { initParams, paramTable } from '../../src/models/params.ts';

export const KEY_WORD_CFG: GPTConfig = { ...PRESETS.nano, vocabSize: synthTokenizer.vocabSize };

/** The packed parameters of the bag-of-`words` policy (each word one synth token, " word"). */
export function keyWordPolicy(words: readonly string[], seed = 1): Float32Array {
  const cfg = KEY_WORD_CFG;
  const table = paramTable(cfg);
  const params = initParams(table, cfg, (n) => randn(n, seed));
  const at = (name: string) => table.byName.get(name)!.offset;
  params.fill(0, at('transformer.ln_f.weight'), at('transformer.ln_f.weight') + cfg.channels);
  params.fill(0, at('transformer.ln_f.bias'), at('transformer.ln_f.bias') + cfg.channels);
  params[at('transformer.ln_f.bias')] = 4; // every position's final features: 4·e0
  for (const word of words) {
    const ids = synthTokenizer.encode(` ${word}`);
    if (ids.length !== 1) throw new Error(`keyWordPolicy: " ${word}" is ${ids.length} synth tokens, not one`);
    params[at('transformer.wte.weight') + ids[0] * cfg.channels] = 1.5; // logit 6 for " word"
  }
  return params;
}
