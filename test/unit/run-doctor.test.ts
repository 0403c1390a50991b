// The run doctor: each warning fires on a history showing its failure, and a healthy run gets none.

import { describe, expect, it } from 'vitest';
import { diagnose, diagnoseSteps, type RunRow } from '../../src/eval/run-doctor.ts';

/** A healthy run: score and KL rise together, ratios near 1, entropy and length steady, the test PM agrees. */
function healthy(n = 8): RunRow[] {
  return Array.from({ length: n }, (_, i) => ({
    iteration: i + 1,
    'objective/scores': 0.1 * i,
    'objective/kl': 0.2 * i,
    'objective/entropy': 20 - 0.3 * i,
    'response/length': 10 + 0.2 * i,
    'response/ended_rate': 0.9,
    'val/ratio': 1.01,
    'policy/approxkl': 0.01,
    'policy/clipfrac': 0.05,
    'test_pm/scores': 0.08 * i,
    'gold/scores': 0.05 * i,
  }));
}

const codes = (rows: RunRow[]) => diagnose(rows).map((w) => w.code);

describe('diagnose', () => {
  it('finds nothing wrong with a healthy run, or with no history', () => {
    expect(codes(healthy())).toEqual([]);
    expect(codes([])).toEqual([]);
  });

  it('negative KL beyond noise', () => {
    const rows = healthy().map((r, i) => ({ ...r, 'objective/kl': i < 3 ? 0.01 : -0.3 }));
    const [w] = diagnose(rows);
    expect(w.code).toBe('negative-kl');
    expect(w.iterations).toEqual([4, 5, 6, 7, 8]);
    expect(w.message).toMatch(/temperature and top-k/);
    // one slightly negative iteration is noise
    expect(codes(healthy().map((r, i) => ({ ...r, 'objective/kl': i === 7 ? -0.01 : r['objective/kl'] })))).toEqual([]);
  });

  it('ratio blow-ups, from the ratio, approxkl or clipfrac', () => {
    expect(codes(healthy().map((r, i) => ({ ...r, 'val/ratio': i === 5 ? 3 : 1 })))).toEqual(['ratio-blowup']);
    expect(codes(healthy().map((r, i) => ({ ...r, 'policy/approxkl': i === 2 ? 0.5 : 0.01 })))).toEqual([
      'ratio-blowup',
    ]);
    expect(diagnose(healthy().map((r, i) => ({ ...r, 'policy/clipfrac': i >= 6 ? 0.6 : 0.1 })))[0].iterations).toEqual([
      7, 8,
    ]);
  });

  it('entropy collapse, per token', () => {
    expect(codes(healthy().map((r, i) => ({ ...r, 'objective/entropy': i === 7 ? 1 : 20 })))).toEqual([
      'entropy-collapse',
    ]);
    // entropy halving because responses halved in length is not a collapse
    expect(
      codes(
        healthy().map((r, i) => ({
          ...r,
          'objective/entropy': i === 7 ? 10 : 20,
          'response/length': i === 7 ? 5 : 10,
        })),
      ),
    ).toEqual([]);
  });

  it('length runaway: growing responses or responses that stop ending', () => {
    expect(codes(healthy().map((r, i) => ({ ...r, 'response/length': i === 7 ? 25 : 10 })))).toEqual([
      'length-runaway',
    ]);
    expect(codes(healthy().map((r, i) => ({ ...r, 'response/ended_rate': i === 7 ? 0.1 : 0.9 })))).toEqual([
      'length-runaway',
    ]);
  });

  it('over-optimisation: the optimised score rises while the test PM or the gold score falls', () => {
    const rows = healthy().map((r, i) => ({ ...r, 'test_pm/scores': 1 - 0.1 * i }));
    const [w] = diagnose(rows);
    expect(w.code).toBe('overoptimisation');
    expect(w.iterations).toEqual([4, 5, 6, 7, 8]);
    expect(w.message).toMatch(/test_pm\/scores fell \(trend −0\.10 per iteration\)/);
    // the message quotes the trends that decided, even where a noisy window's end points point the other way
    const noisy = healthy().map((r, i) => ({ ...r, 'gold/scores': [0, 0, 0, 0.02, 0.1, 0.05, 0.0, 0.04][i] }));
    const [n] = diagnose(noisy);
    expect(n.message).toMatch(/gold\/scores fell \(trend −0\.0\d+ per iteration\)/);
    expect(n.message).not.toMatch(/0\.020 → 0\.040/);
    expect(diagnose(healthy().map((r, i) => ({ ...r, 'gold/scores': -0.1 * i })))[0].message).toMatch(
      /gold\/scores fell/,
    );
    // too short a run to tell
    expect(codes(healthy(3).map((r, i) => ({ ...r, 'test_pm/scores': -i })))).toEqual([]);
  });

  it("reads the notebook's history, whose points carry the iteration as step (shown in the RLHF stage)", () => {
    const history = healthy().map(({ iteration, ...r }) => ({
      ...r,
      step: iteration + 10,
      'gold/scores': -0.1 * iteration,
    }));
    const [w] = diagnoseSteps(history);
    expect(w.code).toBe('overoptimisation');
    expect(w.iterations).toEqual([14, 15, 16, 17, 18]);
    expect(diagnoseSteps(healthy().map(({ iteration, ...r }) => ({ ...r, step: iteration })))).toEqual([]);
  });
});
