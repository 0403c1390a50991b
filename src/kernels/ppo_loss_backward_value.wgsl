// Gradient of the PPO total loss (ppo_loss.ts) with respect to the values, one thread per token,
// OVERWRITING dvalues. With inv = 1 / count from stats[8] and m = mask[n]:
//   forward was: total += vf_coef·0.5·Σ m·max(vf1, vf2)·inv, vf1 = (v − R)², vf2 = (v_clipped − R)²,
//                v_clipped = old + clamp(v − old, ±ε_v); so now:
//     dvalues[n] = vf_coef·m·inv·(vf2 > vf1 ? 0 : v − R)
//   (vf2 > vf1 only where the clamp is active, and the clamp's gradient is 0 there)
// Masked tokens get 0.

override N: u32;

const WG: u32 = 256u;

struct Params {
  cliprange: f32,
  cliprange_value: f32,
  vf_coef: f32,
  ent_coef: f32,
}

@group(0) @binding(0) var<storage, read_write> dvalues: array<f32>;  // [N]
@group(0) @binding(1) var<storage, read> values: array<f32>;         // [N]
@group(0) @binding(2) var<storage, read> old_values: array<f32>;     // [N]
@group(0) @binding(3) var<storage, read> returns: array<f32>;        // [N]
@group(0) @binding(4) var<storage, read> mask: array<f32>;           // [N]
@group(0) @binding(5) var<storage, read> stats: array<f32>;          // [9] from ppo_loss_reduce
@group(0) @binding(6) var<uniform> params: Params;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = gid.x + gid.y * nwg.x * WG;
  if (n >= N) { return; }
  let m = mask[n];
  if (m == 0.0) {
    dvalues[n] = 0.0;
    return;
  }
  let count = stats[8];
  let w = params.vf_coef * m * select(0.0, 1.0 / count, count > 0.0);
  let eps_v = params.cliprange_value;
  let v = values[n];
  let old = old_values[n];
  let ret = returns[n];
  let dv = v - old;
  let v_clipped = select(v, old + clamp(dv, -eps_v, eps_v), abs(dv) > eps_v);
  let vf1 = (v - ret) * (v - ret);
  let vf2 = (v_clipped - ret) * (v_clipped - ret);
  dvalues[n] = select(w * (v - ret), 0.0, vf2 > vf1);
}
