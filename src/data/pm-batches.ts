// Preference-model batches (Bai et al. 2022, §3). Each side of a comparison becomes one sequence:
//   tokens(context + response) + <|endofcontext|>
// and the PM's score is read at that final end-of-context token. A sequence longer than T is cut from
// the LEFT, so the final response and as much of the conversation before it as fits remain (the paper
// truncates contexts the same way; a response longer than T − 1 tokens keeps only its last T − 1).
// A batch of P pairs is 2P rows of T tokens: rows 0..P−1 the chosen sides, rows P..2P−1 the rejected
// ones (the layout preferenceLossForwardPaired reads). Positions after the end-of-context token are
// padded with end-of-text; causal attention keeps them from influencing the score.

import { rng, shuffleInPlace } from '../util/random.ts';
import type { Tokenizer } from './tokenizer.ts';

export interface PMSides {
  chosen: number[];
  rejected: number[];
}

export interface PMBatch {
  /** Token ids [2P, T]: chosen rows first, then rejected rows. */
  tokens: Uint32Array;
  /** Position of each row's end-of-context token [2P]. */
  eocIndex: Uint32Array;
  /** How many of the P pairs are real (an evaluation batch's last one is padded by repeating pair 0). */
  count: number;
}

/** context + response as a PM sequence of at most T tokens ending in end-of-context, cut from the left. */
export function encodeForPM(context: string, response: string, tokenizer: Tokenizer, T: number): number[] {
  if (T < 2) throw new Error(`a preference-model sequence needs T ≥ 2, got ${T}`);
  const ids = tokenizer.encode(context + response);
  return [...ids.slice(Math.max(0, ids.length - (T - 1))), tokenizer.endOfContext];
}

/** Both sides of each comparison encoded for the PM. */
export function encodeComparisons(
  comparisons: readonly { context: string; chosen: string; rejected: string }[],
  tokenizer: Tokenizer,
  T: number,
): PMSides[] {
  return comparisons.map((c) => ({
    chosen: encodeForPM(c.context, c.chosen, tokenizer, T),
    rejected: encodeForPM(c.context, c.rejected, tokenizer, T),
  }));
}

/** A batch of up to P pairs (fewer are padded with copies of the first; `count` says how many are real). */
export function pmBatch(pairs: readonly PMSides[], P: number, T: number, pad: number): PMBatch {
  if (pairs.length === 0 || pairs.length > P) throw new Error(`a PM batch takes 1..${P} pairs, got ${pairs.length}`);
  const tokens = new Uint32Array(2 * P * T).fill(pad);
  const eocIndex = new Uint32Array(2 * P);
  for (let p = 0; p < P; p++) {
    const pair = pairs[p] ?? pairs[0];
    for (const [row, seq] of [
      [p, pair.chosen],
      [P + p, pair.rejected],
    ] as const) {
      if (seq.length > T)
        throw new Error(`a PM sequence has ${seq.length} tokens, more than T=${T} (encode it with encodeForPM)`);
      tokens.set(seq, row * T);
      eocIndex[row] = seq.length - 1;
    }
  }
  return { tokens, eocIndex, count: Math.min(pairs.length, P) };
}

/** Training batches: the pairs shuffled with the seed every epoch, P at a time (an epoch's remainder is dropped). */
export class PMBatcher {
  epoch = 0;
  /** Indices into `pairs` of the last batch's pairs, in row order (empty before the first). */
  lastIndices: readonly number[] = [];
  private order: number[] = [];
  private at = 0;
  private readonly random: () => number;

  constructor(
    private readonly pairs: readonly PMSides[],
    readonly P: number,
    readonly T: number,
    readonly pad: number,
    seed: number,
  ) {
    if (pairs.length < P)
      throw new Error(`training needs at least one batch of ${P} pairs, the data has ${pairs.length}`);
    this.random = rng(seed);
    this.shuffle();
  }

  /** Full batches per epoch. */
  get batchesPerEpoch(): number {
    return Math.floor(this.pairs.length / this.P);
  }

  next(): PMBatch {
    if (this.at + this.P > this.order.length) {
      this.epoch++;
      this.shuffle();
    }
    this.lastIndices = this.order.slice(this.at, this.at + this.P);
    this.at += this.P;
    return pmBatch(
      this.lastIndices.map((i) => this.pairs[i]),
      this.P,
      this.T,
      this.pad,
    );
  }

  private shuffle(): void {
    this.order = shuffleInPlace(
      this.pairs.map((_, i) => i),
      this.random,
    );
    this.at = 0;
  }
}

/** Every pair once, in order, P at a time (the last batch padded): for evaluation. */
export function pmEvalBatches(pairs: readonly PMSides[], P: number, T: number, pad: number): PMBatch[] {
  const out: PMBatch[] = [];
  for (let i = 0; i < pairs.length; i += P) out.push(pmBatch(pairs.slice(i, i + P), P, T, pad));
  return out;
}
