// First pass of the PPO loss (ppo_loss.ts), policy side: G workgroups of 256 threads walk the N tokens
// with a grid stride of G·256 (coalesced) and each writes its sums over the valid tokens (mask ≠ 0;
// masked tokens are skipped, so padding may hold anything) into partials[q·G + g]:
//   q=0 Σ m·max(pg1, pg2)     pg1 = −A·ratio, pg2 = −A·clamp(ratio, 1 − ε, 1 + ε), ratio = exp(logp − old_logp)
//   q=2 Σ m·entropy
//   q=3 Σ m·1[pg2 > pg1]      (the clipped branch is the max)
//   q=4 Σ m·(logp − old_logp)²
//   q=5 Σ m·ratio
//   q=7 Σ m
// ppo_loss_value.wgsl writes q=1 and q=6; ppo_loss_reduce.wgsl turns the 8·G sums into the statistics.

override N: u32;
override G: u32;  // number of workgroups = partial sums per quantity

const WG: u32 = 256u;

struct Params {
  cliprange: f32,
  cliprange_value: f32,
  vf_coef: f32,
  ent_coef: f32,
}

@group(0) @binding(0) var<storage, read_write> partials: array<f32>;  // [8, G]
@group(0) @binding(1) var<storage, read> logp: array<f32>;            // [N]
@group(0) @binding(2) var<storage, read> old_logp: array<f32>;        // [N]
@group(0) @binding(3) var<storage, read> advantages: array<f32>;      // [N]
@group(0) @binding(4) var<storage, read> entropy: array<f32>;         // [N]
@group(0) @binding(5) var<storage, read> mask: array<f32>;            // [N]
@group(0) @binding(6) var<uniform> params: Params;

var<workgroup> red_a: array<vec4<f32>, 256>;  // (pg, entropy, clipfrac, kl)
var<workgroup> red_b: array<vec2<f32>, 256>;  // (ratio, count)

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let eps = params.cliprange;
  var a = vec4<f32>(0.0);
  var b = vec2<f32>(0.0);
  for (var n = wid.x * WG + lid.x; n < N; n += G * WG) {
    let m = mask[n];
    if (m == 0.0) { continue; }
    let log_ratio = logp[n] - old_logp[n];
    let ratio = exp(log_ratio);
    let adv = advantages[n];
    let pg1 = -adv * ratio;
    let pg2 = -adv * clamp(ratio, 1.0 - eps, 1.0 + eps);
    a += m * vec4<f32>(max(pg1, pg2), entropy[n], select(0.0, 1.0, pg2 > pg1), log_ratio * log_ratio);
    b += m * vec2<f32>(ratio, 1.0);
  }
  red_a[lid.x] = a;
  red_b[lid.x] = b;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid.x < stride) {
      red_a[lid.x] += red_a[lid.x + stride];
      red_b[lid.x] += red_b[lid.x + stride];
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    let s = red_a[0];
    partials[0u * G + wid.x] = s.x;
    partials[2u * G + wid.x] = s.y;
    partials[3u * G + wid.x] = s.z;
    partials[4u * G + wid.x] = s.w;
    partials[5u * G + wid.x] = red_b[0].x;
    partials[7u * G + wid.x] = red_b[0].y;
  }
}
