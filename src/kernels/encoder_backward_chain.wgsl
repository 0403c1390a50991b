// First half of the deterministic, atomic-free scatter-add behind encoder_backward: for every row i of
// the N = B·T rows, with key k_i (a token id clamped to ROWS − 1, or a position clamped likewise):
//   chain[i]     = the smallest j > i with k_j = k_i, or NONE (0xffffffff): a linked list per key
//   chain[N + i] = 1 if no j < i has k_j = k_i (i heads its key's list), else 0
// O(N²) integer comparisons, with no C factor. One thread per row; each workgroup streams the keys
// through workgroup memory in tiles of 256, so every key is read from global memory once per workgroup.

override N: u32;
override ROWS: u32;     // V for tokens, MAXT for positions

const WG: u32 = 256u;
const NONE: u32 = 0xffffffffu;

@group(0) @binding(0) var<storage, read_write> chain: array<u32>;   // [2, N]
@group(0) @binding(1) var<storage, read> keys: array<u32>;          // [N]

var<workgroup> tile: array<u32, 256>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  var key = NONE;
  if (i < N) { key = min(keys[i], ROWS - 1u); }
  var next = NONE;
  var head = 1u;
  for (var j0 = 0u; j0 < N; j0 += WG) {
    // every thread reaches every barrier: the loop bounds are uniform
    if (j0 + lid < N) { tile[lid] = min(keys[j0 + lid], ROWS - 1u); }
    workgroupBarrier();
    let count = min(WG, N - j0);
    for (var jj = 0u; jj < count; jj++) {
      let j = j0 + jj;
      if (tile[jj] == key) {
        if (j < i) { head = 0u; }
        if (j > i && next == NONE) { next = j; }
      }
    }
    workgroupBarrier();
  }
  if (i < N) {
    chain[i] = next;
    chain[N + i] = head;
  }
}
