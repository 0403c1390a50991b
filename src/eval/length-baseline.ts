// Length baselines for preference data: how far "the longer response wins", "the shorter response wins" and the
// subset-aware rule (longer on helpful data, shorter on harmless red-team data, longer otherwise) get without
// looking at content. A preference model has learned something beyond length only if it beats the best of these on
// the same data; the paper reports no such baseline, this project adds it.
//
// Length defaults to Unicode code points of the final response (Python's len(), so numbers agree with scripts
// over the same files). A tie in length counts ½ for every rule. With no comparisons every accuracy is 0 and n = 0.

export interface LengthBaselines {
  /** Accuracy of "the longer response is chosen". */
  longer: number;
  /** Accuracy of "the shorter response is chosen" (= 1 − longer). */
  shorter: number;
  /** Longer wins on 'helpful', shorter on 'harmless', longer on any other subset. */
  subsetAware: number;
  n: number;
}

/** Unicode code points in s (a surrogate pair counts once). */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff || i === 0 || (s.charCodeAt(i - 1) & 0xfc00) !== 0xd800) n++;
  }
  return n;
}

export function lengthBaselines(
  comparisons: readonly { chosen: string; rejected: string; subset?: string }[],
  length: (s: string) => number = codePointLength,
): LengthBaselines {
  let longer = 0;
  let subsetAware = 0;
  for (const c of comparisons) {
    const lc = length(c.chosen);
    const lr = length(c.rejected);
    const longerWins = lc > lr ? 1 : lc === lr ? 0.5 : 0;
    longer += longerWins;
    subsetAware += c.subset === 'harmless' ? 1 - longerWins : longerWins;
  }
  const n = comparisons.length;
  if (n === 0) return { longer: 0, shorter: 0, subsetAware: 0, n };
  return { longer: longer / n, shorter: (n - longer) / n, subsetAware: subsetAware / n, n };
}
