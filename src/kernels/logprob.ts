// Per-token log-probability of the chosen tokens and entropy of the (temperature-scaled) policy, the
// quantities PPO needs from the language model's logits[N, V] (N = B·T rows, tokens u32 [N]):
//   forward   z = logits / τ,  p = softmax(z)
//             logp[n] = log p[n, tokens[n]],   entropy[n] = −Σ_v p[n, v] log p[n, v]
//   backward  dlogits[n, v] += dlogp[n]·([v = tokens[n]] − p_v)/τ − dentropy[n]·p_v (log p_v + H_n)/τ
// (ACCUMULATES). The temperature τ > 0 is an override constant (a pipeline per temperature).
// The backward recomputes each row's max and normaliser rather than reading saved ones.
// Stable at logits of ±1e4: a row with one dominant logit has logp 0 / −Δ and entropy exactly 0.
// Deviation: a token id ≥ V (on the GPU, unseen by the launcher) is clamped to V − 1.

import { checkArgs, checkScalar } from './check.ts';
import { kernel, type Dispatch, type Gpu, type Tensor } from './gpu.ts';
import forwardWgsl from './logprob.wgsl?raw';
import backwardWgsl from './logprob_backward.wgsl?raw';
import rowWgsl from './logprob_row.wgsl?raw';

export const LOGPROB_FORWARD = kernel('logprob_forward', `${forwardWgsl}\n${rowWgsl}`);
export const LOGPROB_BACKWARD = kernel('logprob_backward', `${backwardWgsl}\n${rowWgsl}`);

/** One workgroup per row, rows folded into y beyond 65535. */
function rowGrid(N: number): [number, number, number] {
  return N <= 65535 ? [N, 1, 1] : [65535, Math.ceil(N / 65535), 1];
}

/** logp[N] = log softmax(logits/τ)[tokens]; entropy[N] = −Σ p log p. */
export function logprobForward(
  gpu: Gpu,
  logp: Tensor,
  entropy: Tensor,
  logits: Tensor,
  tokens: Tensor,
  N: number,
  V: number,
  temperature = 1,
): Dispatch {
  checkArgs(
    'logprob_forward',
    { N, V },
    {
      logp: [logp, ['N']],
      entropy: [entropy, ['N']],
      logits: [logits, ['N', 'V']],
      tokens: [tokens, ['N'], 'u32'],
    },
  );
  checkScalar('logprob_forward', 'temperature', temperature, Number.MIN_VALUE);
  return gpu.dispatch(LOGPROB_FORWARD, { N, V, TEMPERATURE: temperature }, [logp, entropy, logits, tokens], rowGrid(N));
}

/** dlogits[N, V] += dlogp·∂logp/∂logits + dentropy·∂entropy/∂logits. */
export function logprobBackward(
  gpu: Gpu,
  dlogits: Tensor,
  logits: Tensor,
  tokens: Tensor,
  dlogp: Tensor,
  dentropy: Tensor,
  N: number,
  V: number,
  temperature = 1,
): Dispatch {
  checkArgs(
    'logprob_backward',
    { N, V },
    {
      dlogits: [dlogits, ['N', 'V']],
      logits: [logits, ['N', 'V']],
      tokens: [tokens, ['N'], 'u32'],
      dlogp: [dlogp, ['N']],
      dentropy: [dentropy, ['N']],
    },
  );
  checkScalar('logprob_backward', 'temperature', temperature, Number.MIN_VALUE);
  return gpu.dispatch(
    LOGPROB_BACKWARD,
    { N, V, TEMPERATURE: temperature },
    [dlogits, logits, tokens, dlogp, dentropy],
    rowGrid(N),
  );
}
