// layernorm_backward, input gradient (one 32-lane group per row, ROWS rows per workgroup):
//   forward was: norm = (inp − mean)·rstd; out = norm·weight + bias; so now, with g = dout·weight:
//   dinp += rstd · (g − mean(g) − norm · mean(g·norm))
// The saved mean is the f32 rounding of the true mean, off by up to half an ulp of the row's offset;
// for rows like 1e4 + small noise that is not small next to the noise. So the row reduction also sums
// inp − mean, and the kernel normalises with the residual δ = mean(inp − mean) removed:
//   norm = (inp − mean − δ)·rstd,  mean(g·norm) = mean(g·(inp − mean))·rstd − δ·rstd·mean(g)
// Layout as layernorm.wgsl: lane l of a row strides over channels l, l + 32, …; after one barrier every
// lane adds its row's 32 partial sums (of g, g·(inp − mean), inp − mean) in lane order; rows past N
// take part in the barrier only.

override N: u32;
override C: u32;

@group(0) @binding(0) var<storage, read_write> dinp: array<f32>;
@group(0) @binding(1) var<storage, read> dout: array<f32>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> rstd: array<f32>;

const LANES: u32 = 32u;
const ROWS: u32 = 8u;  // rows per workgroup: LAYERNORM_ROWS in layernorm.ts
var<workgroup> partial: array<vec3<f32>, 256>;  // LANES * ROWS

@compute @workgroup_size(32, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = (wid.x + wid.y * 65535u) * ROWS + lid.y;
  let lane = lid.x;
  let slot = lid.y * LANES;
  let live = row < N;  // rows past N load and store nothing, but reach every barrier
  let base = select(0u, row * C, live);
  var m = 0.0;
  var r = 0.0;
  var s = vec3<f32>(0.0);
  if (live) {
    m = mean[row];
    r = rstd[row];
    for (var c = lane; c < C; c += LANES) {
      let g = dout[base + c] * weight[c];
      let xm = inp[base + c] - m;
      s += vec3<f32>(g, g * xm, xm);
    }
  }
  partial[slot + lane] = s;
  workgroupBarrier();
  if (!live) { return; }  // after the only barrier
  var sums = vec3<f32>(0.0);
  for (var l = 0u; l < LANES; l++) { sums += partial[slot + l]; }
  let g_mean = sums.x / f32(C);
  let delta = sums.z / f32(C);
  let gn_mean = (sums.y / f32(C) - delta * g_mean) * r;
  for (var c = lane; c < C; c += LANES) {
    let norm = (inp[base + c] - m - delta) * r;
    let g = dout[base + c] * weight[c];
    dinp[base + c] += r * (g - g_mean - norm * gn_mean);
  }
}
