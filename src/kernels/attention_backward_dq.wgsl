// attention_backward, query part: dq[t] += scale · Σ_t2 ds[t, t2] · k[t2], with the probabilities
// recomputed from the forward's lse (FlashAttention-2):
//   p[t, t2] = exp(scale·q[t]·k[t2] − lse[t])      dp[t, t2] = dout[t]·v[t2]
//   D[t] = Σ_d dout[t, d]·out[t, d]  (= Σ_t2 p·dp)  ds[t, t2] = p·(dp − D[t])
// Same grid as the forward: one workgroup per (block of WG query rows, head, sequence), one thread per
// query row, keys and values in shared tiles of BK rows. Accumulates into the q third of dqkv.

struct Sizes { T: u32 }  // the sequence length: read at run time, so one pipeline serves every T
override C: u32;
override NH: u32;
override HS: u32;
override BK: u32;
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
  let qb = (b * T + t) * 3u * C + h * HS;

  var q: array<f32, 128>;
  var dO: array<f32, 128>;
  var dq: array<f32, 128>;
  var D = 0.0;
  var L = 0.0;
  if (live) {
    let ob = (b * T + t) * C + h * HS;
    for (var d = 0u; d < HS; d++) {
      q[d] = qkv[qb + d];
      dO[d] = dout[ob + d];
      D = fma(dO[d], out[ob + d], D);
    }
    L = lse[(b * NH + h) * T + t];
  }

  let last = min(q0 + WG, T);
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
      let n = min(BK, t + 1u - j0);
      for (var jj = 0u; jj < n; jj++) {
        var dot = 0.0;
        var dp = 0.0;
        for (var d = 0u; d < HS; d++) {
          dot = fma(q[d], ktile[jj * HS + d], dot);
          dp = fma(dO[d], vtile[jj * HS + d], dp);
        }
        // forward was: out[t] = Σ p·v, p = softmax(scale·q·k); so now: ds = p·(dp − D), dq += ds·k
        let p = exp(dot * scale - L);
        let ds = p * (dp - D);
        for (var d = 0u; d < HS; d++) { dq[d] = fma(ds, ktile[jj * HS + d], dq[d]); }
      }
    }
  }

  if (live) {
    for (var d = 0u; d < HS; d++) { dqkv[qb + d] += scale * dq[d]; }
  }
}
