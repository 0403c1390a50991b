// logprob_backward: gradients of logp[n] and entropy[n] (logprob.wgsl) with respect to logits[n, :],
// ACCUMULATED into dlogits. With z = logits / τ, p = softmax(z), H = entropy:
//   forward was: logp = log p[tok];     so now: dlogits[v] += dlogp·([v = tok] − p_v) / τ
//   forward was: H = −Σ p log p;        so now: dlogits[v] += dentropy·(−p_v (log p_v + H)) / τ
// The row statistics (m, s, H) are recomputed here exactly as in the forward (no saved state), then a
// third pass writes the row. One workgroup of 256 threads per row. A token ≥ V is clamped to V − 1. Overrides, the
// reduction and row_stats come from logprob_row.wgsl.

@group(0) @binding(0) var<storage, read_write> dlogits: array<f32>; // [N, V]
@group(0) @binding(1) var<storage, read> logits: array<f32>;        // [N, V]
@group(0) @binding(2) var<storage, read> tokens: array<u32>;        // [N]
@group(0) @binding(3) var<storage, read> dlogp: array<f32>;         // [N]
@group(0) @binding(4) var<storage, read> dentropy: array<f32>;      // [N]

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * 65535u;
  if (row >= N) { return; }  // uniform per workgroup
  let base = row * V;
  let rs = row_stats(base, lid);
  let m = rs.m;
  let log_s = rs.log_s;
  let h = log_s - rs.mean_shift;
  let tok = min(tokens[row], V - 1u);
  let gp = dlogp[row];
  let gh = dentropy[row];
  for (var v = lid; v < V; v += WG) {
    let log_p = (logits[base + v] / TEMPERATURE - m) - log_s;
    let p = exp(log_p);
    let indicator = select(0.0, 1.0, v == tok);
    dlogits[base + v] += (gp * (indicator - p) - gh * p * (log_p + h)) / TEMPERATURE;
  }
}
