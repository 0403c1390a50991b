// PPO's pure CPU parts, without a GPU: where packSlots puts each rollout's tokens, actions, mask and score in the
// aligned minibatch slots, the refusals of rows that do not fit, score shaping with TRL's running moments, and the
// iteration's metrics from hand-made per-token buffers (each checked against a value worked out by hand).

import { describe, expect, it } from 'vitest';
import { packSlots, rowStart, slotLayout } from '../../src/train/ppo-slots.ts';
import { ppoMetrics, shapeScores, varianceOf, type PPOMetricInputs } from '../../src/train/ppo-metrics.ts';
import { RunningMoments } from '../../src/train/running-moments.ts';

const EOT = 9;

describe('packSlots', () => {
  // B = 4 rows in M = 2 slots of 2 rows × T = 5 columns: 10 elements per slot, aligned to 4 → S = 12
  const layout = slotLayout(4, 2, 5, 4);

  it('lays rows out in aligned slots', () => {
    expect(layout).toEqual({ M: 2, rows: 2, T: 5, S: 12 });
    expect([0, 1, 2, 3].map((b) => rowStart(layout, b))).toEqual([0, 5, 12, 17]);
    expect(() => slotLayout(5, 2, 5, 4)).toThrow(/minibatches M = 2 must divide the batch B = 5/);
  });

  it('puts each action at the column that predicts it, the mask there and the score at the last action', () => {
    const prompts = [[1, 2], [3], [4, 5, 6], [7]];
    const actions = [[10, 11], [12, 13, 14, 15], [16], [17, EOT]];
    const packed = packSlots(layout, prompts, actions, [0.5, -1, 2, 3], EOT);
    // slot 0 holds rows 0 and 1, slot 1 rows 2 and 3, each right-padded with end-of-text
    expect([...packed.tokens[0]]).toEqual([1, 2, 10, 11, EOT, 3, 12, 13, 14, 15]);
    expect([...packed.tokens[1]]).toEqual([4, 5, 6, 16, EOT, 7, 17, EOT, EOT, EOT]);
    // action i of row b at rowStart(b) + p − 1 + i
    expect(packed.first).toEqual([1, 5, 14, 17]);
    const expectedActions = new Uint32Array(24);
    const expectedMask = new Float32Array(24);
    const expectedScore = new Float32Array(24);
    for (const [b, at] of packed.first.entries()) {
      actions[b].forEach((a, i) => {
        expectedActions[at + i] = a;
        expectedMask[at + i] = 1;
      });
      expectedScore[at + actions[b].length - 1] = [0.5, -1, 2, 3][b];
    }
    expect(packed.actions).toEqual(expectedActions);
    expect(packed.mask).toEqual(expectedMask);
    expect(packed.score).toEqual(expectedScore);
    // the alignment gap of each slot (elements 10, 11 and 22, 23) stays empty
    for (const n of [10, 11, 22, 23]) expect([packed.mask[n], packed.actions[n], packed.score[n]]).toEqual([0, 0, 0]);
  });

  it('refuses rows that do not fit, naming the rollout', () => {
    const ok = [[1], [1], [1], [1]];
    const one = [[2], [2], [2], [2]];
    expect(() => packSlots(layout, ok.slice(1), one, [0, 0, 0, 0], EOT)).toThrow(/3 prompts, 4 responses and 4 scores/);
    expect(() =>
      packSlots(layout, [[1, 2, 3], ...ok.slice(1)], [[4, 5, 6], ...one.slice(1)], [0, 0, 0, 0], EOT),
    ).toThrow(/rollout 0 has 3 prompt tokens, 3 actions and 6 tokens \(1\.\.2 actions fit\)/);
    expect(() => packSlots(layout, ok, [[2], [], [2], [2]], [0, 0, 0, 0], EOT)).toThrow(
      /rollout 1 has 1 prompt tokens, 0 actions/,
    );
    expect(() => packSlots(layout, [[1], [1], [], [1]], one, [0, 0, 0, 0], EOT)).toThrow(
      /rollout 2 has 0 prompt tokens/,
    );
  });
});

