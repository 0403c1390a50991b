// The HH-RLHF comparison format (Bai et al. 2022; Anthropic/hh-rlhf): one JSON object per line,
// {"chosen": transcript, "rejected": transcript}, each transcript "\n\nHuman: …\n\nAssistant: …".
// Parsing keeps going past bad lines and reports each with its line number and reason, so the
// caller decides whether to import the valid rest.

export interface HHPair {
  chosen: string;
  rejected: string;
  /** 1-based line number in the source file. */
  line: number;
}

export interface HHProblem {
  line: number;
  reason: string;
}

export interface HHParse {
  pairs: HHPair[];
  problems: HHProblem[];
}

export function parseHHJsonl(text: string): HHParse {
  const pairs: HHPair[] = [];
  const problems: HHProblem[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let record: unknown;
    try {
      record = JSON.parse(raw);
    } catch (e) {
      problems.push({ line, reason: `not valid JSON (${(e as Error).message})` });
      return;
    }
    const r = record as Record<string, unknown>;
    for (const field of ['chosen', 'rejected'] as const) {
      if (typeof r?.[field] !== 'string') {
        problems.push({ line, reason: `missing string field "${field}"` });
        return;
      }
    }
    const { chosen, rejected } = r as { chosen: string; rejected: string };
    if (!chosen.includes('\n\nAssistant:') || !rejected.includes('\n\nAssistant:')) {
      problems.push({ line, reason: 'no "\\n\\nAssistant:" turn' });
      return;
    }
    pairs.push({ chosen, rejected, line });
  });
  return { pairs, problems };
}

/** One problem per line, prefixed with the file name: for error messages and reports. */
export function describeProblems(file: string, problems: readonly HHProblem[], max = 10): string {
  const shown = problems.slice(0, max).map((p) => `${file}:${p.line}: ${p.reason}`);
  if (problems.length > max) shown.push(`… and ${problems.length - max} more`);
  return shown.join('\n');
}
