// The RLHF stage's knobs in the URL: defaults (λ_KL = 0.001 as in the paper, adaptive KL off, reward = the
// preference model), a round trip of every field, bad values named, 0 allowed where it means "off",
// minibatches kept a divisor of the rollouts, and a one-line explanation per knob.

import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EXPERIMENT,
  RLHF_FIELDS,
  defaultExperiment,
  experimentFromParams,
  experimentToParams,
  largestDivisorAtMost,
  withSetting,
  type Experiment,
} from '../../src/ui/experiment.ts';

const fromQuery = (q: string) => experimentFromParams(new URLSearchParams(q));
const withRlhf = <K extends keyof Experiment['rlhf']>(e: Experiment, key: K, value: Experiment['rlhf'][K]) =>
  withSetting(e, 'rlhf', key, value);

describe('the RLHF knobs in the URL', () => {
  it("defaults: the paper's λ_KL, no adaptive KL, the preference model as reward, synthetic prompts", () => {
    expect(DEFAULT_EXPERIMENT.rlhf).toEqual({
      datasets: ['synth-helpful', 'synth-harmless'],
      iterations: 50,
      batchSize: 8,
      minibatches: 2,
      epochs: 4,
      maxTokens: 32,
      klCoef: 0.001,
      klTarget: 0,
      lr: 1e-4,
      reward: 'pm',
      saveInterval: 5,
    });
    const p = experimentToParams(DEFAULT_EXPERIMENT);
    expect(p.get('rlhf.klCoef')).toBe('0.001');
    expect(p.get('rlhf.reward')).toBe('pm');
  });

  it('every field round-trips; 0 is a valid λ and target', () => {
    const e = withRlhf(withRlhf(withRlhf(defaultExperiment(), 'klCoef', 0), 'klTarget', 0), 'reward', 'gold');
    const q = experimentToParams({
      ...e,
      rlhf: {
        ...e.rlhf,
        datasets: ['tiny-hh'],
        iterations: 2,
        batchSize: 4,
        minibatches: 4,
        epochs: 1,
        maxTokens: 8,
        lr: 0.002,
      },
    }).toString();
    expect(q).toContain(
      'rlhf.datasets=tiny-hh&rlhf.iterations=2&rlhf.batchSize=4&rlhf.minibatches=4&rlhf.epochs=1&rlhf.maxTokens=8&rlhf.klCoef=0' +
        '&rlhf.klTarget=0&rlhf.lr=0.002&rlhf.reward=gold',
    );
    const back = fromQuery(q);
    expect(back.notices).toEqual([]);
    expect(back.experiment.rlhf).toEqual({
      datasets: ['tiny-hh'],
      iterations: 2,
      batchSize: 4,
      minibatches: 4,
      epochs: 1,
      maxTokens: 8,
      klCoef: 0,
      klTarget: 0,
      lr: 0.002,
      reward: 'gold',
      saveInterval: 5,
    });
  });

  it('bad values fall back to their defaults, each named', () => {
    const { experiment, notices } = fromQuery(
      'rlhf.klCoef=-1&rlhf.klTarget=abc&rlhf.reward=human&rlhf.iterations=0&rlhf.lr=0',
    );
    expect(experiment.rlhf).toEqual(DEFAULT_EXPERIMENT.rlhf);
    expect(notices).toEqual([
      'rlhf.iterations: "0" is not an integer from 1 to 100000; using the default 50',
      'rlhf.klCoef: "-1" is not a number from 0 to 10; using the default 0.001',
      'rlhf.klTarget: "abc" is not a number from 0 to 1000; using the default 0',
      'rlhf.lr: "0" is not a number above 0, at most 1; using the default 0.0001',
      'rlhf.reward: "human" is not one of pm, gold; using the default pm',
    ]);
  });

  it('keeps the minibatches a divisor of the rollouts per iteration', () => {
    const { experiment, notices } = fromQuery('rlhf.batchSize=6&rlhf.minibatches=4');
    expect(experiment.rlhf.minibatches).toBe(3);
    expect(notices).toEqual(['rlhf.minibatches: 4 minibatches do not divide 6 rollouts; using 3']);
    expect(withRlhf(defaultExperiment(), 'batchSize', 5).rlhf.minibatches).toBe(1);
    expect(withRlhf(defaultExperiment(), 'minibatches', 8).rlhf.minibatches).toBe(8);
    expect(withRlhf(defaultExperiment(), 'minibatches', 3).rlhf.minibatches).toBe(2);
    expect([
      largestDivisorAtMost(12, 5),
      largestDivisorAtMost(7, 7),
      largestDivisorAtMost(7, 6),
      largestDivisorAtMost(1, 4),
    ]).toEqual([4, 7, 1, 1]);
  });

  it('every knob has a label, a one-line explanation and its own rlhf.* parameter', () => {
    const fields = Object.values(RLHF_FIELDS);
    for (const f of fields) {
      expect(f.label.length).toBeGreaterThan(2);
      expect(f.help.length).toBeGreaterThan(30);
      expect(f.help).not.toContain('\n');
      expect(f.param.startsWith('rlhf.')).toBe(true);
    }
    expect(new Set(fields.map((f) => f.param)).size).toBe(fields.length);
    expect(RLHF_FIELDS.klCoef.help).toMatch(/0\.001 as in the paper/);
  });
});
