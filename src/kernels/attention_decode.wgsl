// attention_decode, step 2: attention of one new query per sequence over the cached keys,
//   s[t2] = q·kcache[b, h, t2] / √hs   for start[b] ≤ t2 ≤ pos
//   out[b, h·HS + d] = Σ_t2 softmax(s)[t2] · vcache[b, h, t2, d]
// (attention_forward's row t = pos; zeros when pos < start[b]). One workgroup of WG threads per
// (head, sequence). Keys are walked in chunks of WG: thread i scores key j0 + i, the chunk's max and
// sum are workgroup reductions, and thread d accumulates output channel d (coalesced reads of vcache)
// with an online softmax across chunks.

override C: u32;
override NH: u32;
override HS: u32;
override TMAX: u32;
override HAS_START: bool = false;

const WG: u32 = 128u;
const NEG: f32 = -3.0e38;

struct Params {
  pos: u32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> kcache: array<f32>;
@group(0) @binding(2) var<storage, read> vcache: array<f32>;
@group(0) @binding(3) var<storage, read> qkv_new: array<f32>;
@group(0) @binding(4) var<storage, read> start: array<u32>;
@group(0) @binding(5) var<uniform> params: Params;

var<workgroup> qs: array<f32, WG>;   // the query of this head
var<workgroup> ps: array<f32, WG>;   // the chunk's probabilities (unnormalised)
var<workgroup> red: array<f32, WG>;  // reduction scratch

fn reduce_max(li: u32) -> f32 {
  for (var w = WG / 2u; w > 0u; w >>= 1u) {
    if (li < w) { red[li] = max(red[li], red[li + w]); }
    workgroupBarrier();
  }
  return red[0];
}

fn reduce_sum(li: u32) -> f32 {
  for (var w = WG / 2u; w > 0u; w >>= 1u) {
    if (li < w) { red[li] += red[li + w]; }
    workgroupBarrier();
  }
  return red[0];
}

@compute @workgroup_size(128, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let h = wid.x;
  let b = wid.y;
  let s0 = select(0u, start[b], HAS_START);
  let last = min(params.pos + 1u, TMAX);  // keys s0 .. last-1
  let scale = 1.0 / sqrt(f32(HS));
  let base = (b * NH + h) * TMAX * HS;     // kcache[b, h, 0, 0]

  if (li < HS) { qs[li] = qkv_new[b * 3u * C + h * HS + li]; }
  workgroupBarrier();

  var m = NEG;
  var l = 0.0;
  var acc = 0.0;  // output channel li
  for (var j0 = s0; j0 < last; j0 += WG) {
    let j = j0 + li;
    var s = NEG;
    if (j < last) {
      var dot = 0.0;
      for (var d = 0u; d < HS; d++) { dot = fma(qs[d], kcache[base + j * HS + d], dot); }
      s = dot * scale;
    }
    red[li] = s;
    workgroupBarrier();
    let mt = max(m, reduce_max(li));
    workgroupBarrier();
    let p = select(0.0, exp(s - mt), j < last);
    ps[li] = p;
    red[li] = p;
    workgroupBarrier();
    let corr = exp(m - mt);
    l = l * corr + reduce_sum(li);
    if (li < HS) {
      var a = acc * corr;
      let n = min(WG, last - j0);
      for (var jj = 0u; jj < n; jj++) { a = fma(ps[jj], vcache[base + (j0 + jj) * HS + li], a); }
      acc = a;
    }
    m = mt;
    workgroupBarrier();
  }

  if (li < HS) {
    out[b * C + h * HS + li] = select(0.0, acc / l, last > s0);
  }
}
