// logprob_backward: gradients of logp[n] and entropy[n] (logprob.wgsl) with respect to logits[n, :],
// ACCUMULATED into dlogits. With z = logits / τ, p = softmax(z), H = entropy:
//   forward was: logp = log p[tok];     so now: dlogits[v] += dlogp·([v = tok] − p_v) / τ
//   forward was: H = −Σ p log p;        so now: dlogits[v] += dentropy·(−p_v (log p_v + H)) / τ
// The row statistics (m, s, H) are recomputed here exactly as in the forward (no saved state), then a
// third pass writes the row. One workgroup of 256 threads per row. A token ≥ V is clamped to V − 1.

override N: u32;
override V: u32;
override TEMPERATURE: f32 = 1.0;

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read_write> dlogits: array<f32>; // [N, V]
@group(0) @binding(1) var<storage, read> logits: array<f32>;        // [N, V]
@group(0) @binding(2) var<storage, read> tokens: array<u32>;        // [N]
@group(0) @binding(3) var<storage, read> dlogp: array<f32>;         // [N]
@group(0) @binding(4) var<storage, read> dentropy: array<f32>;      // [N]

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
  let h = log_s - st.y / st.x;
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