describe('score shaping and running moments', () => {
  it('RunningMoments matches the mean and sample deviation of everything seen, batch by batch', () => {
    const m = new RunningMoments();
    expect(m.std).toBe(1);
    const all = [1, 2, 4, 8, -3, 0.5];
    m.update(all.slice(0, 2));
    m.update([]);
    m.update(all.slice(2));
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const sampleVar = all.reduce((a, x) => a + (x - mean) ** 2, 0) / (all.length - 1);
    expect(m.count).toBe(6);
    expect(m.mean).toBeCloseTo(mean, 12);
    expect(m.std).toBeCloseTo(Math.sqrt(sampleVar), 12);
  });

  it('applies the missing-ending penalty, then normalisation, then the clip', () => {
    const off = { missingEosPenalty: 0, scoreNorm: false, scoreClip: 0 };
    expect(shapeScores([1, 2], [true, false], off, new RunningMoments())).toEqual([1, 2]);
    expect(shapeScores([1, 2], [true, false], { ...off, missingEosPenalty: 0.5 }, new RunningMoments())).toEqual([
      1, 1.5,
    ]);
    expect(shapeScores([1, -7, 3], [true, true, true], { ...off, scoreClip: 2 }, new RunningMoments())).toEqual([
      1, -2, 2,
    ]);
    // normalised by the moments of [1, 3] (mean 2, sample std √2), updated first
    const moments = new RunningMoments();
    const s = shapeScores([1, 3], [true, true], { ...off, scoreNorm: true }, moments);
    expect(s[0]).toBeCloseTo(-1 / Math.SQRT2, 12);
    expect(s[1]).toBeCloseTo(1 / Math.SQRT2, 12);
    expect(moments.count).toBe(2);
  });
});

describe('ppoMetrics', () => {
  it('averages per-response sums over the batch and loss sums over the steps', () => {
    // two responses: columns 0..1 and 4..6 of the per-token buffers; columns 2, 3 and 7 are not theirs
    const kl = [0.1, 0.2, 99, 99, 0.3, -0.1, 0.4, 99];
    const entropy = [1, 2, 99, 99, 3, 4, 5, 99];
    const values = [0, 1, 99, 99, 1, 1, 1, 99];
    const returns = [1, 1, 99, 99, 2, 0, 1, 99];
    const x: PPOMetricInputs = {
      scores: [1, 3],
      shaped: [0.5, 1.5],
      klCoef: 0.1,
      responseLengths: [2, 3],
      ended: [true, false],
      spans: [
        { first: 0, length: 2 },
        { first: 4, length: 3 },
      ],
      kl,
      entropy,
      values,
      returns,
      lossSums: {
        'policy/approxkl': 0.4,
        'policy/clipfrac': 0.2,
        'policy/entropy': 8,
        'loss/policy': -2,
        'loss/value': 1,
        'val/ratio': 4,
        'val/clipfrac': 0,
      },
      steps: 4,
      seconds: { rollout: 1, score: 2, logprobs: 3, update: 4 },
    };
    const m = ppoMetrics(x);
    const meanKl = (0.1 + 0.2 + 0.3 - 0.1 + 0.4) / 2; // 0.45
    expect(m['objective/scores']).toBe(2);
    expect(m['objective/kl']).toBeCloseTo(meanKl, 12);
    expect(m['objective/sqrt_kl']).toBeCloseTo(Math.sqrt(meanKl), 12);
    expect(m['objective/entropy']).toBe((1 + 2 + 3 + 4 + 5) / 2);
    expect(m['objective/non_score_reward']).toBeCloseTo(-0.1 * meanKl, 12);
    expect(m['objective/rlhf_reward']).toBeCloseTo(1 - 0.1 * meanKl, 12);
    expect(m['objective/kl_coef']).toBe(0.1);
    expect([m['policy/approxkl'], m['policy/clipfrac'], m['policy/entropy'], m['loss/policy']]).toEqual([
      0.1, 0.05, 2, -0.5,
    ]);
    expect([m['loss/value'], m['val/ratio'], m['val/clipfrac']]).toEqual([0.25, 1, 0]);
    // residuals returns − values over the five response columns: [1, 0, 1, -1, 0]; returns [1, 1, 2, 0, 1]
    expect(m['val/var_explained']).toBeCloseTo(1 - varianceOf([1, 0, 1, -1, 0]) / varianceOf([1, 1, 2, 0, 1]), 12);
    expect(m['val/var_explained']).toBeCloseTo(1 - 0.56 / 0.4, 12);
    expect(m['response/length']).toBe(2.5);
    expect(m['response/ended_rate']).toBe(0.5);
    expect([m['time/rollout'], m['time/score'], m['time/logprobs'], m['time/update']]).toEqual([1, 2, 3, 4]);
  });
});
