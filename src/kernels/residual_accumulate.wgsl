// add_in_place: dst[i] += src[i] for i < N. Sums gradient branches (e.g. the two paths into a residual
// stream) where the first branch's gradient buffer already holds its contribution.

override N: u32;

@group(0) @binding(0) var<storage, read_write> dst: array<f32>;
@group(0) @binding(1) var<storage, read> src: array<f32>;

const WG: u32 = 256u;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i < N) { dst[i] += src[i]; }
}
