// The run doctor: warnings for the PPO failures users of TRL and OpenRLHF report most, read from a run's
// per-iteration metrics (TRL's names, src/train/ppo.ts). Each warning names the iterations, what it means and
// what to try. The thresholds are rules of thumb from those projects' issue trackers and docs, not the paper's:
//
// - negative-kl      mean objective/kl < −KL_NEGATIVE over the last WINDOW iterations. The k1 estimator is
//                    unbiased, so a negative mean beyond noise means the sampled tokens are not drawn from the π
//                    the log-probabilities are computed with (temperature / top-k mismatch, stale weights, or the
//                    policy learning to exploit the estimator). TRL's most-asked question.
// - ratio-blowup     val/ratio outside [1/RATIO_MAX, RATIO_MAX], or policy/approxkl > APPROXKL_MAX, or
//                    policy/clipfrac > CLIPFRAC_MAX: each update moves the policy too far from the one that
//                    sampled (learning rate, epochs or minibatch size too large).
// - entropy-collapse per-token entropy (objective/entropy / response/length) below ENTROPY_FRACTION of the first
//                    iteration's: the policy has become nearly deterministic and stops exploring (mode collapse).
// - length-runaway   response/length above LENGTH_GROWTH × the first iteration's, or response/ended_rate below
//                    ENDED_MIN after starting above it: the policy games the reward with long or unended answers.
// - overoptimisation the reward optimised (objective/scores) rises over the last WINDOW iterations while a held-out
//                    judge (test_pm/scores, or gold/scores) falls: the paper's §4.2 robustness failure.

export type RunRow = Record<string, number>;

export type DoctorCode = 'negative-kl' | 'ratio-blowup' | 'entropy-collapse' | 'length-runaway' | 'overoptimisation';

export interface DoctorWarning {
  code: DoctorCode;
  /** 1-based iterations where it showed (the first few). */
  iterations: number[];
  message: string;
}

export const DOCTOR = {
  WINDOW: 5,
  KL_NEGATIVE: 0.05,
  RATIO_MAX: 1.5,
  APPROXKL_MAX: 0.2,
  CLIPFRAC_MAX: 0.4,
  ENTROPY_FRACTION: 0.2,
  LENGTH_GROWTH: 2,
  ENDED_MIN: 0.2,
} as const;

const finite = (x: number | undefined): x is number => typeof x === 'number' && Number.isFinite(x);
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Least-squares slope of ys against 0, 1, 2, … */
function slope(ys: readonly number[]): number {
  const n = ys.length;
  const mx = (n - 1) / 2;
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  ys.forEach((y, i) => {
    sxy += (i - mx) * (y - my);
    sxx += (i - mx) ** 2;
  });
  return sxx > 0 ? sxy / sxx : 0;
}

function iterationOf(row: RunRow, index: number): number {
  return finite(row.iteration) ? row.iteration : index + 1;
}

