// The HH-RLHF comparison format (Bai et al. 2022; Anthropic/hh-rlhf): one JSON object per line,
// {"chosen": transcript, "rejected": transcript}, each transcript "\n\nHuman: …\n\nAssistant: …".
// Parsing keeps going past bad lines and reports each with its line number and reason, so the
// caller decides whether to import the valid rest.
//
// Lines are split on "\n" only and numbered from 1; one "\r" before the "\n" (CRLF files) is dropped, and so is a
// UTF-8 byte-order mark at the start of the text (TextDecoder drops it too). A blank line (whitespace only) is
// skipped but still counted. parseHHLine is the one place a line is judged, so the whole-text parser here and the
// streaming one (hh-stream.ts) give identical pairs, problems and line numbers.

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

/** Judges one line (without its "\n") of an HH file and appends the pair or the problem to `out`. */
export function parseHHLine(raw: string, line: number, out: HHParse): void {
  if (raw.endsWith('\r')) raw = raw.slice(0, -1);
  if (raw.trim() === '') return;
  let record: unknown;
  try {
    record = JSON.parse(raw);
  } catch (e) {
    out.problems.push({ line, reason: `not valid JSON (${(e as Error).message})` });
    return;
  }
  const r = record as Record<string, unknown>;
  for (const field of ['chosen', 'rejected'] as const) {
    if (typeof r?.[field] !== 'string') {
      out.problems.push({ line, reason: `missing string field "${field}"` });
      return;
    }
  }
  const { chosen, rejected } = r as { chosen: string; rejected: string };
  if (!chosen.includes('\n\nAssistant:') || !rejected.includes('\n\nAssistant:')) {
    out.problems.push({ line, reason: 'no "\\n\\nAssistant:" turn' });
    return;
  }
  out.pairs.push({ chosen, rejected, line });
}

export function parseHHJsonl(text: string): HHParse {
  const out: HHParse = { pairs: [], problems: [] };
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let start = 0;
  let line = 1;
  for (;;) {
    const end = text.indexOf('\n', start);
    parseHHLine(end < 0 ? text.slice(start) : text.slice(start, end), line, out);
    if (end < 0) break;
    start = end + 1;
    line++;
  }
  return out;
}

/** One problem per line, prefixed with the file name: for error messages and reports. */
export function describeProblems(file: string, problems: readonly HHProblem[], max = 10): string {
  const shown = problems.slice(0, max).map((p) => `${file}:${p.line}: ${p.reason}`);
  if (problems.length > max) shown.push(`… and ${problems.length - max} more`);
  return shown.join('\n');
}
