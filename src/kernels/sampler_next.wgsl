// sampler_next: the input of one decode step, kept on the GPU (no read-back between steps):
//   cur[b]       = tokens[b·TMAX + pos]                       the prompt token, or the one sampled last step
//   positions[b] = pos − start[b]  (0 while pos < start[b])    position embedding row of a left-padded sequence
// pos comes from attention_decode's uniform (one u32), so one pipeline serves every step. One thread
// per sequence.

override B: u32;
override TMAX: u32;

const WG: u32 = 64u;

struct Params {
  pos: u32,
}

@group(0) @binding(0) var<storage, read_write> cur: array<u32>;        // [B, 1]
@group(0) @binding(1) var<storage, read_write> positions: array<u32>;  // [B, 1]
@group(0) @binding(2) var<storage, read> tokens: array<u32>;           // [B, TMAX]
@group(0) @binding(3) var<storage, read> start: array<u32>;            // [B]
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let b = gid.x;
  if (b >= B) { return; }
  let pos = min(params.pos, TMAX - 1u);
  cur[b] = tokens[b * TMAX + pos];
  positions[b] = select(0u, pos - start[b], pos >= start[b]);
}