/** Every warning the history shows, in the order above. */
export function diagnose(history: readonly RunRow[]): DoctorWarning[] {
  const out: DoctorWarning[] = [];
  if (history.length === 0) return out;
  const at = (pred: (r: RunRow) => boolean) => history.flatMap((r, i) => (pred(r) ? [iterationOf(r, i)] : []));
  const first = history[0];
  const recent = history.slice(-DOCTOR.WINDOW);

  const kls = recent.map((r) => r['objective/kl']).filter(finite);
  if (kls.length >= Math.min(DOCTOR.WINDOW, history.length) && kls.length >= 2 && mean(kls) < -DOCTOR.KL_NEGATIVE) {
    out.push({
      code: 'negative-kl',
      iterations: at((r) => r['objective/kl'] < 0).slice(0, 8),
      message: `objective/kl averages ${mean(kls).toFixed(3)} nats over the last ${kls.length} iterations. KL(π‖π0) cannot be negative; a negative estimate beyond noise means the responses were not sampled from the π scored (check temperature and top-k) or the policy exploits the k1 estimator — try --kl-estimator 3 and a smaller learning rate.`,
    });
  }

  const blown = at(
    (r) =>
      (finite(r['val/ratio']) && (r['val/ratio'] > DOCTOR.RATIO_MAX || r['val/ratio'] < 1 / DOCTOR.RATIO_MAX)) ||
      (finite(r['policy/approxkl']) && r['policy/approxkl'] > DOCTOR.APPROXKL_MAX) ||
      (finite(r['policy/clipfrac']) && r['policy/clipfrac'] > DOCTOR.CLIPFRAC_MAX),
  );
  if (blown.length) {
    out.push({
      code: 'ratio-blowup',
      iterations: blown.slice(0, 8),
      message: `the update moved the policy far from the one that sampled (val/ratio outside [${(1 / DOCTOR.RATIO_MAX).toFixed(2)}, ${DOCTOR.RATIO_MAX}], policy/approxkl > ${DOCTOR.APPROXKL_MAX} or policy/clipfrac > ${DOCTOR.CLIPFRAC_MAX}) in ${blown.length} iteration(s): lower the learning rate or the PPO epochs, or use more minibatches.`,
    });
  }

  const perToken = (r: RunRow) =>
    finite(r['objective/entropy']) && r['response/length'] > 0
      ? r['objective/entropy'] / r['response/length']
      : Number.NaN;
  const h0 = perToken(first);
  if (finite(h0) && h0 > 0) {
    const collapsed = at((r) => perToken(r) < DOCTOR.ENTROPY_FRACTION * h0);
    if (collapsed.length) {
      out.push({
        code: 'entropy-collapse',
        iterations: collapsed.slice(0, 8),
        message: `per-token entropy fell below ${DOCTOR.ENTROPY_FRACTION * 100}% of its first value (${h0.toFixed(3)} nats): the policy is nearly deterministic and has stopped exploring. Raise the KL coefficient, add an entropy bonus (--ent-coef), or lower the learning rate.`,
      });
    }
  }

  const len0 = first['response/length'];
  const ended0 = first['response/ended_rate'];
  const runaway = at(
    (r) =>
      (finite(len0) && len0 > 0 && r['response/length'] > DOCTOR.LENGTH_GROWTH * len0) ||
      (finite(ended0) && ended0 >= DOCTOR.ENDED_MIN && r['response/ended_rate'] < DOCTOR.ENDED_MIN),
  );
  if (runaway.length) {
    out.push({
      code: 'length-runaway',
      iterations: runaway.slice(0, 8),
      message: `responses grew past ${DOCTOR.LENGTH_GROWTH}× their first length (${finite(len0) ? len0.toFixed(1) : '?'} tokens) or stopped ending (ended rate < ${DOCTOR.ENDED_MIN}): the policy may be gaming the reward with length. Penalise unended responses (--missing-eos-penalty) or raise the KL coefficient.`,
    });
  }

  if (recent.length >= DOCTOR.WINDOW) {
    const train = recent.map((r) => r['objective/scores']);
    for (const judge of ['test_pm/scores', 'gold/scores']) {
      const held = recent.map((r) => r[judge]);
      if (!train.every(finite) || !held.every(finite)) continue;
      const [up, down] = [slope(train), slope(held)];
      if (up > 0 && down < 0) {
        // the trends (least-squares slopes) decide, so they are what the message quotes: the end points of a noisy
        // window can point the other way
        const trend = (x: number) => `${x > 0 ? '+' : '−'}${Math.abs(x).toPrecision(2)} per iteration`;
        out.push({
          code: 'overoptimisation',
          iterations: recent.map((r, i) => iterationOf(r, history.length - recent.length + i)),
          message: `over the last ${recent.length} iterations the optimised PM score rose (trend ${trend(up)}) while ${judge} fell (trend ${trend(down)}): the policy is exploiting the PM (Bai et al. §4.2). Stop at an earlier checkpoint or raise the KL coefficient.`,
        });
        break;
      }
    }
  }
  return out;
}

/** diagnose() of the notebook's history, whose points carry their iteration as `step`. */
export function diagnoseSteps(history: readonly ({ step: number } & RunRow)[]): DoctorWarning[] {
  return diagnose(history.map((p) => ({ ...p, iteration: p.step })));
}
