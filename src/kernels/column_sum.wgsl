// out[j] (+)= Σ_i inp[i, j] over ROWS rows: the bias gradient of a matmul (dbias = Σ_n dout[n, :]).
// One workgroup per 64 columns; its 4 row-groups of threads each sum a strided quarter of the rows,
// then combine in workgroup memory. Deterministic: no atomics, a fixed summation order.

override ROWS: u32;
override COLS: u32;
override ACCUMULATE: bool = true;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> inp: array<f32>;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(64, 4, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let col = wid.x * 64u + lid.x;
  var s = 0.0;
  if (col < COLS) {
    for (var r = lid.y; r < ROWS; r += 4u) { s += inp[r * COLS + col]; }
  }
  partial[lid.y * 64u + lid.x] = s;
  workgroupBarrier();
  if (lid.y == 0u && col < COLS) {
    let total = partial[lid.x] + partial[64u + lid.x] + partial[128u + lid.x] + partial[192u + lid.x];
    out[col] = select(total, out[col] + total, ACCUMULATE);
  }
}
