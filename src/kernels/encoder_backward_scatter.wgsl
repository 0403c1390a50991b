// Second half of encoder_backward's scatter-add (see encoder_backward_chain.wgsl): one thread per
// (row i, channel c); a thread whose row heads its key's list walks the list in increasing row order
// and adds the sum once, so every output element has exactly one writer and a fixed summation order:
//   forward was: out[i, c] = wte[k_i, c] + wpe[pos_i, c]; so now: dw[k, c] += Σ_{i: k_i = k} dout[i, c]
// (ACCUMULATES into dw). Consecutive threads take consecutive channels, so the walks read dout
// coalesced.

override N: u32;        // B·T rows
override C: u32;
override ROWS: u32;     // rows of dw: V or MAXT (keys are clamped to ROWS − 1, as in the forward)

const WG: u32 = 256u;
const NONE: u32 = 0xffffffffu;

@group(0) @binding(0) var<storage, read_write> dw: array<f32>;      // [ROWS, C]
@group(0) @binding(1) var<storage, read> dout: array<f32>;          // [N, C]
@group(0) @binding(2) var<storage, read> keys: array<u32>;          // [N]
@group(0) @binding(3) var<storage, read> chain: array<u32>;         // [2, N]

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= N * C) { return; }
  let i = idx / C;
  let c = idx % C;
  if (chain[N + i] == 0u) { return; }
  var s = 0.0;
  for (var j = i; j != NONE; j = chain[j]) { s += dout[j * C + c]; }
  let k = min(keys[i], ROWS - 1u);
  dw[k * C + c] += s;
}
