// Pairwise preference (Bradley–Terry) loss of a reward model over P pairs (Bai et al. 2022, §3):
//   m[p]      = r_chosen[p] − r_rejected[p]
//   losses[p] = −log σ(m[p]) = softplus(−m[p]) = max(−m, 0) + log1p(exp(−|m|))   (stable for |m| ~ 1e4)
//   stats     = [ mean_p losses[p], mean_p 1[m > 0] (+0.5 on ties), mean_p m[p], P ]
// One workgroup: P is the number of pairs in a batch (tens to thousands), so 256 threads striding over
// P (coalesced) and a workgroup-memory reduction of the three sums are enough, in a fixed order.

override P: u32;  // number of pairs
// r_rejected[p] is read at REJECTED_OFFSET + p: 0 for two tensors; P when both bindings are one
// rewards[2P] tensor holding the chosen scores first and the rejected ones after them.
override REJECTED_OFFSET: u32 = 0u;

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read_write> stats: array<f32>;   // [4]
@group(0) @binding(1) var<storage, read_write> losses: array<f32>;  // [P]
@group(0) @binding(2) var<storage, read> r_chosen: array<f32>;      // [P]
@group(0) @binding(3) var<storage, read> r_rejected: array<f32>;    // [P]

var<workgroup> red: array<vec3<f32>, 256>;  // (loss, accuracy, margin) partial sums

// log(1 + x) for x in [0, 1]: a series where log(1 + x) would lose the digits of a small x.
fn log1p_small(x: f32) -> f32 {
  if (x < 0.1) {
    return x * (1.0 - x * (1.0 / 2.0 - x * (1.0 / 3.0 - x * (1.0 / 4.0 - x * (1.0 / 5.0 - x / 6.0)))));
  }
  return log(1.0 + x);
}

fn softplus(x: f32) -> f32 {
  return max(x, 0.0) + log1p_small(exp(-abs(x)));
}

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  var s = vec3<f32>(0.0);
  for (var p = lid.x; p < P; p += WG) {
    let m = r_chosen[p] - r_rejected[REJECTED_OFFSET + p];
    let loss = softplus(-m);
    losses[p] = loss;
    s += vec3<f32>(loss, select(select(0.0, 0.5, m == 0.0), 1.0, m > 0.0), m);
  }
  red[lid.x] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid.x < stride) { red[lid.x] += red[lid.x + stride]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    let n = f32(P);
    stats[0] = red[0].x / n;
    stats[1] = red[0].y / n;
    stats[2] = red[0].z / n;
    stats[3] = n;
  }
}
