// attention_backward, key/value part: for key row t2, over the queries t ≥ t2 that see it,
//   p[t, t2] = exp(scale·q[t]·k[t2] − lse[t])   dv[t2] += Σ_t p·dout[t]
//   ds[t, t2] = p·(dout[t]·v[t2] − D[t])          dk[t2] += scale · Σ_t ds·q[t]
// with D[t] = Σ_d dout[t, d]·out[t, d]. One workgroup per (block of WG key rows, head, sequence), one
// thread per key row; queries and their dout rows are walked in shared tiles of BQ rows, and D and lse
// of a tile are computed once per tile by its first BQ threads. Accumulates into the k and v thirds of
// dqkv (no atomics: each key row is owned by one thread).

struct Sizes { T: u32 }  // the sequence length: read at run time, so one pipeline serves every T
override C: u32;
override NH: u32;
override HS: u32;
override BQ: u32;           // queries per tile: at most 32, BQ·HS ≤ TILE
override HAS_START: bool = false;

const WG: u32 = 64u;
const TILE: u32 = 1920u;

@group(0) @binding(0) var<storage, read_write> dqkv: array<f32>;
@group(0) @binding(1) var<storage, read> dout: array<f32>;
@group(0) @binding(2) var<storage, read> qkv: array<f32>;
@group(0) @binding(3) var<storage, read> out: array<f32>;
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read> start: array<u32>;
@group(0) @binding(6) var<uniform> sizes: Sizes;

var<workgroup> qtile: array<f32, TILE>;   // [BQ][HS]
var<workgroup> dotile: array<f32, TILE>;  // [BQ][HS]
var<workgroup> tile_lse: array<f32, 32>;
var<workgroup> tile_D: array<f32, 32>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let T = sizes.T;
  let b = wid.z;
  let h = wid.y;
  let k0 = wid.x * WG;
  let t2 = k0 + li;
  let s0 = select(0u, start[b], HAS_START);
  let scale = 1.0 / sqrt(f32(HS));
  let live = t2 < T && t2 >= s0;
  let kb = (b * T + t2) * 3u * C + C + h * HS;

  var k: array<f32, 128>;
  var v: array<f32, 128>;
  var dk: array<f32, 128>;
  var dv: array<f32, 128>;
  if (live) {
    for (var d = 0u; d < HS; d++) {
      k[d] = qkv[kb + d];
      v[d] = qkv[kb + C + d];
    }
  }

  // queries that see a key of this block: max(k0, s0) .. T-1
  for (var i0 = max(k0, s0); i0 < T; i0 += BQ) {
    workgroupBarrier();
    for (var e = li; e < BQ * HS; e += WG) {
      let t = i0 + e / HS;
      var qv = 0.0;
      var gv = 0.0;
      if (t < T) {
        let d = e % HS;
        qv = qkv[(b * T + t) * 3u * C + h * HS + d];
        gv = dout[(b * T + t) * C + h * HS + d];
      }
      qtile[e] = qv;
      dotile[e] = gv;
    }
    workgroupBarrier();
    if (li < BQ) {
      let t = i0 + li;
      var D = 0.0;
      var L = 0.0;
      if (t < T) {
        let ob = (b * T + t) * C + h * HS;
        for (var d = 0u; d < HS; d++) { D = fma(dotile[li * HS + d], out[ob + d], D); }
        L = lse[(b * NH + h) * T + t];
      }
      tile_D[li] = D;
      tile_lse[li] = L;
    }
    workgroupBarrier();
    if (live && i0 + BQ > t2) {
      let n = min(BQ, T - i0);
      for (var ii = select(0u, t2 - i0, t2 > i0); ii < n; ii++) {
        var dot = 0.0;
        var dp = 0.0;
        for (var d = 0u; d < HS; d++) {
          dot = fma(qtile[ii * HS + d], k[d], dot);
          dp = fma(dotile[ii * HS + d], v[d], dp);
        }
        // forward was: out[t] += p·v[t2]; so now: dv[t2] += p·dout[t]
        // forward was: p = softmax(scale·q·k); so now: ds = p·(dp − D), dk[t2] += scale·ds·q[t]
        let p = exp(dot * scale - tile_lse[ii]);
        let ds = p * (dp - tile_D[ii]);
        for (var d = 0u; d < HS; d++) {
          dv[d] = fma(p, dotile[ii * HS + d], dv[d]);
          dk[d] = fma(ds, qtile[ii * HS + d], dk[d]);
        }
      }
    }
  }

  if (live) {
    for (var d = 0u; d < HS; d++) {
      dqkv[kb + d] += scale * dk[d];
      dqkv[kb + C + d] += dv[d];
    }
  }
}
