// Gradient of the mean preference loss (preference_loss.wgsl) with respect to both rewards,
// one thread per pair (OVERWRITES drc and drr):
//   forward was: loss = mean_p softplus(−(rc[p] − rr[p])); so now, with σ(−m) stable for any |m|:
//   drc[p] = −σ(−m)/P,   drr[p] = +σ(−m)/P

override P: u32;  // number of pairs

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read_write> d_chosen: array<f32>;    // [P]
@group(0) @binding(1) var<storage, read_write> d_rejected: array<f32>;  // [P]
@group(0) @binding(2) var<storage, read> r_chosen: array<f32>;          // [P]
@group(0) @binding(3) var<storage, read> r_rejected: array<f32>;        // [P]

// σ(x) without overflow: exp only ever sees −|x|.
fn sigmoid(x: f32) -> f32 {
  let e = exp(-abs(x));
  return select(e, 1.0, x >= 0.0) / (1.0 + e);
}

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let p = gid.x + gid.y * nwg.x * WG;
  if (p >= P) { return; }
  let m = r_chosen[p] - r_rejected[p];
  let g = sigmoid(-m) / f32(P);
  d_chosen[p] = -g;
  d_rejected[p] = g;
}
