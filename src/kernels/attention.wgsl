// attention_forward: fused causal multi-head self-attention, FlashAttention-style.
//   s[t, t2] = q[t]·k[t2] / √hs   for start[b] ≤ t2 ≤ t
//   out[t]   = Σ_t2 softmax(s[t, :])[t2] · v[t2]        lse[t] = log Σ_t2 exp(s[t, t2])
// qkv[B,T,3C] holds per token q (first C), k (next C), v (last C), each split into NH heads of HS.
// One workgroup per (block of WG query rows, head h, sequence b), one thread per query row. Keys and
// values are walked in tiles of BK rows shared through workgroup memory; each thread keeps an online
// softmax (running max m, running sum l, unnormalised accumulator acc) so the T×T matrix never exists.
// Rows t < start[b] output zeros and lse 0.

struct Sizes { T: u32 }  // the sequence length: read at run time, so one pipeline serves every T
override C: u32;
override NH: u32;
override HS: u32;           // head size C / NH, at most 128
override BK: u32;           // keys per tile: at most 32, BK·HS ≤ TILE
override HAS_START: bool = false;

const WG: u32 = 64u;
const TILE: u32 = 1920u;
const NEG: f32 = -3.0e38;   // running max before any key: exp(NEG − s) is 0

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read_write> lse: array<f32>;
@group(0) @binding(2) var<storage, read> qkv: array<f32>;
@group(0) @binding(3) var<storage, read> start: array<u32>;
@group(0) @binding(4) var<uniform> sizes: Sizes;

var<workgroup> ktile: array<f32, TILE>;  // [BK][HS]
var<workgroup> vtile: array<f32, TILE>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let T = sizes.T;
  let b = wid.z;
  let h = wid.y;
  let q0 = wid.x * WG;
  let t = q0 + li;
  let s0 = select(0u, start[b], HAS_START);
  let scale = 1.0 / sqrt(f32(HS));
  let live = t < T && t >= s0;

  var q: array<f32, 128>;
  var acc: array<f32, 128>;
  var s: array<f32, 32>;
  if (live) {
    let qb = (b * T + t) * 3u * C + h * HS;
    for (var d = 0u; d < HS; d++) { q[d] = qkv[qb + d]; }
  }
  var m = NEG;
  var l = 0.0;

  let last = min(q0 + WG, T);  // this block's queries see keys s0 .. last-1
  for (var j0 = s0; j0 < last; j0 += BK) {
    workgroupBarrier();
    for (var e = li; e < BK * HS; e += WG) {
      let j = j0 + e / HS;
      var kv = 0.0;
      var vv = 0.0;
      if (j < last) {
        let kb = (b * T + j) * 3u * C + C + h * HS + e % HS;
        kv = qkv[kb];
        vv = qkv[kb + C];
      }
      ktile[e] = kv;
      vtile[e] = vv;
    }
    workgroupBarrier();
    if (live && j0 <= t) {
      let n = min(BK, t + 1u - j0);  // keys of this tile row t may see
      var mt = m;
      for (var jj = 0u; jj < n; jj++) {
        var dot = 0.0;
        for (var d = 0u; d < HS; d++) { dot = fma(q[d], ktile[jj * HS + d], dot); }
        s[jj] = dot * scale;
        mt = max(mt, s[jj]);
      }
      let corr = exp(m - mt);
      l *= corr;
      for (var d = 0u; d < HS; d++) { acc[d] *= corr; }
      for (var jj = 0u; jj < n; jj++) {
        let p = exp(s[jj] - mt);
        l += p;
        for (var d = 0u; d < HS; d++) { acc[d] = fma(p, vtile[jj * HS + d], acc[d]); }
      }
      m = mt;
    }
  }

  if (t < T) {
    let ob = (b * T + t) * C + h * HS;
    let inv = select(0.0, 1.0 / l, live);
    for (var d = 0u; d < HS; d++) { out[ob + d] = acc[d] * inv; }
    lse[(b * NH + h) * T + t] = select(0.0, m + log(l), live);
  }
}
