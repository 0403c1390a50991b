// A round-robin tournament of policies judged per prompt (the paper's Elo comparisons of policies, §3.3 and
// Figure 1): every policy answers the same prompts; on each prompt every pair of policies plays one game,
// won by the response the judge scores higher (a tie is half a win each). Bradley–Terry maximum likelihood
// (src/eval/elo.ts) turns the games into Elo ratings; the 95% intervals come from resampling PROMPTS with
// replacement and refitting (a prompt's games are not independent of each other, so resampling single
// games, as bootstrapElo does, would understate the uncertainty; prompts are the independent draws).

import { rng } from '../util/random.ts';
import { bradleyTerry, type Match } from './elo.ts';
import { quantileSorted } from './stats.ts';

/** scores[p][q]: the judge's score of policy p's response to prompt q. */
export type JudgeScores = readonly (readonly number[])[];

function checkScores(scores: JudgeScores): number {
  const Q = scores[0]?.length ?? 0;
  if (scores.length < 2) throw new RangeError(`tournament: needs at least 2 policies, got ${scores.length}`);
  if (Q < 1) throw new RangeError('tournament: needs at least one prompt');
  scores.forEach((row, p) => {
    if (row.length !== Q) throw new RangeError(`tournament: policy ${p} has ${row.length} scores, policy 0 has ${Q}`);
    const bad = row.findIndex((s) => !Number.isFinite(s));
    if (bad >= 0) throw new RangeError(`tournament: policy ${p}'s score on prompt ${bad} is ${row[bad]}`);
  });
  return Q;
}

/** One Match per pair of policies (a < b), over the prompts `which` (indices, repeats allowed; all by default). */
export function roundRobin(scores: JudgeScores, which?: readonly number[]): Match[] {
  const Q = checkScores(scores);
  const prompts = which ?? Array.from({ length: Q }, (_, q) => q);
  const matches: Match[] = [];
  for (let a = 0; a < scores.length; a++) {
    for (let b = a + 1; b < scores.length; b++) {
      let winsA = 0;
      for (const q of prompts) winsA += scores[a][q] > scores[b][q] ? 1 : scores[a][q] === scores[b][q] ? 0.5 : 0;
      matches.push({ a, b, winsA, games: prompts.length });
    }
  }
  return matches;
}

/** winRate[a][b]: the fraction of prompts on which a's response beat b's (ties half); NaN on the diagonal. */
export function winRateMatrix(scores: JudgeScores): number[][] {
  const n = scores.length;
  const out = Array.from({ length: n }, () => new Array<number>(n).fill(Number.NaN));
  for (const m of roundRobin(scores)) {
    out[m.a][m.b] = m.winsA / m.games;
    out[m.b][m.a] = 1 - m.winsA / m.games;
  }
  return out;
}

export interface Leaderboard {
  /** Elo ratings (mean 0), with 95% intervals from resampling prompts. */
  elo: number[];
  lo: number[];
  hi: number[];
  winRate: number[][];
  /** Mean judge score per policy. */
  meanScore: number[];
  prompts: number;
}

/** Ratings, intervals (`samples` prompt resamples, seeded) and the win-rate matrix. */
export function leaderboard(scores: JudgeScores, opts: { samples: number; seed: number }): Leaderboard {
  const Q = checkScores(scores);
  if (!Number.isInteger(opts.samples) || opts.samples < 1)
    throw new RangeError(`leaderboard: samples must be a positive integer, got ${opts.samples}`);
  const n = scores.length;
  const { ratings } = bradleyTerry(n, roundRobin(scores));
  const random = rng(opts.seed);
  const draws: number[][] = Array.from({ length: n }, () => []);
  for (let s = 0; s < opts.samples; s++) {
    const which = Array.from({ length: Q }, () => Math.floor(random() * Q));
    bradleyTerry(n, roundRobin(scores, which)).ratings.forEach((r, p) => draws[p].push(r));
  }
  const lo: number[] = [];
  const hi: number[] = [];
  for (const d of draws) {
    d.sort((x, y) => x - y);
    lo.push(quantileSorted(d, 0.025));
    hi.push(quantileSorted(d, 0.975));
  }
  return {
    elo: ratings,
    lo,
    hi,
    winRate: winRateMatrix(scores),
    meanScore: scores.map((row) => row.reduce((a, b) => a + b, 0) / Q),
    prompts: Q,
  };
}
