// scatter_rows backward: dinp[b, t, c] += dout[b, c] with t = min(index[b], T − 1), for dinp [B, T, C].
// forward was: out[b, :] = inp[b, index[b], :]; so now only row (b, index[b]) of sequence b receives a
// gradient. Each b owns a distinct row, so one thread per (b, c) writes a distinct element: no atomics.

override B: u32;
override T: u32;
override C: u32;

@group(0) @binding(0) var<storage, read_write> dinp: array<f32>;
@group(0) @binding(1) var<storage, read> dout: array<f32>;
@group(0) @binding(2) var<storage, read> index: array<u32>;

const WG: u32 = 256u;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= B * C) { return; }
  let b = i / C;
  let c = i % C;
  let t = min(index[b], T - 1u);
  let j = (b * T + t) * C + c;
  dinp[j] = dinp[j] + dout[i];
}
