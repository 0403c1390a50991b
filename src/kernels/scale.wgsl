// x[i] *= FACTOR for i < N: averages gradients summed over micro-batches (gradient accumulation).

override N: u32;
override FACTOR: f32 = 1.0;

@group(0) @binding(0) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i < N) { x[i] = x[i] * FACTOR; }
}
