// encoder_backward for the position embedding when positions are the default pos = t: one thread
// per (t, c) sums the B rows that used position t, in batch order (ACCUMULATES into dwpe):
//   forward was: out[b, t, c] = wte[tokens[b, t], c] + wpe[t, c]; so now: dwpe[t, c] += Σ_b dout[b, t, c]

override B: u32;
override T: u32;
override C: u32;

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read_write> dwpe: array<f32>;    // [MAXT, C]; rows ≥ T untouched
@group(0) @binding(1) var<storage, read> dout: array<f32>;          // [B, T, C]

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= T * C) { return; }
  var s = 0.0;
  for (var b = 0u; b < B; b++) { s += dout[b * T * C + idx]; }
  dwpe[idx] += s;
}
