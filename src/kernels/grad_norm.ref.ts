// Float64 reference of grad_norm: the global L2 norm of the gradients and the clip scale.

/** { norm: ‖grads‖₂, scale: min(1, maxNorm / (norm + 1e-6)) or 1 when maxNorm ≤ 0 }. */
export function gradNormRef(grads: Float64Array, maxNorm: number): { norm: number; scale: number } {
  let s = 0;
  for (let i = 0; i < grads.length; i++) s += grads[i] * grads[i];
  const norm = Math.sqrt(s);
  return { norm, scale: maxNorm > 0 ? Math.min(1, maxNorm / (norm + 1e-6)) : 1 };
}
