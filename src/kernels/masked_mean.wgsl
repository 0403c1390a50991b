// masked_mean: out[0] = Σ_n mask[n]·values[n] / max(Σ_n mask[n], 1). One workgroup of 256 threads
// strides over N and reduces in workgroup memory (a fixed order: deterministic). A masked-out element
// (mask = 0) contributes exactly 0 even when its value is inf or NaN (e.g. the loss at a padding token).

override N: u32;

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;     // [1]
@group(0) @binding(1) var<storage, read> values: array<f32>;        // [N]
@group(0) @binding(2) var<storage, read> mask: array<f32>;          // [N]

var<workgroup> partial: array<vec2<f32>, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  var s = vec2<f32>(0.0);
  for (var n = lid; n < N; n += WG) {
    let w = mask[n];
    if (w != 0.0) { s += vec2<f32>(w * values[n], w); }
  }
  partial[lid] = s;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (lid < k) { partial[lid] += partial[lid + k]; }
    workgroupBarrier();
  }
  if (lid == 0u) { out[0] = partial[0].x / max(partial[0].y, 1.0); }
}
