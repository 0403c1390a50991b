// The experiment ↔ URL round trip: every field survives, bad values fall back to their defaults with a
// notice naming the parameter, cross-field rules (sequence ≤ the model's context) hold, and the knob
// table explains every field.

import { describe, expect, it } from 'vitest';
import {
  BASE_FIELDS, DATA_FIELDS, DEFAULT_EXPERIMENT, PM_FIELDS, SEED_FIELD, defaultExperiment, experimentFromParams, experimentToParams, withBase, type Experiment,
} from '../../src/ui/experiment.ts';

const fromQuery = (q: string) => experimentFromParams(new URLSearchParams(q));

describe('experiment in the URL', () => {
  it('an empty query is the defaults, without notices', () => {
    expect(fromQuery('')).toEqual({ experiment: DEFAULT_EXPERIMENT, notices: [] });
  });

  it('every field round-trips through the URL', () => {
    const e: Experiment = {
      seed: 42,
      data: { synthPairs: 40 },
      base: { datasets: ['helpful-base-train', 'synth-harmless'], preset: 'nano', steps: 3, batch: 2, seq: 16, lr: 3e-4, assistantOnly: true, evalEvery: 1, saveEvery: 5 },
      pm: { datasets: ['synth-helpful'], steps: 4, pairs: 3, seq: 24, lr: 2e-3, evalEvery: 2, init: false, saveEvery: 3 },
      rlhf: { datasets: ['synth-harmless'], iterations: 5, batch: 6, minibatches: 3, epochs: 2, maxTokens: 12, klCoef: 0, klTarget: 4, lr: 3e-5, reward: 'gold', saveEvery: 2 },
    };
    const query = experimentToParams(e).toString();
    expect(query).toBe('seed=42&data.synth=40&base.data=helpful-base-train%2Csynth-harmless&base.preset=nano&base.steps=3&base.batch=2&base.seq=16&base.lr=0.0003&base.assistant=1&base.every=1&base.save=5'
      + '&pm.data=synth-helpful&pm.steps=4&pm.pairs=3&pm.seq=24&pm.lr=0.002&pm.every=2&pm.init=0&pm.save=3'
      + '&rlhf.data=synth-harmless&rlhf.iters=5&rlhf.batch=6&rlhf.mb=3&rlhf.epochs=2&rlhf.tokens=12&rlhf.kl=0&rlhf.kltarget=4&rlhf.lr=0.00003&rlhf.reward=gold&rlhf.save=2');
    expect(fromQuery(query)).toEqual({ experiment: e, notices: [] });
    expect(fromQuery(experimentToParams(DEFAULT_EXPERIMENT).toString()).experiment).toEqual(DEFAULT_EXPERIMENT);
  });

  it('bad values fall back to their defaults, each with a notice naming the field', () => {
    const { experiment, notices } = fromQuery('seed=-3&data.synth=0&base.preset=huge&base.steps=1.5&base.batch=0&base.lr=abc&base.assistant=maybe&base.every=&base.data=ok,Bad%20Id');
    expect(experiment).toEqual(DEFAULT_EXPERIMENT);
    expect(notices).toEqual([
      'seed: "-3" is not an integer from 0 to 2147483647; using the default 1',
      'data.synth: "0" is not an integer from 1 to 20000; using the default 1000',
      'base.data: "ok,Bad Id" is not comma-separated dataset ids (lowercase letters, digits, dashes); using the default synth-helpful,synth-harmless',
      'base.preset: "huge" is not one of nano, tiny; using the default tiny',
      'base.steps: "1.5" is not an integer from 1 to 100000; using the default 300',
      'base.batch: "0" is not an integer from 1 to 256; using the default 8',
      'base.lr: "abc" is not a number above 0, at most 1; using the default 0.001',
      'base.assistant: "maybe" is not 0 or 1; using the default 0',
      'base.every: "" is not an integer from 1 to 10000; using the default 10',
    ]);
  });

  it('unknown parameters are reported, not fatal', () => {
    const { experiment, notices } = fromQuery('seed=7&colour=blue');
    expect(experiment.seed).toBe(7);
    expect(notices).toEqual(['colour: unknown parameter, ignored']);
  });

  it('the sequence length defaults to the model\'s context and is cut to it', () => {
    expect(fromQuery('base.preset=nano').experiment.base.seq).toBe(32);
    expect(fromQuery('base.preset=tiny').experiment.base.seq).toBe(128);
    const { experiment, notices } = fromQuery('base.preset=nano&base.seq=100');
    expect(experiment.base.seq).toBe(32);
    expect(notices).toEqual(["base.seq: 100 is longer than the nano model's context of 32 tokens; using 32"]);
  });

  it('changing the model keeps the sequence length consistent', () => {
    const tiny = defaultExperiment();
    expect(withBase(tiny, 'preset', 'nano').base.seq).toBe(32);
    expect(withBase(withBase(tiny, 'preset', 'nano'), 'preset', 'tiny').base.seq).toBe(128);
    const short = withBase(tiny, 'seq', 20);
    expect(withBase(withBase(short, 'preset', 'nano'), 'preset', 'tiny').base.seq).toBe(20);
    expect(withBase(tiny, 'steps', 5)).toEqual({ ...tiny, base: { ...tiny.base, steps: 5 } });
    expect(tiny).toEqual(DEFAULT_EXPERIMENT); // not mutated
  });

  it('an empty dataset list is a valid choice', () => {
    expect(fromQuery('base.data=').experiment.base.datasets).toEqual([]);
  });

  it('every knob has a label, a one-line explanation and a distinct parameter', () => {
    const fields = [SEED_FIELD, ...Object.values(DATA_FIELDS), ...Object.values(BASE_FIELDS), ...Object.values(PM_FIELDS)];
    for (const f of fields) {
      expect(f.label.length).toBeGreaterThan(2);
      expect(f.help.length).toBeGreaterThan(30);
      expect(f.help).not.toContain('\n');
    }
    expect(new Set(fields.map((f) => f.param)).size).toBe(fields.length);
  });
});
