// gather_rows: out[b, c] = inp[b, t, c] with t = min(index[b], T − 1), for inp [B, T, C], index u32 [B].
// One thread per output element. An index past the sequence is clamped to its last position (never an
// out-of-bounds read); rows.ts documents this.

override B: u32;
override T: u32;
override C: u32;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read> index: array<u32>;

const WG: u32 = 256u;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= B * C) { return; }
  let b = i / C;
  let c = i % C;
  let t = min(index[b], T - 1u);
  out[i] = inp[(b * T + t) * C + c];
}
