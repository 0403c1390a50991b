// Second pass of the PPO loss (ppo_loss.ts), one workgroup: sums the G partials of each of the 8
// quantities of ppo_loss.wgsl / ppo_loss_value.wgsl in a fixed order and writes the statistics
// (masked means divide by count = Σ m; all are 0 when no token is valid):
//   stats[0] loss/policy     = Σ m·max(pg1, pg2) / count
//   stats[1] loss/value      = 0.5 · Σ m·max(vf1, vf2) / count
//   stats[2] loss/total      = loss/policy + vf_coef·loss/value − ent_coef·entropy
//   stats[3] policy/entropy  = Σ m·entropy / count
//   stats[4] policy/clipfrac = Σ m·1[pg2 > pg1] / count
//   stats[5] policy/approxkl = 0.5 · Σ m·(logp − old_logp)² / count
//   stats[6] val/ratio       = Σ m·ratio / count
//   stats[7] val/clipfrac    = Σ m·1[vf2 > vf1] / count
//   stats[8] count           = Σ m

override G: u32;

const WG: u32 = 256u;

struct Params {
  cliprange: f32,
  cliprange_value: f32,
  vf_coef: f32,
  ent_coef: f32,
}

@group(0) @binding(0) var<storage, read_write> stats: array<f32>;  // [9]
@group(0) @binding(1) var<storage, read> partials: array<f32>;     // [8, G]
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> red_a: array<vec4<f32>, 256>;  // quantities 0..3
var<workgroup> red_b: array<vec4<f32>, 256>;  // quantities 4..7

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  var a = vec4<f32>(0.0);
  var b = vec4<f32>(0.0);
  for (var g = lid.x; g < G; g += WG) {
    a += vec4<f32>(partials[g], partials[G + g], partials[2u * G + g], partials[3u * G + g]);
    b += vec4<f32>(partials[4u * G + g], partials[5u * G + g], partials[6u * G + g], partials[7u * G + g]);
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
    let sa = red_a[0];  // (pg, vf, entropy, clipfrac)
    let sb = red_b[0];  // (kl, ratio, vf clipfrac, count)
    let count = sb.w;
    let inv = select(0.0, 1.0 / count, count > 0.0);
    let pg_loss = sa.x * inv;
    let vf_loss = 0.5 * sa.y * inv;
    let ent = sa.z * inv;
    stats[0] = pg_loss;
    stats[1] = vf_loss;
    stats[2] = pg_loss + params.vf_coef * vf_loss - params.ent_coef * ent;
    stats[3] = ent;
    stats[4] = sa.w * inv;
    stats[5] = 0.5 * sb.x * inv;
    stats[6] = sb.y * inv;
    stats[7] = sb.z * inv;
    stats[8] = count;
  }
}
