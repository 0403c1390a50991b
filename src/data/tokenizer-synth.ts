// The synthetic world's tokenizer: whole words with byte fallback. Ids 0–255 are bytes and 256/257 are
// <|endoftext|>/<|endofcontext|>, exactly as in the byte tokenizer; ids 258… are the words of the synthetic
// HH world (src/data/synth.ts), each with and without a leading space, as they occur in its transcripts.
// Text is split into pieces like GPT-2's pre-tokenizer (a word with its leading space, a number, a run of
// punctuation, whitespace); a piece in the word list is one token, any other piece is its UTF-8 bytes, so every
// text encodes and decodes losslessly (SentencePiece's byte fallback, at the granularity of words).
//
// Why: a synthetic transcript is ≤ 120 bytes but ~30 of these tokens, and every key word the gold scorer
// counts is one token, so a `micro` model learns the world (which steps belong to which topic) in a few hundred
// steps on SwiftShader, and a PPO rollout samples ~15 tokens instead of ~50 bytes. It is for experiments on
// the synthetic world only; real HH text falls back to bytes almost everywhere (use `byte` or `gpt2` there).
//
// The word list is derived, deterministically, from a fixed sample of the world (seed 0): changing the world's
// word lists changes the ids, and the vocabulary size recorded in a checkpoint (`synth_vocab`) catches that.

import { BYTE_EOC, BYTE_EOT, decodeWithByteFallback, type Tokenizer } from './tokenizer.ts';
import { generateSynthWorld } from './synth.ts';

const PIECE = / ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+/g;
const FIRST_WORD = 258;

let table: { words: string[]; ids: Map<string, number> } | null = null;

/** The word list: every alphabetic piece of a fixed sample of the synthetic world, sorted. */
function words(): { words: string[]; ids: Map<string, number> } {
  if (table) return table;
  const world = generateSynthWorld({ seed: 0, pairs: 4000 });
  const found = new Set<string>();
  for (const pair of [...world.helpful, ...world.harmless]) {
    for (const text of [pair.chosen, pair.rejected]) {
      for (const piece of text.match(PIECE) ?? []) {
        if (/^ ?[A-Za-z]+$/.test(piece)) {
          found.add(piece);
          found.add(piece.startsWith(' ') ? piece.slice(1) : ` ${piece}`);
        }
      }
    }
  }
  const list = [...found].sort();
  table = { words: list, ids: new Map(list.map((w, i) => [w, FIRST_WORD + i])) };
  return table;
}

const encoder = new TextEncoder();

export const synthTokenizer: Tokenizer = {
  name: 'synth',
  get vocabSize() {
    return FIRST_WORD + words().words.length;
  },
  endOfText: BYTE_EOT,
  endOfContext: BYTE_EOC,
  encode(text) {
    const { ids } = words();
    const out: number[] = [];
    for (const piece of text.match(PIECE) ?? []) {
      const id = ids.get(piece);
      if (id !== undefined) out.push(id);
      else for (const b of encoder.encode(piece)) out.push(b);
    }
    return out;
  },
  decode(ids) {
    const list = words().words;
    return decodeWithByteFallback(ids, (id) =>
      id === BYTE_EOT ? '<|endoftext|>' : id === BYTE_EOC ? '<|endofcontext|>' : (list[id - FIRST_WORD] ?? `<|${id}|>`),
    );
  },
};
