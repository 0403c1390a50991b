// encoder_forward: out[b, t, :] = wte[tokens[b, t], :] + wpe[pos, :], pos = t, or positions[b, t]
// when HAS_POSITIONS (left-padded batches, single-token decode steps). One thread per output element,
// consecutive threads on consecutive channels so that the row reads and the write coalesce.
// Out-of-range ids are clamped: a token ≥ V reads row V − 1, a position ≥ MAXT reads row MAXT − 1.

override N: u32;        // B·T rows
override T: u32;
override C: u32;
override V: u32;
override MAXT: u32;
override HAS_POSITIONS: bool = false;

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;     // [B, T, C]
@group(0) @binding(1) var<storage, read> tokens: array<u32>;        // [B, T]
@group(0) @binding(2) var<storage, read> positions: array<u32>;     // [B, T], or a placeholder
@group(0) @binding(3) var<storage, read> wte: array<f32>;           // [V, C]
@group(0) @binding(4) var<storage, read> wpe: array<f32>;           // [MAXT, C]

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= N * C) { return; }
  let i = idx / C;
  let c = idx % C;
  let tok = min(tokens[i], V - 1u);
  var pos = i % T;
  if (HAS_POSITIONS) { pos = positions[i]; }
  pos = min(pos, MAXT - 1u);
  out[idx] = wte[tok * C + c] + wpe[pos * C + c];
}
