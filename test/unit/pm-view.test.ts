// What the Preference-model stage draws, from the Worker's numbers: the step-through rows (margin,
// σ(margin), right / wrong / tie, the batch's accuracy and loss as the trainer reports them) and the
// calibration chart's series (non-empty bins only, in order, framed by 0 and 1, the diagonal beside them).

import { describe, expect, it } from 'vitest';
import { calibration } from '../../src/eval/calibration.ts';
import type { PMInspectPair } from '../../src/protocol.ts';
import { calibrationSeries, stepRows, stepSummary } from '../../src/ui/pm-view.ts';

const pair = (rChosen: number, rRejected: number, loss: number): PMInspectPair => ({
  context: '\n\nHuman: hi\n\nAssistant:',
  chosen: ' Sure.',
  rejected: ' No.',
  subset: 'helpful',
  cut: false,
  rChosen,
  rRejected,
  loss,
});

describe('step-through rows', () => {
  it('margin, σ(margin) and the verdict of each pair; ties count ½ in the batch accuracy', () => {
    const rows = stepRows([
      pair(1.5, -0.5, 0.127),
      pair(-1, 2, 3.049),
      pair(0.25, 0.25, Math.LN2),
      pair(-800, 800, 1600),
    ]);
    expect(rows.map((r) => r.margin)).toEqual([2, -3, 0, -1600]);
    expect(rows.map((r) => r.verdict)).toEqual(['right', 'wrong', 'tie', 'wrong']);
    expect(rows[0].probability).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
    expect(rows[2].probability).toBe(0.5);
    expect(rows[3].probability).toBe(0); // stable in the far tail, never NaN
    expect(rows[1].context).toBe('\n\nHuman: hi\n\nAssistant:'); // the pair's text is kept as it came
    const s = stepSummary(rows);
    expect(s.accuracy).toBeCloseTo((1 + 0 + 0.5 + 0) / 4, 12);
    expect(s.loss).toBeCloseTo((0.127 + 3.049 + Math.LN2 + 1600) / 4, 12);
    expect(stepSummary([])).toEqual({ accuracy: 0, loss: 0 });
  });
});

describe('calibration series', () => {
  it('plots each non-empty bin at its mean prediction, framed by 0 and 1, with the diagonal', () => {
    // margins ±0.1 land in bins 4 and 5 (σ ≈ 0.475 / 0.525); 3 lands in bins 0 and 9
    const margins = [0.1, 0.1, -0.1, 3];
    const cal = calibration(margins);
    const s = calibrationSeries(cal.bins);
    const filled = cal.bins.filter((b) => b.count > 0);
    expect(filled.map((b) => b.lo)).toEqual([0, 0.4, 0.5, 0.9]);
    expect(s.x).toEqual([0, ...filled.map((b) => b.predicted), 1]);
    expect(s.observed).toEqual([null, ...filled.map((b) => b.observed), null]);
    expect(s.ideal).toEqual(s.x);
    expect(s.counts).toEqual([0, 1, 3, 3, 1, 0]);
    // a symmetric curve (each pair counts as chosen p and rejected 1 − p): observed(bin 0.9) = 1, observed(bin 0) = 0
    expect(s.observed[1]).toBe(0);
    expect(s.observed[4]).toBe(1);
    for (let i = 1; i < s.x.length; i++) expect(s.x[i]).toBeGreaterThan(s.x[i - 1]);
  });

  it('no pairs: only the frame, nothing measured', () => {
    expect(calibrationSeries(calibration([]).bins)).toEqual({
      x: [0, 1],
      observed: [null, null],
      ideal: [0, 1],
      counts: [0, 0],
    });
  });
});
