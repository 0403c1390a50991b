// Pairwise preference loss of a reward model (Bai et al. 2022 §3; Bradley–Terry), over P pairs of
// scalar rewards r_chosen[P], r_rejected[P]:
//   m[p]      = r_chosen[p] − r_rejected[p]
//   losses[p] = −log σ(m[p])                      (a stable softplus(−m): exact for margins ±1e4)
//   stats[0]  = loss     = mean_p losses[p]
//   stats[1]  = accuracy = mean_p 1[m[p] > 0]     (a tie counts 0.5)
//   stats[2]  = margin   = mean_p m[p]
//   stats[3]  = P
// backward (of stats[0], OVERWRITING the gradients, not accumulating: the loss starts the chain rule):
//   dChosen[p] = −σ(−m[p]) / P,   dRejected[p] = +σ(−m[p]) / P
// The forward is one workgroup (P is a batch of pairs); the backward is one thread per pair.
// The *Paired launchers take one rewards[2P] tensor, chosen scores in [0, P) and rejected ones in
// [P, 2P) (a reward model scoring a batch of 2P sequences laid out that way), and its gradient
// drewards[2P]: the forward is the same kernel reading the second half at the override
// REJECTED_OFFSET = P; the backward has its own kernel with one gradient binding.

import { checkArgs } from './check.ts';
import { grid1d, kernel, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import preferenceLossWgsl from './preference_loss.wgsl?raw';
import preferenceLossBackwardWgsl from './preference_loss_backward.wgsl?raw';
import preferenceLossBackwardPairedWgsl from './preference_loss_backward_paired.wgsl?raw';

export const PREFERENCE_LOSS = kernel('preference_loss', preferenceLossWgsl);
export const PREFERENCE_LOSS_BACKWARD = kernel('preference_loss_backward', preferenceLossBackwardWgsl);
export const PREFERENCE_LOSS_BACKWARD_PAIRED = kernel(
  'preference_loss_backward_paired',
  preferenceLossBackwardPairedWgsl,
);

/** Indices into the stats[4] output of preferenceLossForward. */
export const PreferenceStat = { loss: 0, accuracy: 1, margin: 2, count: 3 } as const;
export const PREFERENCE_STATS = 4;

const WG = 256;

/** stats[4] = [loss, accuracy, margin, P]; losses[P] = −log σ(rChosen − rRejected). */
export function preferenceLossForward(
  gpu: Gpu,
  stats: Tensor,
  losses: Tensor,
  rChosen: Tensor,
  rRejected: Tensor,
  P: number,
): Dispatch {
  checkArgs(
    'preference_loss_forward',
    { P },
    {
      stats: [stats, [PREFERENCE_STATS]],
      losses: [losses, ['P']],
      rChosen: [rChosen, ['P']],
      rRejected: [rRejected, ['P']],
    },
  );
  return gpu.dispatch(PREFERENCE_LOSS, { P }, [stats, losses, rChosen, rRejected], [1, 1, 1]);
}

/** dChosen[P], dRejected[P] = ∂ mean loss / ∂ rewards (overwritten). */
export function preferenceLossBackward(
  gpu: Gpu,
  dChosen: Tensor,
  dRejected: Tensor,
  rChosen: Tensor,
  rRejected: Tensor,
  P: number,
): Dispatch {
  checkArgs(
    'preference_loss_backward',
    { P },
    {
      dChosen: [dChosen, ['P']],
      dRejected: [dRejected, ['P']],
      rChosen: [rChosen, ['P']],
      rRejected: [rRejected, ['P']],
    },
  );
  return gpu.dispatch(PREFERENCE_LOSS_BACKWARD, { P }, [dChosen, dRejected, rChosen, rRejected], grid1d(P, WG));
}

/** As preferenceLossForward, on rewards[2P] = [chosen…, rejected…]. */
export function preferenceLossForwardPaired(
  gpu: Gpu,
  stats: Tensor,
  losses: Tensor,
  rewards: Tensor,
  P: number,
): Dispatch {
  checkArgs(
    'preference_loss_forward',
    { P, P2: 2 * P },
    {
      stats: [stats, [PREFERENCE_STATS]],
      losses: [losses, ['P']],
      rewards: [rewards, ['P2']],
    },
  );
  return gpu.dispatch(PREFERENCE_LOSS, { P, REJECTED_OFFSET: P }, [stats, losses, rewards, rewards], [1, 1, 1]);
}

/** As preferenceLossBackward, on rewards[2P] = [chosen…, rejected…]; overwrites drewards[2P]. */
export function preferenceLossBackwardPaired(gpu: Gpu, drewards: Tensor, rewards: Tensor, P: number): Dispatch {
  checkArgs(
    'preference_loss_backward_paired',
    { P, P2: 2 * P },
    {
      drewards: [drewards, ['P2']],
      rewards: [rewards, ['P2']],
    },
  );
  return gpu.dispatch(PREFERENCE_LOSS_BACKWARD_PAIRED, { P }, [drewards, rewards], grid1d(P, WG));
}
