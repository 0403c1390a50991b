// First pass of the PPO loss (ppo_loss.ts), value side, laid out like ppo_loss.wgsl (a kernel of its
// own to stay within 8 storage buffers per stage). Over the valid tokens (mask ≠ 0):
//   v_clipped = old_values + clamp(values − old_values, −ε_v, ε_v)   (exactly values when the clamp is
//               inactive: old + (v − old) may round away from v, and must not count as clipped)
//   vf1 = (values − returns)²,  vf2 = (v_clipped − returns)²
//   q=1 Σ m·max(vf1, vf2)
//   q=6 Σ m·1[vf2 > vf1]      (the clipped branch is the max)

override N: u32;
override G: u32;

const WG: u32 = 256u;

struct Params {
  cliprange: f32,
  cliprange_value: f32,
  vf_coef: f32,
  ent_coef: f32,
}

@group(0) @binding(0) var<storage, read_write> partials: array<f32>;  // [8, G]
@group(0) @binding(1) var<storage, read> values: array<f32>;          // [N]
@group(0) @binding(2) var<storage, read> old_values: array<f32>;      // [N]
@group(0) @binding(3) var<storage, read> returns: array<f32>;         // [N]
@group(0) @binding(4) var<storage, read> mask: array<f32>;            // [N]
@group(0) @binding(5) var<uniform> params: Params;

var<workgroup> red: array<vec2<f32>, 256>;  // (vf, vf clipfrac)

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let eps_v = params.cliprange_value;
  var s = vec2<f32>(0.0);
  for (var n = wid.x * WG + lid.x; n < N; n += G * WG) {
    let m = mask[n];
    if (m == 0.0) { continue; }
    let v = values[n];
    let old = old_values[n];
    let ret = returns[n];
    let dv = v - old;
    let v_clipped = select(v, old + clamp(dv, -eps_v, eps_v), abs(dv) > eps_v);
    let vf1 = (v - ret) * (v - ret);
    let vf2 = (v_clipped - ret) * (v_clipped - ret);
    s += m * vec2<f32>(max(vf1, vf2), select(0.0, 1.0, vf2 > vf1));
  }
  red[lid.x] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid.x < stride) { red[lid.x] += red[lid.x + stride]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    partials[1u * G + wid.x] = red[0].x;
    partials[6u * G + wid.x] = red[0].y;
  }
}
