// logprob_forward: for each row n of logits[N, V], with z = logits[n, :] / TEMPERATURE,
//   logp[n]    = log softmax(z)[tokens[n]] = (z[tok] − m) − log s
//   entropy[n] = −Σ_v p_v log p_v          = log s − Σ_v e_v (z_v − m) / s
// where m = max z, e_v = exp(z_v − m), s = Σ e_v, p = e / s. Both entropy terms are ≥ 0 (no
// cancellation), and a row with one dominant logit gives s = 1, entropy exactly 0. One workgroup of
// 256 threads per row, two passes (the maximum, then s and Σ e·(z − m) together). A token ≥ V is
// clamped to V − 1.

override N: u32;
override V: u32;
override TEMPERATURE: f32 = 1.0;

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read_write> logp: array<f32>;    // [N]
@group(0) @binding(1) var<storage, read_write> entropy: array<f32>; // [N]
@group(0) @binding(2) var<storage, read> logits: array<f32>;        // [N, V]
@group(0) @binding(3) var<storage, read> tokens: array<u32>;        // [N]

var<workgroup> partial: array<vec2<f32>, 256>;

// Reduces v over the workgroup: component x by max when `is_max`, else both components by sum.
fn workgroup_reduce(v: vec2<f32>, lid: u32, is_max: bool) -> vec2<f32> {
  partial[lid] = v;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (lid < k) {
      let a = partial[lid];
      let b = partial[lid + k];
      partial[lid] = select(a + b, vec2<f32>(max(a.x, b.x), 0.0), is_max);
    }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * 65535u;
  if (row >= N) { return; }  // uniform per workgroup
  let base = row * V;
  var m = -0x1.fffffep+127f;  // the lowest finite f32
  for (var v = lid; v < V; v += WG) { m = max(m, logits[base + v] / TEMPERATURE); }
  m = workgroup_reduce(vec2<f32>(m, 0.0), lid, true).x;
  var st = vec2<f32>(0.0);  // (Σ e, Σ e·(z − m))
  for (var v = lid; v < V; v += WG) {
    let d = logits[base + v] / TEMPERATURE - m;
    let e = exp(d);
    st += vec2<f32>(e, e * d);
  }
  st = workgroup_reduce(st, lid, false);
  let log_s = log(st.x);
  if (lid == 0u) {
    let tok = min(tokens[row], V - 1u);
    logp[row] = (logits[base + tok] / TEMPERATURE - m) - log_s;
    entropy[row] = log_s - st.y / st.x;
  }
}
