// Per-token KL estimate between the policy and the reference model from the log-probabilities of the
// sampled tokens (Schulman, "Approximating KL divergence", 2020), one thread per token:
//   ESTIMATOR 1:  kl[n] = logp[n] − ref_logp[n]
//   ESTIMATOR 3:  kl[n] = exp(d) − 1 − d,  d = ref_logp[n] − logp[n]   (unbiased, never negative)
// k3 is evaluated as a series for |d| < 0.5, where exp(d) − 1 − d would cancel to a few digits.

override N: u32;
override ESTIMATOR: u32 = 1u;  // 1 or 3

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read_write> kl: array<f32>;      // [N]
@group(0) @binding(1) var<storage, read> logp: array<f32>;          // [N]
@group(0) @binding(2) var<storage, read> ref_logp: array<f32>;      // [N]

// exp(d) − 1 − d = d²·(1/2! + d/3! + d²/4! + ...), accurate to f32 rounding for any d.
fn k3(d: f32) -> f32 {
  if (abs(d) < 0.5) {
    let c = 1.0 / 2.0 + d * (1.0 / 6.0 + d * (1.0 / 24.0 + d * (1.0 / 120.0 + d * (1.0 / 720.0 +
            d * (1.0 / 5040.0 + d * (1.0 / 40320.0 + d / 362880.0))))));
    return d * d * c;
  }
  return exp(d) - 1.0 - d;
}

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = gid.x + gid.y * nwg.x * WG;
  if (n >= N) { return; }
  if (ESTIMATOR == 3u) {
    kl[n] = k3(ref_logp[n] - logp[n]);
  } else {
    kl[n] = logp[n] - ref_logp[n];
  }
}
