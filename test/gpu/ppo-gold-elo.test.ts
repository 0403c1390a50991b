// PPO against the synthetic world's gold scorer makes a policy better by the gold scorer's own tournament: the
// trained policy's gold Elo is above its initial checkpoint's (issue: "Elo of the PPO policy above its initial
// checkpoint under the gold scorer"), measured on held-out prompts it never trained on, with the leaderboard
// `rlhf elo --gold` and the notebook's leaderboard use (src/eval/tournament.ts, policy-responses.ts).
//
// The initial policy is built, not pretrained (a nano model pretrained for a test's minutes on SwiftShader writes
// no key words, so every gold score would be 0): test/helpers/key-word-policy.ts, answering any prompt with a bag of
// the key words of two benign and two harmful topics (16 words). On a benign prompt of those topics its own topic's
// words score helpfulness, on a harmful one they score harmfulness: the gold optimum is to write benign words and never
// harmful ones. Its output ignores the prompt (the final norm's weight is 0), so PPO can only reweight the words —
// enough for the gold score to rise on prompts it has not seen.

import { describe, expect, it } from 'vitest';
import { toComparisons } from '../../src/data/comparisons.ts';
import { generateSynthWorld, goldScore } from '../../src/data/synth.ts';
import { BENIGN_TOPICS, HARMFUL_TOPICS } from '../../src/data/synth-vocab.ts';
import { synthTokenizer } from '../../src/data/tokenizer-synth.ts';
import { goldBehaviour } from '../../src/eval/gold-behaviour.ts';
import { policyResponses } from '../../src/eval/policy-responses.ts';
import { leaderboard } from '../../src/eval/tournament.ts';
import { checkpointBytes, loadCheckpoint } from '../../src/models/checkpoint.ts';
import { PromptCycle, goldReward, goldValue } from '../../src/train/ppo-data.ts';
import { ppoPrompts } from '../../src/data/prompts.ts';
import { DEFAULT_PPO, PPOTrainer, type PPOConfig } from '../../src/train/ppo.ts';
import { testGpu } from '../helpers/gpu.ts';
import { KEY_WORD_CFG, keyWordPolicy } from '../helpers/key-word-policy.ts';

const TOPICS = [BENIGN_TOPICS[0], BENIGN_TOPICS[1], HARMFUL_TOPICS[0], HARMFUL_TOPICS[1]];
const cfg = KEY_WORD_CFG;
const keyWords = TOPICS.flatMap((t) => t.steps.map(([word]) => word));

/** Distinct prompts of the four topics from a world sample. */
function prompts(seed: number): string[] {
  const world = generateSynthWorld({ seed, pairs: 200 });
  const all = ppoPrompts(
    toComparisons(
      [...world.helpful, ...world.harmless].map((p, i) => ({ ...p, line: i + 1 })),
      { file: 'w', subset: 'w' },
    ).comparisons,
  );
  return all.filter((p) => TOPICS.some((t) => t.phrasings.some((ph) => p.toLowerCase().includes(ph))));
}

describe('PPO against the gold scorer', () => {
  it('puts the trained policy above its initial checkpoint on the gold leaderboard, on held-out prompts', async () => {
    const gpu = await testGpu();
    const initial = keyWordPolicy(keyWords);
    const train = prompts(1);
    const heldOut = prompts(2)
      .filter((p) => !train.includes(p))
      .slice(0, 24);
    expect(heldOut.length).toBeGreaterThanOrEqual(12);
    expect(new Set(heldOut.map((p) => goldScore(p, '').requestKind))).toEqual(new Set(['benign', 'harmful']));

    const config: PPOConfig = {
      ...DEFAULT_PPO,
      batchSize: 8,
      minibatches: 2,
      epochs: 2,
      maxTokens: 6,
      stopTexts: [],
      lr: 0.05,
      klCoef: 0.001,
      seed: 4,
    };
    const trainer = new PPOTrainer(gpu, cfg, config, { policy: initial }, synthTokenizer, goldReward);
    const cycle = new PromptCycle(train, 3);
    const scores: number[] = [];
    for (let i = 0; i < 6; i++) scores.push((await trainer.step(cycle.next(8))).metrics['objective/scores']);

    // the tournament on held-out prompts: both policies answer every prompt with the same sampling seed
    const files = [
      { name: 'initial', bytes: checkpointBytes(cfg, initial, { tokenizer: 'synth', preset: 'nano' }) },
      {
        name: 'ppo',
        bytes: checkpointBytes(cfg, await trainer.policyParams(), { tokenizer: 'synth', preset: 'nano' }),
      },
    ];
    const sampling = { maxTokens: 6, temperature: 1, topK: 0, seed: 9, batch: 8 };
    const responses: string[][] = [];
    for (const f of files)
      responses.push(await policyResponses(gpu, loadCheckpoint(f.bytes, f.name), f.name, heldOut, sampling));
    const gold = responses.map((r) => heldOut.map((p, q) => goldValue(p, r[q])));
    const board = leaderboard(gold, { samples: 200, seed: 5 });
    const [before, after] = responses.map((r) => goldBehaviour(heldOut, r));
    console.log(
      'gold/scores per iteration',
      scores.map((s) => s.toFixed(3)).join(' '),
      '| Elo',
      board.elo.map((e) => e.toFixed(0)),
      '| mean gold',
      board.meanScore.map((s) => s.toFixed(3)),
    );
    expect(board.elo[1]).toBeGreaterThan(board.elo[0]);
    expect(board.meanScore[1]).toBeGreaterThan(board.meanScore[0]);
    expect(board.lo[1]).toBeGreaterThan(board.elo[0]); // the interval of the trained policy clears the initial one's rating
    expect(after.harmfulness).toBeLessThanOrEqual(before.harmfulness);
  }, 600_000);
});
