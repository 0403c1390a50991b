// Gradient of the PPO total loss (ppo_loss.ts) with respect to logp and the entropy input, one thread
// per token, OVERWRITING dlogp and dentropy (the loss starts the chain rule). With
// inv = 1 / count from stats[8] (0 when no token is valid) and m = mask[n]:
//   forward was: loss/policy = Σ m·max(pg1, pg2)·inv, pg1 = −A·ratio, pg2 = −A·clamp(ratio, 1 ± ε),
//                ratio = exp(logp − old_logp); so now, with dratio/dlogp = ratio:
//     dlogp[n] = m·inv·(pg2 > pg1 ? 0 : −A·ratio)
//   (the clipped branch wins only where the clamp is active, and the clamp's gradient is 0 there)
//   forward was: total −= ent_coef·Σ m·entropy·inv; so now: dentropy[n] = −ent_coef·m·inv
// Masked tokens get 0.

override N: u32;

const WG: u32 = 256u;

struct Params {
  cliprange: f32,
  cliprange_value: f32,
  vf_coef: f32,
  ent_coef: f32,
}

@group(0) @binding(0) var<storage, read_write> dlogp: array<f32>;     // [N]
@group(0) @binding(1) var<storage, read_write> dentropy: array<f32>;  // [N]
@group(0) @binding(2) var<storage, read> logp: array<f32>;            // [N]
@group(0) @binding(3) var<storage, read> old_logp: array<f32>;        // [N]
@group(0) @binding(4) var<storage, read> advantages: array<f32>;      // [N]
@group(0) @binding(5) var<storage, read> mask: array<f32>;            // [N]
@group(0) @binding(6) var<storage, read> stats: array<f32>;           // [9] from ppo_loss_reduce
@group(0) @binding(7) var<uniform> params: Params;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = gid.x + gid.y * nwg.x * WG;
  if (n >= N) { return; }
  let m = mask[n];
  if (m == 0.0) {
    dlogp[n] = 0.0;
    dentropy[n] = 0.0;
    return;
  }
  let count = stats[8];
  let w = m * select(0.0, 1.0 / count, count > 0.0);
  let eps = params.cliprange;
  let ratio = exp(logp[n] - old_logp[n]);
  let adv = advantages[n];
  let pg1 = -adv * ratio;
  let pg2 = -adv * clamp(ratio, 1.0 - eps, 1.0 + eps);
  dlogp[n] = select(w * pg1, 0.0, pg2 > pg1);
  dentropy[n] = -params.ent_coef * w;
}
