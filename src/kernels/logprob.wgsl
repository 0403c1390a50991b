// logprob_forward: for each row n of logits[N, V], with z = logits[n, :] / TEMPERATURE,
//   logp[n]    = log softmax(z)[tokens[n]] = (z[tok] − m) − log s
//   entropy[n] = −Σ_v p_v log p_v          = log s − Σ_v e_v (z_v − m) / s
// where m = max z, e_v = exp(z_v − m), s = Σ e_v, p = e / s. Both entropy terms are ≥ 0 (no
// cancellation), and a row with one dominant logit gives s = 1, entropy exactly 0. One workgroup of
// 256 threads per row, two passes (the maximum, then s and Σ e·(z − m) together). A token ≥ V is
// clamped to V − 1. Overrides, the reduction and row_stats come from logprob_row.wgsl.

@group(0) @binding(0) var<storage, read_write> logp: array<f32>;    // [N]
@group(0) @binding(1) var<storage, read_write> entropy: array<f32>; // [N]
@group(0) @binding(2) var<storage, read> logits: array<f32>;        // [N, V]
@group(0) @binding(3) var<storage, read> tokens: array<u32>;        // [N]

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * 65535u;
  if (row >= N) { return; }  // uniform per workgroup
  let base = row * V;
  let rs = row_stats(base, lid);
  let m = rs.m;
  let log_s = rs.log_s;
  if (lid == 0u) {
    let tok = min(tokens[row], V - 1u);
    logp[row] = (logits[base + tok] / TEMPERATURE - m) - log_s;
    entropy[row] = log_s - rs.mean_shift;
  }
}
