// layernorm_backward, parameter gradients (a reduction over rows, its own kernel: no atomics):
//   forward was: out[n, c] = norm[n, c]·weight[c] + bias[c]; so now:
//   dweight[c] += Σ_n dout[n, c]·norm[n, c];   dbias[c] += Σ_n dout[n, c]
// One workgroup per 64 columns; 4 row-groups of threads each sum a strided quarter of the rows.
// norm is (inp − mean)·rstd with the saved f32 mean, whose rounding (≤ half an ulp of the row's
// offset) is not corrected here as layernorm_backward.wgsl corrects it (that needs a whole-row sum):
// for rows like 1e4 + noise of scale s, norm carries an error of up to 4.9e-4/s per element.

override N: u32;
override C: u32;

@group(0) @binding(0) var<storage, read_write> dweight: array<f32>;
@group(0) @binding(1) var<storage, read_write> dbias: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read> inp: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> rstd: array<f32>;

var<workgroup> partial: array<vec2<f32>, 256>;

@compute @workgroup_size(64, 4, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = wid.x * 64u + lid.x;
  var s = vec2<f32>(0.0);
  if (c < C) {
    for (var n = lid.y; n < N; n += 4u) {
      let d = dout[n * C + c];
      s += vec2<f32>(d * (inp[n * C + c] - mean[n]) * rstd[n], d);
    }
  }
  partial[lid.y * 64u + lid.x] = s;
  workgroupBarrier();
  if (lid.y == 0u && c < C) {
    let t = partial[lid.x] + partial[64u + lid.x] + partial[128u + lid.x] + partial[192u + lid.x];
    dweight[c] += t.x;
    dbias[c] += t.y;
  }
}
