// Float64 reference of the pairwise preference loss (preference_loss.ts).

/** −log σ(m) = softplus(−m), stable for any m. */
export function negLogSigmoid(m: number): number {
  return Math.max(-m, 0) + Math.log1p(Math.exp(-Math.abs(m)));
}

/** σ(x), stable for any x. */
export function sigmoid(x: number): number {
  const e = Math.exp(-Math.abs(x));
  return (x >= 0 ? 1 : e) / (1 + e);
}

/** stats = [loss, accuracy, margin, P]; losses[p] = −log σ(rc[p] − rr[p]). */
export function preferenceLossForwardRef(rChosen: Float64Array, rRejected: Float64Array, P: number) {
  const losses = new Float64Array(P);
  let loss = 0;
  let accuracy = 0;
  let margin = 0;
  for (let p = 0; p < P; p++) {
    const m = rChosen[p] - rRejected[p];
    losses[p] = negLogSigmoid(m);
    loss += losses[p];
    accuracy += m > 0 ? 1 : m === 0 ? 0.5 : 0;
    margin += m;
  }
  return { stats: Float64Array.of(loss / P, accuracy / P, margin / P, P), losses };
}

/** Gradients of the mean loss (stats[0]) with respect to both rewards, times dloss. */
export function preferenceLossBackwardRef(rChosen: Float64Array, rRejected: Float64Array, P: number, dloss = 1) {
  const dChosen = new Float64Array(P);
  const dRejected = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    // forward was: loss += softplus(−(rc − rr)) / P; so now: d/dm softplus(−m) = −σ(−m)
    const g = (dloss * sigmoid(-(rChosen[p] - rRejected[p]))) / P;
    dChosen[p] = -g;
    dRejected[p] = g;
  }
  return { dChosen, dRejected };
}
