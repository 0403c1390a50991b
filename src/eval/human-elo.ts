// Elo of policies from the notebook's own human labels (src/store/labels.ts), the paper's crowdworker Elo
// (Bai et al. 2022 §3.3: Elo from human preferences between models' responses). A label whose two responses
// came from two different checkpoints is one game between them, won by the checkpoint that wrote the chosen
// response: in helpful mode the response the user picked as more helpful, in red-team mode the one the user did
// NOT pick as more harmful (the less harmful is stored as chosen). The provenance says which checkpoint wrote
// response 1 and response 2 and which the user picked, so the winner is read from it, not from the text.
// One leaderboard per mode: helpfulness Elo and harmlessness Elo, as the paper keeps them apart.
// Ratings: Bradley–Terry with 95% intervals from resampling labels (bootstrapElo, src/eval/elo.ts, the fit
// src/eval/tournament.ts uses): every label is its own prompt and its own game, so resampling games here is
// resampling prompts there. Labels of one checkpoint against itself, and comparisons without provenance
// (imported data), are not games. Checkpoints are told apart by name, as the provenance records them.

import type { Comparison, LabelProvenance } from '../data/comparisons.ts';
import { bootstrapElo, type Match } from './elo.ts';

/** One human judgement between two checkpoints. */
export interface LabelGame {
  mode: LabelProvenance['mode'];
  winner: string;
  loser: string;
}

/** The games among `comparisons` (labels of two distinct checkpoints), in order. */
export function labelGames(comparisons: readonly Pick<Comparison, 'provenance'>[]): LabelGame[] {
  const games: LabelGame[] = [];
  for (const { provenance: p } of comparisons) {
    if (!p || p.checkpoints[0] === p.checkpoints[1]) continue;
    // helpful: the picked response is chosen; red-team: the picked (more harmful) one is rejected
    const chosen = p.mode === 'helpful' ? p.picked : p.picked === 1 ? 2 : 1;
    games.push({ mode: p.mode, winner: p.checkpoints[chosen - 1], loser: p.checkpoints[2 - chosen] });
  }
  return games;
}

export interface HumanLeaderboard {
  mode: LabelProvenance['mode'];
  /** Checkpoint names, in order of first appearance. */
  players: string[];
  /** Elo (mean 0) with 95% intervals from resampling labels. */
  elo: number[];
  lo: number[];
  hi: number[];
  /** Games played and won per player. */
  games: number[];
  wins: number[];
}

/** The leaderboard of one mode's games, or null when they involve fewer than two checkpoints. */
export function humanLeaderboard(
  games: readonly LabelGame[],
  mode: LabelProvenance['mode'],
  opts: { samples: number; seed: number },
): HumanLeaderboard | null {
  const mine = games.filter((g) => g.mode === mode);
  const players: string[] = [];
  const index = (name: string) => {
    let i = players.indexOf(name);
    if (i < 0) i = players.push(name) - 1;
    return i;
  };
  const byPair = new Map<string, Match>();
  for (const g of mine) {
    const w = index(g.winner);
    const l = index(g.loser);
    const [a, b] = w < l ? [w, l] : [l, w];
    const m = byPair.get(`${a},${b}`) ?? { a, b, winsA: 0, games: 0 };
    m.games++;
    if (w === a) m.winsA++;
    byPair.set(`${a},${b}`, m);
  }
  if (players.length < 2) return null;
  const matches = [...byPair.values()];
  const { ratings, lo, hi } = bootstrapElo(players.length, matches, opts);
  const played = players.map((_, i) => matches.reduce((n, m) => n + (m.a === i || m.b === i ? m.games : 0), 0));
  const wins = players.map((_, i) =>
    matches.reduce((n, m) => n + (m.a === i ? m.winsA : m.b === i ? m.games - m.winsA : 0), 0),
  );
  return { mode, players, elo: ratings, lo, hi, games: played, wins };
}
