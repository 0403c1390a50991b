// Gradient of the per-token KL estimate (kl.wgsl) with respect to logp, one thread per token,
// ACCUMULATED into dlogp (llm.c style):
//   ESTIMATOR 1: forward was: kl = logp − ref_logp;                 so now: dlogp += dkl
//   ESTIMATOR 3: forward was: kl = exp(d) − 1 − d, d = ref − logp;  so now: dlogp += dkl·(1 − exp(d))
// 1 − exp(d) = −expm1(d) is a series for |d| < 0.5, where it would cancel.
// ref_logp is a constant (the frozen reference model): no gradient flows into it.

override N: u32;
override ESTIMATOR: u32 = 1u;  // 1 or 3

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read_write> dlogp: array<f32>;   // [N]
@group(0) @binding(1) var<storage, read> dkl: array<f32>;           // [N]
@group(0) @binding(2) var<storage, read> logp: array<f32>;          // [N]
@group(0) @binding(3) var<storage, read> ref_logp: array<f32>;      // [N]

// exp(d) − 1, accurate to f32 rounding for any d.
fn expm1(d: f32) -> f32 {
  if (abs(d) < 0.5) {
    return d * (1.0 + d * (1.0 / 2.0 + d * (1.0 / 6.0 + d * (1.0 / 24.0 + d * (1.0 / 120.0 + d * (1.0 / 720.0 +
           d * (1.0 / 5040.0 + d * (1.0 / 40320.0 + d / 362880.0))))))));
  }
  return exp(d) - 1.0;
}

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = gid.x + gid.y * nwg.x * WG;
  if (n >= N) { return; }
  var g = dkl[n];
  if (ESTIMATOR == 3u) {
    g *= -expm1(ref_logp[n] - logp[n]);
  }
  dlogp[n] += g;
}
