// residual_forward: out[i] = inp1[i] + inp2[i] for i < N (the skip connection of a transformer block).

override N: u32;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> inp1: array<f32>;
@group(0) @binding(2) var<storage, read> inp2: array<f32>;

const WG: u32 = 256u;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i < N) { out[i] = inp1[i] + inp2[i]; }
}
