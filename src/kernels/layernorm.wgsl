// layernorm_forward: out[n, :] = (inp[n, :] − mean_n) · rstd_n · weight + bias, saving mean[n] and
// rstd[n] = 1/√(var_n + 1e-5) for the backward pass. One workgroup of 256 threads per row: a
// two-pass reduction (mean first, then the variance of the centred values) of the row shifted by its
// first element x0, so that a large common offset (1e4 + small noise) cancels exactly before any sum:
// the f32 sums see only the noise, and the centred values (x − x0) − mean(x − x0) are accurate to f32
// precision of the noise, not of the offset. (Any x0 of the row is safe: |x0 − mean| ≤ √C·std.)

override N: u32;
override C: u32;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read_write> mean: array<f32>;
@group(0) @binding(2) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(3) var<storage, read> inp: array<f32>;
@group(0) @binding(4) var<storage, read> weight: array<f32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;

const WG: u32 = 256u;
var<workgroup> partial: array<f32, 256>;

fn workgroup_sum(v: f32, lid: u32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] += partial[lid + s]; }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
  let row = wid.x + wid.y * 65535u;
  if (row >= N) { return; }  // uniform per workgroup
  let lid = lid3.x;
  let base = row * C;
  let x0 = inp[base];
  var s = 0.0;
  for (var c = lid; c < C; c += WG) { s += inp[base + c] - x0; }
  let m = workgroup_sum(s, lid) / f32(C);  // mean of the shifted row: mean = x0 + m
  var v = 0.0;
  for (var c = lid; c < C; c += WG) { let d = (inp[base + c] - x0) - m; v += d * d; }
  let r = inverseSqrt(workgroup_sum(v, lid) / f32(C) + 1e-5);
  for (var c = lid; c < C; c += WG) {
    out[base + c] = ((inp[base + c] - x0) - m) * r * weight[c] + bias[c];
  }
  if (lid == 0u) { mean[row] = x0 + m; rstd[row] = r; }
}
