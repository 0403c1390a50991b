// Second pass of the global gradient norm, one workgroup: sums the G partial sums of squares from
// grad_norm.wgsl in a fixed order and writes
//   norm[0] = ‖grads‖₂ = √(Σ partials)
//   norm[1] = clip scale = min(1, max_norm / (norm + 1e-6))   (1 when max_norm ≤ 0: no clipping)
// max_norm comes from a uniform so that it can change without recompiling.

override G: u32;  // number of partial sums

const WG: u32 = 256u;

struct Params {
  max_norm: f32,
}

@group(0) @binding(0) var<storage, read_write> norm: array<f32>;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  var s = 0.0;
  for (var i = lid.x; i < G; i += WG) { s += partials[i]; }
  red[lid.x] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid.x < stride) { red[lid.x] += red[lid.x + stride]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    let n = sqrt(red[0]);
    norm[0] = n;
    norm[1] = select(1.0, min(1.0, params.max_norm / (n + 1e-6)), params.max_norm > 0.0);
  }
}
