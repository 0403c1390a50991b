// loss_weights, masked_mean's backward: dlosses[n] = mask[n] / max(Σ_m mask[m], 1), the backward of
// masked_mean with dloss = 1 (OVERWRITES dlosses: it starts the chain rule):
//   forward was: loss = Σ mask·losses / max(Σ mask, 1); so now: dlosses = mask / max(Σ mask, 1)
// One workgroup of 256 threads: a strided sum of the mask reduced in workgroup memory, then every
// thread writes its strided share of dlosses.

override N: u32;

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read_write> dlosses: array<f32>; // [N]
@group(0) @binding(1) var<storage, read> mask: array<f32>;          // [N]

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var n = lid; n < N; n += WG) { s += mask[n]; }
  partial[lid] = s;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (lid < k) { partial[lid] += partial[lid + k]; }
    workgroupBarrier();
  }
  let scale = 1.0 / max(partial[0], 1.0);
  for (var n = lid; n < N; n += WG) { dlosses[n] = mask[n] * scale; }
}
