// Language-model batches from dialogue transcripts: every transcript is tokenized and followed by
// end-of-text, the stream is cut into random windows of T + 1 tokens, and each window gives inputs
// (the first T), next-token targets (the last T) and a loss mask. With `assistantOnly` the mask keeps
// only the tokens of Assistant turns (supervised fine-tuning on the assistant's words).

import { rng } from '../util/random.ts';
import type { Tokenizer } from './tokenizer.ts';

export interface TokenStream {
  tokens: Uint32Array;
  /** 1 where a token counts towards the loss as a target. */
  mask: Float32Array;
}

export interface LMBatch {
  tokens: Uint32Array;
  targets: Uint32Array;
  mask: Float32Array;
}

const ASSISTANT = '\n\nAssistant:';
const HUMAN = '\n\nHuman:';

/**
 * Tokenizes transcripts into one stream. Mask: everything, or only Assistant turns (and the end-of-text after them).
 */
export function tokenizeTranscripts(
  texts: readonly string[],
  tokenizer: Tokenizer,
  assistantOnly = false,
): TokenStream {
  const tokens: number[] = [];
  const mask: number[] = [];
  for (const text of texts) {
    // Split into alternating segments so that each token's turn is known (byte-exact for the byte
    // tokenizer; segment-aligned for BPE, which never merges across these boundaries' newlines).
    const parts = text.split(/(?=\n\nHuman:|\n\nAssistant:)/);
    for (const part of parts) {
      const ids = tokenizer.encode(part);
      const inAssistant = part.startsWith(ASSISTANT);
      tokens.push(...ids);
      // The "\n\nAssistant:" header itself is prompt, not the assistant's words.
      const header = inAssistant ? tokenizer.encode(ASSISTANT).length : 0;
      ids.forEach((_, i) => mask.push(!assistantOnly || (inAssistant && i >= header) ? 1 : 0));
    }
    tokens.push(tokenizer.endOfText);
    mask.push(!assistantOnly || !text.slice(text.lastIndexOf('\n\n')).startsWith(HUMAN) ? 1 : 0);
  }
  return { tokens: Uint32Array.from(tokens), mask: Float32Array.from(mask) };
}

/** Random windows of a token stream, reproducible from the seed. */
export class LMBatcher {
  private readonly random: () => number;

  constructor(
    private readonly stream: TokenStream,
    readonly B: number,
    readonly T: number,
    seed: number,
  ) {
    if (stream.tokens.length < T + 1) {
      throw new Error(`the data has ${stream.tokens.length} tokens; a sequence of T=${T} needs at least ${T + 1}`);
    }
    this.random = rng(seed);
  }

  next(): LMBatch {
    const { B, T } = this;
    const out = { tokens: new Uint32Array(B * T), targets: new Uint32Array(B * T), mask: new Float32Array(B * T) };
    for (let b = 0; b < B; b++) {
      const start = Math.floor(this.random() * (this.stream.tokens.length - T));
      out.tokens.set(this.stream.tokens.subarray(start, start + T), b * T);
      out.targets.set(this.stream.tokens.subarray(start + 1, start + T + 1), b * T);
      out.mask.set(this.stream.mask.subarray(start + 1, start + T + 1), b * T);
    }
    return out;
  }
}
