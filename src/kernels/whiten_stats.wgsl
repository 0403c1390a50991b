// First pass of masked whitening (whiten.ts): the masked mean and unbiased variance of x[N], in one
// workgroup of 256 threads striding over N (coalesced), two passes over x so that the variance is
// Σ m·(x − mean)² (no E[x²] − E[x]² cancellation). Fixed order: deterministic, no atomics.
//   stats[0] = mean  = Σ m·x / Σ m                    (0 when Σ m = 0)
//   stats[1] = var   = Σ m·(x − mean)² / (Σ m − 1)    (TRL's masked_var(unbiased); 0 when Σ m ≤ 1)
//   stats[2] = rstd  = 1 / √(var + 1e-8)
//   stats[3] = count = Σ m

override N: u32;

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read_write> stats: array<f32>;  // [4]
@group(0) @binding(1) var<storage, read> x: array<f32>;            // [N]
@group(0) @binding(2) var<storage, read> mask: array<f32>;         // [N]

var<workgroup> red: array<vec2<f32>, 256>;

fn reduce(lid: u32, v: vec2<f32>) -> vec2<f32> {
  red[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) { red[lid] += red[lid + stride]; }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier();  // everyone has read red[0] before it is reused
  return total;
}

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  var s = vec2<f32>(0.0);  // (Σ m·x, Σ m)
  for (var i = lid.x; i < N; i += WG) {
    let m = mask[i];
    s += vec2<f32>(m * x[i], m);
  }
  let sums = reduce(lid.x, s);
  let count = sums.y;
  let mean = select(0.0, sums.x / count, count > 0.0);

  var q = 0.0;  // Σ m·(x − mean)²
  for (var i = lid.x; i < N; i += WG) {
    let d = x[i] - mean;
    q += mask[i] * d * d;
  }
  let sq = reduce(lid.x, vec2<f32>(q, 0.0)).x;
  if (lid.x == 0u) {
    let v = select(0.0, sq / (count - 1.0), count > 1.0);
    stats[0] = mean;
    stats[1] = v;
    stats[2] = inverseSqrt(v + 1e-8);
    stats[3] = count;
  }
}
