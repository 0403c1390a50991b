// First pass of the global gradient norm: partials[g] = Σ grads[i]² over the elements workgroup g
// visits. G workgroups of 256 threads walk grads[P] with a grid stride of G·256, so consecutive
// threads read consecutive elements (coalesced) and G stays small (≤ 1024) whatever P is; each
// workgroup then reduces its 256 sums in workgroup memory. Fixed order: deterministic, no atomics.
// grad_norm_reduce.wgsl turns the G partials into the norm and the clip scale.

override P: u32;  // number of gradient elements
override G: u32;  // number of workgroups = number of partial sums

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read_write> partials: array<f32>;
@group(0) @binding(1) var<storage, read> grads: array<f32>;

var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  var s = 0.0;
  for (var i = wid.x * WG + lid.x; i < P; i += G * WG) {
    let g = grads[i];
    s = fma(g, g, s);
  }
  red[lid.x] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid.x < stride) { red[lid.x] += red[lid.x + stride]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { partials[wid.x] = red[0]; }
}
