// preference_loss_backward.wgsl for the paired layout rewards[2P] = [chosen…, rejected…]: one
// gradient buffer d_rewards[2P] (WebGPU forbids binding two overlapping writable views of it), one
// thread per pair, OVERWRITING d_rewards:
//   forward was: loss = mean_p softplus(−(r[p] − r[P + p])); so now:
//   d_rewards[p] = −σ(−m)/P,   d_rewards[P + p] = +σ(−m)/P

override P: u32;  // number of pairs

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read_write> d_rewards: array<f32>;  // [2P]
@group(0) @binding(1) var<storage, read> rewards: array<f32>;          // [2P]

// σ(x) without overflow: exp only ever sees −|x|.
fn sigmoid(x: f32) -> f32 {
  let e = exp(-abs(x));
  return select(e, 1.0, x >= 0.0) / (1.0 + e);
}

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let p = gid.x + gid.y * nwg.x * WG;
  if (p >= P) { return; }
  let g = sigmoid(-(rewards[p] - rewards[P + p])) / f32(P);
  d_rewards[p] = -g;
  d_rewards[P + p] = g;
}
