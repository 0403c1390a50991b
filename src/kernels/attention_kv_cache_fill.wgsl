// kv_cache_fill: copies the keys and values of a whole prompt into the decode caches,
//   kcache[b, h, t, :] = qkv[b, t, C + h·HS ..]      vcache[b, h, t, :] = qkv[b, t, 2C + h·HS ..]
// for t < T ≤ TMAX, so decoding can continue at position T after one attention_forward over the prompt.
// One thread per (b, t, channel), consecutive threads reading consecutive channels.

override B: u32;
override T: u32;
override C: u32;
override HS: u32;
override TMAX: u32;

const WG: u32 = 64u;

@group(0) @binding(0) var<storage, read_write> kcache: array<f32>;
@group(0) @binding(1) var<storage, read_write> vcache: array<f32>;
@group(0) @binding(2) var<storage, read> qkv: array<f32>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;  // flat index over B·T·C
  if (i >= B * T * C) { return; }
  let c = i % C;
  let bt = i / C;
  let t = bt % T;
  let b = bt / T;
  let h = c / HS;
  let d = c % HS;
  let nh = C / HS;
  let dst = ((b * nh + h) * TMAX + t) * HS + d;
  kcache[dst] = qkv[bt * 3u * C + C + c];
  vcache[dst] = qkv[bt * 3u * C + 2u * C + c];
}
