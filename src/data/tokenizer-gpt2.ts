// GPT-2's byte-level BPE tokenizer (tiktoken's r50k_base: 50 000 merges + 256 bytes + <|endoftext|>),
// through the `gpt-tokenizer` package, which bundles the ranks as a JS module (no fetch, no fs), so it
// runs unchanged in Node and in a Vite browser bundle.
//
// Special tokens:
//   50256 <|endoftext|>     GPT-2's own end-of-text token
//   50257 <|endofcontext|>  not in GPT-2: the end-of-context token a preference model reads its score at
//                           (Bai et al. 2022, §3). A model that uses it (the reward model) needs
//                           vocabSize 50258 (wte grown by one row); a plain GPT-2 LM keeps V = 50257 and
//                           never sees it. `vocabSize` here is 50258, the size that covers every id.
// encode() never produces a special token: text containing "<|endoftext|>" is encoded as ordinary text
// (tiktoken's encode_ordinary); callers append endOfText / endOfContext ids themselves.
// decode() renders 50256 / 50257 as "<|endoftext|>" / "<|endofcontext|>"; the ordinary ids between
// special tokens are decoded together, so a character split across tokens is reassembled.

import { decode as bpeDecode, encode as bpeEncode } from 'gpt-tokenizer/encoding/r50k_base';
import type { Tokenizer } from './tokenizer.ts';

export const GPT2_EOT = 50256;
export const GPT2_EOC = 50257;
/** GPT-2's vocabulary (50 000 merges + 256 bytes + <|endoftext|>): V of a plain GPT-2 LM. */
export const GPT2_VOCAB = 50257;

const NO_SPECIAL = { allowedSpecial: new Set<string>(), disallowedSpecial: new Set<string>() };

export const gpt2Tokenizer: Tokenizer = {
  name: 'gpt2',
  vocabSize: GPT2_VOCAB + 1,
  endOfText: GPT2_EOT,
  endOfContext: GPT2_EOC,
  encode(text) {
    return bpeEncode(text, NO_SPECIAL);
  },
  decode(ids) {
    const parts: string[] = [];
    let run: number[] = [];
    const flush = () => {
      if (run.length) parts.push(bpeDecode(run));
      run = [];
    };
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id > GPT2_EOC)
        throw new RangeError(`gpt2Tokenizer.decode: id ${id} is outside 0..${GPT2_EOC}`);
      if (id < GPT2_EOT) run.push(id);
      else {
        flush();
        parts.push(id === GPT2_EOT ? '<|endoftext|>' : '<|endofcontext|>');
      }
    }
    flush();
    return parts.join('');
  },
};
