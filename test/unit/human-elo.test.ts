// Human-judged Elo from the labelling view's comparisons (src/eval/human-elo.ts): labels made by
// labelComparison (src/store/labels.ts), the way the labelling view stores them, become games won by the chosen
// response's checkpoint (the picked one in helpful mode, the other in red-team mode); labels of one checkpoint
// against itself and comparisons without provenance are not games; one leaderboard per mode; the ratings are
// bootstrapElo's on the aggregated games, so the checkpoint that wins more is rated higher.

import { describe, expect, it } from 'vitest';
import type { Comparison } from '../../src/data/comparisons.ts';
import { bootstrapElo } from '../../src/eval/elo.ts';
import { humanLeaderboard, labelGames } from '../../src/eval/human-elo.ts';
import { labelComparison, type Label } from '../../src/store/labels.ts';

function label(checkpoints: [string, string], picked: 1 | 2, mode: Label['mode'] = 'helpful', n = 0): Comparison {
  const c = labelComparison(
    {
      prompt: `\n\nHuman: question ${n}\n\nAssistant:`,
      responses: [` answer one ${n}`, ` answer two ${n}`],
      picked,
      mode,
      checkpoints,
      seed: n,
      promptDataset: 'synth-helpful',
      time: n,
    },
    n + 1,
  );
  if ('error' in c) throw new Error(c.error);
  return c;
}

describe('labelGames', () => {
  it('reads the winner from the provenance: the picked response in helpful mode, the other one in red-team mode', () => {
    const games = labelGames([
      label(['base', 'rlhf'], 2, 'helpful'),
      label(['base', 'rlhf'], 1, 'helpful'),
      label(['base', 'rlhf'], 2, 'red-team'), // rlhf's response was more harmful: base wins harmlessness
      label(['rlhf', 'rlhf'], 1, 'helpful'), // one checkpoint against itself: no game
      { ...label(['base', 'rlhf'], 1), provenance: undefined }, // imported data: no game
    ]);
    expect(games).toEqual([
      { mode: 'helpful', winner: 'rlhf', loser: 'base' },
      { mode: 'helpful', winner: 'base', loser: 'rlhf' },
      { mode: 'red-team', winner: 'base', loser: 'rlhf' },
    ]);
    // the winner's response is the stored chosen side
    const c = label(['base', 'rlhf'], 2, 'red-team');
    expect(c.chosen).toBe(' answer one 0');
  });
});

describe('humanLeaderboard', () => {
  const labels = [
    ...Array.from({ length: 6 }, (_, i) => label(['base', 'rlhf'], 2, 'helpful', i)), // rlhf wins 6
    ...Array.from({ length: 2 }, (_, i) => label(['rlhf', 'base'], 2, 'helpful', 10 + i)), // base wins 2
    ...Array.from({ length: 3 }, (_, i) => label(['rlhf', 'other'], 1, 'helpful', 20 + i)), // rlhf beats other 3
    label(['base', 'rlhf'], 1, 'red-team', 30), // base's response more harmful: rlhf wins harmlessness
  ];
  const games = labelGames(labels);

  it('rates the checkpoint that wins more higher, with games, wins and intervals that hold the estimate', () => {
    const b = humanLeaderboard(games, 'helpful', { samples: 100, seed: 1 })!;
    expect(b.mode).toBe('helpful');
    expect(b.players).toEqual(['rlhf', 'base', 'other']);
    expect(b.games).toEqual([11, 8, 3]);
    expect(b.wins).toEqual([9, 2, 0]);
    expect(b.elo[0]).toBeGreaterThan(b.elo[1]);
    expect(b.elo[1]).toBeGreaterThan(b.elo[2]);
    b.elo.forEach((e, i) => {
      expect(b.lo[i]).toBeLessThanOrEqual(e);
      expect(b.hi[i]).toBeGreaterThanOrEqual(e);
    });
    // the same fit as bootstrapElo on the aggregated games
    const direct = bootstrapElo(
      3,
      [
        { a: 0, b: 1, winsA: 6, games: 8 },
        { a: 0, b: 2, winsA: 3, games: 3 },
      ],
      { samples: 100, seed: 1 },
    );
    expect(b.elo).toEqual(direct.ratings);
  });

  it('keeps the modes apart and needs two checkpoints', () => {
    const red = humanLeaderboard(games, 'red-team', { samples: 20, seed: 1 })!;
    expect(red.players).toEqual(['rlhf', 'base']);
    expect(red.wins).toEqual([1, 0]);
    expect(humanLeaderboard(labelGames([label(['a', 'a'], 1)]), 'helpful', { samples: 20, seed: 1 })).toBeNull();
    expect(humanLeaderboard([], 'red-team', { samples: 20, seed: 1 })).toBeNull();
  });
});
