// The CLI's durations (ETA and elapsed): whole seconds first, so a unit never shows 60.

import { describe, expect, it } from 'vitest';
import { formatSeconds } from '../../src/util/format.ts';

describe('formatSeconds', () => {
  it('writes seconds, minutes and hours without a 60 in a unit', () => {
    expect([
      formatSeconds(0),
      formatSeconds(59.4),
      formatSeconds(59.6),
      formatSeconds(2459.7),
      formatSeconds(3599.6),
      formatSeconds(7199),
    ]).toEqual(['0s', '59s', '1m00s', '41m00s', '1h00m', '2h00m']);
    expect(formatSeconds(Number.NaN)).toBe('?');
  });
});
