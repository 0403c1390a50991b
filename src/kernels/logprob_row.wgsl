// logprob_row: shared by logprob.wgsl and logprob_backward.wgsl (the launcher prepends it; WGSL has
// no imports). One workgroup of 256 threads per row of logits[N, V], z = logits / TEMPERATURE:
// row_stats returns (m, log s, Σ e·(z − m) / s) with m = max z, e = exp(z − m), s = Σ e, in two passes.

override N: u32;
override V: u32;
override TEMPERATURE: f32 = 1.0;

const WG: u32 = 256u;

var<workgroup> partial: array<vec2<f32>, 256>;

// Reduces v over the workgroup: component x by max when `is_max`, else both components by sum.
fn workgroup_reduce(v: vec2<f32>, lid: u32, is_max: bool) -> vec2<f32> {
  partial[lid] = v;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (lid < k) {
      let a = partial[lid];
      let b = partial[lid + k];
      partial[lid] = select(a + b, vec2<f32>(max(a.x, b.x), 0.0), is_max);
    }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}

struct RowStats {
  m: f32,
  log_s: f32,
  /** Σ_v p_v (z_v − m): the entropy is log_s − this. */
  mean_shift: f32,
}

fn row_stats(base: u32, lid: u32) -> RowStats {
  var m = -0x1.fffffep+127f;  // the lowest finite f32
  for (var v = lid; v < V; v += WG) { m = max(m, logits[base + v] / TEMPERATURE); }
  m = workgroup_reduce(vec2<f32>(m, 0.0), lid, true).x;
  var st = vec2<f32>(0.0);  // (Σ e, Σ e·(z − m))
  for (var v = lid; v < V; v += WG) {
    let d = logits[base + v] / TEMPERATURE - m;
    let e = exp(d);
    st += vec2<f32>(e, e * d);
  }
  st = workgroup_reduce(st, lid, false);
  return RowStats(m, log(st.x), st.y / st.x);
}
