// Choosing a tokenizer by name, and knowing which one a checkpoint was trained with.
//   byte  256 bytes + <|endoftext|> 256 + <|endofcontext|> 257: V = 258 (BYTE_VOCAB)
//   gpt2  GPT-2's r50k_base BPE: V = 50257 for a language model (GPT-2's own size, so files load into
//         GPT2LMHeadModel unchanged); a preference model, which reads its score at <|endofcontext|>
//         50257, needs V = 50258 (vocabWithEndOfContext).
//   synth the synthetic world's words with byte fallback (tokenizer-synth.ts): bytes and the two special tokens
//         as in `byte`, then the world's words; V = its vocabSize for both language and preference models.
// A checkpoint records its tokenizer in the `tokenizer` metadata; a file without it (GPT-2's own
// model.safetensors) is recognised by its vocabulary size. Host-side text only: data sits below models (the
// models read data's batches and tokenizers), so a checkpoint's config is taken as its vocabulary size alone.

import { byteTokenizer, type Tokenizer } from './tokenizer.ts';
import { GPT2_VOCAB, gpt2Tokenizer } from './tokenizer-gpt2.ts';
import { synthTokenizer } from './tokenizer-synth.ts';

/** The byte tokenizer's vocabulary: 256 bytes, end-of-text and end-of-context (258; models/config's BYTE_VOCAB). */
const BYTE_VOCAB = byteTokenizer.vocabSize;

export type TokenizerName = Tokenizer['name'];
export const TOKENIZER_NAMES: readonly TokenizerName[] = ['byte', 'gpt2', 'synth'];

const BY_NAME: Record<TokenizerName, Tokenizer> = { byte: byteTokenizer, gpt2: gpt2Tokenizer, synth: synthTokenizer };

export function isTokenizerName(name: string): name is TokenizerName {
  return (TOKENIZER_NAMES as readonly string[]).includes(name);
}

/** The tokenizer called `name`; anything else is an Error naming `what` (e.g. "--tokenizer"). */
export function tokenizerByName(name: string, what = 'tokenizer'): Tokenizer {
  if (!isTokenizerName(name))
    throw new Error(`${what}: unknown tokenizer "${name}" (one of ${TOKENIZER_NAMES.join(', ')})`);
  return BY_NAME[name];
}

/** The language-model vocabulary size for a tokenizer: 258 (byte), 50257 (GPT-2) or the synth tokenizer's size. */
export function lmVocabSize(tokenizer: Tokenizer): number {
  return tokenizer.name === 'gpt2' ? GPT2_VOCAB : tokenizer.vocabSize;
}

/** The vocabulary size a model needs to also embed <|endofcontext|> (preference models). */
export function vocabWithEndOfContext(tokenizer: Tokenizer): number {
  return Math.max(lmVocabSize(tokenizer), tokenizer.endOfContext + 1);
}

/**
 * The tokenizer a checkpoint was trained with: its `tokenizer` metadata, else inferred from V (258 →
 * byte; 50257 or 50258 → gpt2). Anything else is an Error naming the file.
 */
export function tokenizerOfCheckpoint(
  metadata: Record<string, string>,
  cfg: { vocabSize: number },
  file: string,
): Tokenizer {
  const name = metadata.tokenizer;
  const tok = name !== undefined ? (isTokenizerName(name) ? BY_NAME[name] : null) : inferFromVocab(cfg.vocabSize);
  if (!tok) {
    throw new Error(
      name !== undefined
        ? `${file}: unknown tokenizer "${name}" in its metadata (one of ${TOKENIZER_NAMES.join(', ')})`
        : `${file}: no tokenizer metadata, and a vocabulary of ${cfg.vocabSize} matches neither byte (${BYTE_VOCAB}) nor GPT-2 (${GPT2_VOCAB} or ${GPT2_VOCAB + 1})`,
    );
  }
  if (cfg.vocabSize < lmVocabSize(tok))
    throw new Error(
      `${file}: tokenizer ${tok.name} needs a vocabulary of at least ${lmVocabSize(tok)}, the model has ${cfg.vocabSize}`,
    );
  return tok;
}

function inferFromVocab(V: number): Tokenizer | null {
  if (V === BYTE_VOCAB) return byteTokenizer;
  if (V === GPT2_VOCAB || V === GPT2_VOCAB + 1) return gpt2Tokenizer;
  return null;
}
