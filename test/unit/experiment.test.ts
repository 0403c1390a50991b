// The experiment ↔ URL round trip: every field survives, bad values fall back to their defaults with a
// notice naming the parameter, cross-field rules (sequence ≤ the model's context) hold, and the knob
// table explains every field.

import { describe, expect, it } from 'vitest';
import {
  BASE_FIELDS,
  DATA_FIELDS,
  DEFAULT_EXPERIMENT,
  PM_FIELDS,
  RENAMED_PARAMS,
  RLHF_FIELDS,
  SEED_FIELD,
  defaultExperiment,
  experimentFromParams,
  experimentToParams,
  withSetting,
  type Experiment,
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
      base: {
        datasets: ['helpful-base-train', 'synth-harmless'],
        preset: 'nano',
        steps: 3,
        batchSize: 2,
        seqLen: 16,
        lr: 3e-4,
        assistantOnly: true,
        evalInterval: 1,
        saveInterval: 5,
      },
      pm: {
        datasets: ['synth-helpful'],
        steps: 4,
        pairsPerBatch: 3,
        seqLen: 24,
        lr: 2e-3,
        evalInterval: 2,
        init: false,
        saveInterval: 3,
      },
      rlhf: {
        datasets: ['synth-harmless'],
        iterations: 5,
        batchSize: 6,
        minibatches: 3,
        epochs: 2,
        maxTokens: 12,
        klCoef: 0,
        klTarget: 4,
        lr: 3e-5,
        reward: 'gold',
        saveInterval: 2,
      },
    };
    const query = experimentToParams(e).toString();
    expect(query).toBe(
      'seed=42&data.synthPairs=40' +
        '&base.datasets=helpful-base-train%2Csynth-harmless&base.preset=nano&base.steps=3&base.batchSize=2&base.seqLen=16&base.lr=0.0003' +
        '&base.assistantOnly=1&base.evalInterval=1&base.saveInterval=5' +
        '&pm.datasets=synth-helpful&pm.steps=4&pm.pairsPerBatch=3&pm.seqLen=24&pm.lr=0.002&pm.evalInterval=2&pm.init=0&pm.saveInterval=3' +
        '&rlhf.datasets=synth-harmless&rlhf.iterations=5&rlhf.batchSize=6&rlhf.minibatches=3&rlhf.epochs=2&rlhf.maxTokens=12&rlhf.klCoef=0' +
        '&rlhf.klTarget=4&rlhf.lr=0.00003&rlhf.reward=gold&rlhf.saveInterval=2',
    );
    expect(fromQuery(query)).toEqual({ experiment: e, notices: [] });
    expect(fromQuery(experimentToParams(DEFAULT_EXPERIMENT).toString()).experiment).toEqual(DEFAULT_EXPERIMENT);
  });

  it('bad values fall back to their defaults, each with a notice naming the field', () => {
    const { experiment, notices } = fromQuery(
      'seed=-3&data.synthPairs=0&base.preset=huge&base.steps=1.5&base.batchSize=0&base.lr=abc' +
        '&base.assistantOnly=maybe&base.evalInterval=&base.datasets=ok,Bad%20Id',
    );
    expect(experiment).toEqual(DEFAULT_EXPERIMENT);
    expect(notices).toEqual([
      'seed: "-3" is not an integer from 0 to 2147483647; using the default 1',
      'data.synthPairs: "0" is not an integer from 1 to 20000; using the default 1000',
      'base.datasets: "ok,Bad Id" is not comma-separated dataset ids (lowercase letters, digits, dashes); using the default ' +
        'synth-helpful,synth-harmless',
      'base.preset: "huge" is not one of nano, tiny; using the default tiny',
      'base.steps: "1.5" is not an integer from 1 to 100000; using the default 300',
      'base.batchSize: "0" is not an integer from 1 to 256; using the default 8',
      'base.lr: "abc" is not a number above 0, at most 1; using the default 0.001',
      'base.assistantOnly: "maybe" is not 0 or 1; using the default 0',
      'base.evalInterval: "" is not an integer from 1 to 10000; using the default 10',
    ]);
  });

  it('unknown parameters are reported, not fatal', () => {
    const { experiment, notices } = fromQuery('seed=7&colour=blue');
    expect(experiment.seed).toBe(7);
    expect(notices).toEqual(['colour: unknown parameter, ignored']);
  });

  it("the sequence length defaults to the model's context and is cut to it", () => {
    expect(fromQuery('base.preset=nano').experiment.base.seqLen).toBe(32);
    expect(fromQuery('base.preset=tiny').experiment.base.seqLen).toBe(128);
    const { experiment, notices } = fromQuery('base.preset=nano&base.seqLen=100');
    expect(experiment.base.seqLen).toBe(32);
    expect(notices).toEqual(["base.seqLen: 100 is longer than the nano model's context of 32 tokens; using 32"]);
  });

  it('changing the model keeps the sequence length consistent', () => {
    const tiny = defaultExperiment();
    const withBase = <K extends keyof Experiment['base']>(e: Experiment, key: K, value: Experiment['base'][K]) =>
      withSetting(e, 'base', key, value);
    expect(withBase(tiny, 'preset', 'nano').base.seqLen).toBe(32);
    expect(withBase(withBase(tiny, 'preset', 'nano'), 'preset', 'tiny').base.seqLen).toBe(128);
    const short = withBase(tiny, 'seqLen', 20);
    expect(withBase(withBase(short, 'preset', 'nano'), 'preset', 'tiny').base.seqLen).toBe(20);
    expect(withBase(tiny, 'steps', 5)).toEqual({ ...tiny, base: { ...tiny.base, steps: 5 } });
    expect(tiny).toEqual(DEFAULT_EXPERIMENT); // not mutated
  });

  it('an empty dataset list is a valid choice', () => {
    expect(fromQuery('base.datasets=').experiment.base.datasets).toEqual([]);
  });

  it('every knob has a label, a one-line explanation and a distinct parameter', () => {
    const fields = [
      SEED_FIELD,
      ...Object.values(DATA_FIELDS),
      ...Object.values(BASE_FIELDS),
      ...Object.values(PM_FIELDS),
    ];
    for (const f of fields) {
      expect(f.label.length).toBeGreaterThan(2);
      expect(f.help.length).toBeGreaterThan(30);
      expect(f.help).not.toContain('\n');
    }
    expect(new Set(fields.map((f) => f.param)).size).toBe(fields.length);
  });

  it('a setting has one name from the URL to the Worker: the parameter is section.key', () => {
    for (const [name, fields] of [
      ['data', DATA_FIELDS],
      ['base', BASE_FIELDS],
      ['pm', PM_FIELDS],
      ['rlhf', RLHF_FIELDS],
    ] as const) {
      for (const [key, f] of Object.entries(fields)) expect(f.param).toBe(`${name}.${key}`);
    }
  });

  it('links made before the rename open the same experiment, without notices', () => {
    const old =
      'seed=3&data.synth=20&base.data=synth-helpful&base.preset=nano&base.steps=3&base.batch=2&base.seq=16&base.assistant=1' +
      '&base.every=2&base.save=4&pm.data=synth-harmless&pm.pairs=2&pm.seq=24&pm.every=3&pm.save=5' +
      '&rlhf.data=tiny-hh&rlhf.iters=7&rlhf.batch=6&rlhf.mb=3&rlhf.tokens=6&rlhf.kl=0.01&rlhf.kltarget=2&rlhf.save=1';
    const { experiment, notices } = fromQuery(old);
    expect(notices).toEqual([]);
    const d = DEFAULT_EXPERIMENT;
    expect(experiment).toEqual({
      seed: 3,
      data: { synthPairs: 20 },
      base: {
        ...d.base,
        datasets: ['synth-helpful'],
        preset: 'nano',
        steps: 3,
        batchSize: 2,
        seqLen: 16,
        assistantOnly: true,
        evalInterval: 2,
        saveInterval: 4,
      },
      pm: { ...d.pm, datasets: ['synth-harmless'], pairsPerBatch: 2, seqLen: 24, evalInterval: 3, saveInterval: 5 },
      rlhf: {
        ...d.rlhf,
        datasets: ['tiny-hh'],
        iterations: 7,
        batchSize: 6,
        minibatches: 3,
        maxTokens: 6,
        klCoef: 0.01,
        klTarget: 2,
        saveInterval: 1,
      },
    });
    // every old name maps to a field that exists; the new link writes only new names
    const params = new Set(experimentToParams(experiment).keys());
    for (const [from, to] of Object.entries(RENAMED_PARAMS)) {
      expect(params.has(to)).toBe(true);
      expect(params.has(from)).toBe(false);
    }
    // a bad value under an old name is named by its new one; an unknown name stays unknown
    expect(fromQuery('base.batch=0&base.batches=2').notices).toEqual([
      'base.batchSize: "0" is not an integer from 1 to 256; using the default 8',
      'base.batches: unknown parameter, ignored',
    ]);
  });
});
