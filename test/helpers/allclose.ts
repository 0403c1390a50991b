// `expectClose`: elementwise |a − b| ≤ atol + rtol·|b|, reporting the worst element and its index; `expectExact`:
// equal.

export interface Tolerance {
  atol?: number;
  rtol?: number;
}

export function worstMismatch(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 1e-5, rtol = 1e-4 }: Tolerance = {},
) {
  let worst = { index: -1, actual: 0, expected: 0, excess: 0 };
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const b = expected[i];
    const excess =
      Number.isNaN(a) !== Number.isNaN(b)
        ? Infinity
        : Number.isNaN(b)
          ? 0
          : Math.abs(a - b) - (atol + rtol * Math.abs(b));
    if (excess > worst.excess || (Number.isNaN(excess) && worst.excess !== Infinity))
      worst = { index: i, actual: a, expected: b, excess: Number.isNaN(excess) ? Infinity : excess };
  }
  return worst;
}

export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  tol: Tolerance = {},
): void {
  if (actual.length < expected.length) {
    throw new Error(`${what}: got ${actual.length} values, expected ${expected.length}`);
  }
  const w = worstMismatch(actual, expected, tol);
  if (w.index >= 0) {
    throw new Error(
      `${what}: element ${w.index} is ${w.actual}, expected ${w.expected} ` +
        `(|diff| ${Math.abs(w.actual - w.expected).toExponential(3)} exceeds atol ${tol.atol ?? 1e-5} + rtol ${tol.rtol ?? 1e-4}·|expected|)`,
    );
  }
}

/**
 * `expectExact`: every element equals f32(expected) (NaN matches NaN; ±0 match each other unless `signedZero`),
 * reporting the first element that does not.
 */
export function expectExact(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  { signedZero = false } = {},
): void {
  if (actual.length < expected.length)
    throw new Error(`${what}: got ${actual.length} values, expected ${expected.length}`);
  const want = Float32Array.from(expected);
  for (let i = 0; i < want.length; i++) {
    const same = Object.is(actual[i], want[i]) || (!signedZero && actual[i] === 0 && want[i] === 0);
    if (!same) throw new Error(`${what}: element ${i} is ${actual[i]}, expected exactly ${want[i]}`);
  }
}
