// layernorm_forward: out[n, :] = (inp[n, :] − mean_n) · rstd_n · weight + bias, saving mean[n] and
// rstd[n] = 1/√(var_n + 1e-5) for the backward pass. A two-pass reduction (mean first, then the variance
// of the centred values) of the row shifted by its first element x0, so that a large common offset
// (1e4 + small noise) cancels exactly before any sum: the f32 sums see only the noise, and the centred
// values (x − x0) − mean(x − x0) are accurate to f32 precision of the noise, not of the offset. (Any x0
// of the row is safe: |x0 − mean| ≤ √C·std.)
// Layout (llm.c's one warp per row, without subgroups): a workgroup of 32 lanes × ROWS rows; lane l of
// a row strides over its channels l, l + 32, …; each lane stores its partial sum in workgroup memory
// and, after one barrier, every lane of the row adds the row's 32 partials in the same order (a
// broadcast read), so all lanes hold the same total. The two sums use separate arrays: the forward
// costs two barriers per workgroup, not a barrier per halving step. Rows past N keep taking part in
// every barrier (barriers need uniform control flow): only their loads and stores are guarded.

override N: u32;
override C: u32;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read_write> mean: array<f32>;
@group(0) @binding(2) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(3) var<storage, read> inp: array<f32>;
@group(0) @binding(4) var<storage, read> weight: array<f32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;

const LANES: u32 = 32u;
const ROWS: u32 = 8u;  // rows per workgroup: LAYERNORM_ROWS in layernorm.ts
var<workgroup> partial_sum: array<f32, 256>;  // LANES * ROWS: lane sums of x − x0
var<workgroup> partial_var: array<f32, 256>;  // LANES * ROWS: lane sums of the squared centred values


@compute @workgroup_size(32, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = (wid.x + wid.y * 65535u) * ROWS + lid.y;
  let lane = lid.x;
  let slot = lid.y * LANES;
  let live = row < N;  // rows past N load and store nothing, but reach every barrier
  let base = select(0u, row * C, live);
  var x0 = 0.0;
  if (live) { x0 = inp[base]; }
  var s = 0.0;
  if (live) { for (var c = lane; c < C; c += LANES) { s += inp[base + c] - x0; } }
  partial_sum[slot + lane] = s;
  workgroupBarrier();
  var s_row = 0.0;  // the row's 32 lane sums in lane order, the same in every lane
  for (var l = 0u; l < LANES; l++) { s_row += partial_sum[slot + l]; }
  let m = s_row / f32(C);  // mean of the shifted row: mean = x0 + m
  var v = 0.0;
  if (live) { for (var c = lane; c < C; c += LANES) { let d = (inp[base + c] - x0) - m; v += d * d; } }
  partial_var[slot + lane] = v;
  workgroupBarrier();
  var v_row = 0.0;
  for (var l = 0u; l < LANES; l++) { v_row += partial_var[slot + l]; }
  let r = inverseSqrt(v_row / f32(C) + 1e-5);
  if (!live) { return; }  // after the last barrier
  for (var c = lane; c < C; c += LANES) {
    out[base + c] = ((inp[base + c] - x0) - m) * r * weight[c] + bias[c];
  }
  if (lane == 0u) { mean[row] = x0 + m; rstd[row] = r; }
}
