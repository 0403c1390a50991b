// attention_decode, step 1: appends the new token's key and value to the caches at position pos.
//   kcache[b, h, pos, :] = qkv_new[b, C + h·HS .. ]      vcache[b, h, pos, :] = qkv_new[b, 2C + h·HS .. ]
// One thread per (b, channel c = h·HS + d). pos comes from a uniform so one pipeline serves every step;
// a pos outside the cache writes nothing.

override B: u32;
override C: u32;
override HS: u32;
override TMAX: u32;

const WG: u32 = 64u;

struct Params {
  pos: u32,
}

@group(0) @binding(0) var<storage, read_write> kcache: array<f32>;
@group(0) @binding(1) var<storage, read_write> vcache: array<f32>;
@group(0) @binding(2) var<storage, read> qkv_new: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;  // flat index over B·C
  let pos = params.pos;
  if (i >= B * C || pos >= TMAX) { return; }
  let b = i / C;
  let c = i % C;
  let h = c / HS;
  let d = c % HS;
  let nh = C / HS;
  let dst = ((b * nh + h) * TMAX + pos) * HS + d;
  kcache[dst] = qkv_new[b * 3u * C + C + c];
  vcache[dst] = qkv_new[b * 3u * C + 2u * C + c];
}
