// out[i] = VALUE for i < N: zeroes gradient buffers inside a training step's compute pass (no
// separate submit), and fills masks.

override N: u32;
override VALUE: f32 = 0.0;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i < N) { out[i] = VALUE; }
}
