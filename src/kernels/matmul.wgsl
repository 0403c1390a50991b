// General tiled matrix multiply, the one GEMM behind all three forms training needs:
//   c[b] (+)= op(a[b]) · op(b[b]) (+ bias)      for b in 0..BATCH (workgroup z)
// where op(a) is [M, K] (a stored [M, K], or [K, M] when trans_a) and op(b) is [K, N] (b stored
// [K, N], or [N, K] when trans_b). Each workgroup computes a 64×64 tile of c with 16×16 threads
// holding a 4×4 register block each (4 rows × one vec4 of columns); K is walked in steps of 32
// through workgroup memory (16 KiB: the default limit).
// Out-of-range rows and columns read as zero and are not written, so any M, N, K works.
// The sizes and the four switches are read at run time from a uniform block, so one compiled pipeline
// serves every GEMM of a model (the switches are uniform across the dispatch: no divergence).

struct Gemm { M: u32, N: u32, K: u32, trans_a: u32, trans_b: u32, accumulate: u32, has_bias: u32 }

const TS: u32 = 64u;  // tile rows and columns
const TK: u32 = 32u;  // tile depth
const WG: u32 = 16u;  // threads per side; each thread owns 4 rows (strided by WG) × 4 adjacent columns

@group(0) @binding(0) var<storage, read_write> c: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<uniform> gemm: Gemm;

var<workgroup> tile_a: array<f32, 2048>;        // [TK][TS]: tile_a[k * TS + m]
var<workgroup> tile_b: array<vec4<f32>, 512>;   // [TK][TS/4]: columns n..n+3 of row k

fn load_a(batch: u32, m: u32, k: u32) -> f32 {
  let M = gemm.M;
  let K = gemm.K;
  if (m >= M || k >= K) { return 0.0; }
  return a[batch * M * K + select(m * K + k, k * M + m, gemm.trans_a != 0u)];
}

fn load_b(batch: u32, k: u32, n: u32) -> f32 {
  let N = gemm.N;
  let K = gemm.K;
  if (k >= K || n >= N) { return 0.0; }
  return b[batch * K * N + select(k * N + n, n * K + k, gemm.trans_b != 0u)];
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let M = gemm.M;
  let N = gemm.N;
  let K = gemm.K;
  let batch = wid.z;
  let row0 = wid.y * TS;
  let col0 = wid.x * TS;
  var acc: array<vec4<f32>, 4>;

  for (var k0 = 0u; k0 < K; k0 += TK) {
    // Cooperative load of a TK×TS slab of each operand: 8 elements of A and 2 vec4 of B per thread.
    // Consecutive threads walk the operand's contiguous dimension so that global reads coalesce.
    for (var i = 0u; i < 8u; i++) {
      let e = li + i * WG * WG;
      let ka = select(e % TK, e / TS, gemm.trans_a != 0u);
      let ma = select(e / TK, e % TS, gemm.trans_a != 0u);
      tile_a[ka * TS + ma] = load_a(batch, row0 + ma, k0 + ka);
    }
    for (var i = 0u; i < 2u; i++) {
      let e = li + i * WG * WG;  // one vec4 of B: row kb, columns 4·q .. 4·q+3 of the tile
      let kb = select(e / (TS / 4u), e % TK, gemm.trans_b != 0u);
      let q = select(e % (TS / 4u), e / TK, gemm.trans_b != 0u);
      let n = col0 + 4u * q;
      let k = k0 + kb;
      tile_b[kb * (TS / 4u) + q] = vec4<f32>(load_b(batch, k, n), load_b(batch, k, n + 1u),
                                             load_b(batch, k, n + 2u), load_b(batch, k, n + 3u));
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let bv = tile_b[kk * (TS / 4u) + lid.x];
      for (var i = 0u; i < 4u; i++) {
        acc[i] = fma(vec4<f32>(tile_a[kk * TS + lid.y + i * WG]), bv, acc[i]);
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 4u; i++) {
    let row = row0 + lid.y + i * WG;
    if (row >= M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let col = col0 + 4u * lid.x + j;
      if (col >= N) { continue; }
      let idx = batch * M * N + row * N + col;
      var v = acc[i][j];
      if (gemm.has_bias != 0u) { v += bias[col]; }
      if (gemm.accumulate != 0u) { v += c[idx]; }
      c[idx] = v;
    }
  }
}
