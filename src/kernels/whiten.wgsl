// Second pass of masked whitening (whiten.ts), one thread per element, from stats = [mean, var,
// rstd, count] written by whiten_stats.wgsl:
//   out[n] = (x[n] − mean)·rstd (+ mean when SHIFT_MEAN)   where mask[n] ≠ 0, else 0

override N: u32;
override SHIFT_MEAN: bool = true;

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;  // [N]
@group(0) @binding(1) var<storage, read> x: array<f32>;          // [N]
@group(0) @binding(2) var<storage, read> mask: array<f32>;       // [N]
@group(0) @binding(3) var<storage, read> stats: array<f32>;      // [4]

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = gid.x + gid.y * nwg.x * WG;
  if (n >= N) { return; }
  let mean = stats[0];
  var w = (x[n] - mean) * stats[2];
  if (SHIFT_MEAN) { w += mean; }
  out[n] = select(0.0, w, mask[n] != 0.0);
}
