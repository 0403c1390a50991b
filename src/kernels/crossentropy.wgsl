// crossentropy_forward: for each row n of logits[N, V] and its target id,
//   lse[n] = log Σ_v exp(logits[n, v]),   losses[n] = lse[n] − logits[n, targets[n]]
// One workgroup of 256 threads per row, two passes over the row (the maximum, then Σ exp(x − max)),
// so logits of ±1e4 neither overflow nor lose the small terms. A target ≥ V is clamped to V − 1.

override N: u32;
override V: u32;

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read_write> losses: array<f32>;  // [N]
@group(0) @binding(1) var<storage, read_write> lse: array<f32>;     // [N]
@group(0) @binding(2) var<storage, read> logits: array<f32>;        // [N, V]
@group(0) @binding(3) var<storage, read> targets: array<u32>;       // [N]

var<workgroup> partial: array<f32, 256>;

fn workgroup_max(v: f32, lid: u32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] = max(partial[lid], partial[lid + s]); }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}

fn workgroup_sum(v: f32, lid: u32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] += partial[lid + s]; }
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
  for (var v = lid; v < V; v += WG) { m = max(m, logits[base + v]); }
  m = workgroup_max(m, lid);
  var s = 0.0;
  for (var v = lid; v < V; v += WG) { s += exp(logits[base + v] - m); }
  let log_s = log(workgroup_sum(s, lid));
  if (lid == 0u) {
    lse[row] = m + log_s;
    // = lse − logit[target], without the rounding of lse (an ulp of 1e4 is 1e-3)
    losses[row] = log_s - (logits[base + min(targets[row], V - 1u)] - m);
  }
}
