// The step-through of one PPO iteration (src/train/ppo.ts's numbered steps) as a table: for one rollout, a
// row per response token, and the columns each phase adds. Pure functions, no DOM: <stage-rlhf> renders the
// rows (as text: tokens are untrusted).
//
//   1 rollout   the policy samples the response token by token
//   2 score     the reward function scores prompt + response: one number, placed at the last token
//   3 KL        log π and log π0 of each token; KL_t = log π − log π0; reward r_t = −λ·KL_t (+ score at the end)
//   4 GAE       the value head's V(s_t); advantages A_t (whitened over the batch) and returns R_t
//   5 update    per epoch, the probability ratio π/π_old when the token's minibatch was visited, and whether
//               the clip [1 − ε, 1 + ε] bound (the clipped surrogate was the smaller one: no gradient)

import type { RLHFTrace, RLHFTraceRow } from '../protocol.ts';

export interface PPOPhase {
  n: number;
  name: string;
  /** What happens in this phase, in the paper's / TRL's terms. */
  text: string;
}

export const PPO_PHASES: readonly PPOPhase[] = [
  {
    n: 1,
    name: 'rollout',
    text: 'The current policy π samples a response to each prompt, token by token, until end-of-text, a new "Human:" turn or the token limit.',
  },
  {
    n: 2,
    name: 'score',
    text: 'The reward function (preference model or gold scorer) reads prompt + response and returns one score per response; it is credited at the last token.',
  },
  {
    n: 3,
    name: 'KL penalty',
    text: "Policy and frozen initial policy π0 re-read the response: KL_t = log π − log π0 per token, and each token's reward is −λ·KL_t, plus the score at the last token.",
  },
  {
    n: 4,
    name: 'advantages',
    text: "The value head estimates V(s_t); GAE (γ = 1, λ = 0.95) turns rewards and values into advantages A_t (whitened over the batch) and returns R_t, the value head's targets.",
  },
  {
    n: 5,
    name: 'PPO update',
    text: 'K epochs over M minibatches: the ratio π/π_old of each token times A_t, clipped to [1 − ε, 1 + ε]; where the clip binds the token adds no policy gradient.',
  },
];

export type TraceColumnKey =
  | 'i'
  | 'token'
  | 'score'
  | 'logp'
  | 'refLogp'
  | 'kl'
  | 'reward'
  | 'value'
  | 'advantage'
  | 'return'
  | `ratio${number}`
  | 'clip';

export interface TraceColumn {
  key: TraceColumnKey;
  label: string;
  /** A tooltip: the column's formula. */
  title: string;
  /** The phase that adds it. */
  phase: number;
}

export interface TraceTableRow {
  /** Response token index. */
  i: number;
  token: string;
  /** The cells' numbers by column key (absent where a cell is empty, e.g. the score before the last token). */
  values: Partial<Record<TraceColumnKey, number>>;
  /** The 1-based epochs in which the clip bound for this token. */
  clippedEpochs: number[];
}

export interface TraceTable {
  columns: TraceColumn[];
  rows: TraceTableRow[];
  /** Σ over the response of KL and reward. */
  totals: { kl: number; reward: number };
}

function columns(epochs: number, phase: number, eps: number): TraceColumn[] {
  const all: TraceColumn[] = [
    { key: 'i', label: '#', title: 'response token index', phase: 1 },
    { key: 'token', label: 'token', title: 'the sampled token (its text)', phase: 1 },
    {
      key: 'score',
      label: 'score',
      title: "the reward function's score of the whole response, credited at its last token",
      phase: 2,
    },
    {
      key: 'logp',
      label: 'log π',
      title: 'log-probability of the token under the policy that sampled it (π_old)',
      phase: 3,
    },
    { key: 'refLogp', label: 'log π0', title: 'log-probability under the frozen initial policy π0', phase: 3 },
    { key: 'kl', label: 'KL', title: 'KL_t = log π − log π0', phase: 3 },
    { key: 'reward', label: 'reward', title: 'r_t = −λ·KL_t, plus the score at the last token', phase: 3 },
    { key: 'value', label: 'value', title: "V(s_t): the value head's estimate of the return", phase: 4 },
    {
      key: 'advantage',
      label: 'advantage',
      title: 'A_t from GAE (γ = 1, λ = 0.95), whitened over the batch',
      phase: 4,
    },
    {
      key: 'return',
      label: 'return',
      title: "R_t = A_t (before whitening) + V(s_t): the value head's target",
      phase: 4,
    },
    ...Array.from(
      { length: epochs },
      (_, k): TraceColumn => ({
        key: `ratio${k + 1}`,
        label: `ratio e${k + 1}`,
        title: `π/π_old in epoch ${k + 1}, when this rollout's minibatch was visited`,
        phase: 5,
      }),
    ),
    {
      key: 'clip',
      label: 'clip bound',
      title: `the epochs in which the ratio was clipped to [${(1 - eps).toFixed(2)}, ${(1 + eps).toFixed(2)}] and the clipped term won`,
      phase: 5,
    },
  ];
  return all.filter((c) => c.phase <= phase);
}

/** The table of rollout `row` of the trace, with the columns of phases 1..`phase`. */
export function traceTable(trace: RLHFTrace, row: number, phase = PPO_PHASES.length): TraceTable {
  const r: RLHFTraceRow | undefined = trace.rows[row];
  if (!r) throw new Error(`traceTable: no rollout ${row} (the trace has ${trace.rows.length})`);
  const epochs = r.ratio.length;
  const last = r.tokens.length - 1;
  const rows = r.tokens.map((token, i): TraceTableRow => {
    const values: TraceTableRow['values'] = {
      i,
      logp: r.logp[i],
      refLogp: r.refLogp[i],
      kl: r.kl[i],
      reward: r.reward[i],
      value: r.value[i],
      advantage: r.advantage[i],
      return: r.return[i],
    };
    if (i === last) values.score = r.score;
    r.ratio.forEach((ratios, k) => (values[`ratio${k + 1}`] = ratios[i]));
    return { i, token, values, clippedEpochs: r.clipped.flatMap((c, k) => (c[i] ? [k + 1] : [])) };
  });
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  return { columns: columns(epochs, phase, trace.cliprange), rows, totals: { kl: sum(r.kl), reward: sum(r.reward) } };
}

/**
 * A cell's text: numbers to 4 decimals, the token with its whitespace made visible, the clip column as the epochs it
 * bound in.
 */
export function cellText(row: TraceTableRow, key: TraceColumnKey): string {
  if (key === 'token') return visibleToken(row.token);
  if (key === 'clip') return row.clippedEpochs.length ? `✂ e${row.clippedEpochs.join(', e')}` : '–';
  const v = row.values[key];
  if (v === undefined) return '';
  if (key === 'i') return String(v);
  return Number.isFinite(v) ? v.toFixed(4) : String(v);
}

/** A token as it should read in a table cell: whitespace and control characters made visible. */
export function visibleToken(token: string): string {
  return (
    token
      .replace(/\n/g, '↵')
      .replace(/\t/g, '⇥')
      .replace(/ /g, '␣')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this makes visible
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
  );
}
