// gelu_backward: dinp[i] += dout[i] · gelu'(x), x = inp[i]:
//   forward was: out = 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³); so now:
//   gelu'(x) = 0.5·(1 + tanh(u)) + 0.5·x·(1 − tanh²(u))·√(2/π)·(1 + 3·0.044715·x²)
// With σ = σ(2u) = 0.5·(1 + tanh(u)) and e = exp(−2u): 1 − σ = e·σ and 1 − tanh²(u) = 4·σ·(1 − σ), so
//   gelu'(x) = σ + 2·x·(e·σ)·σ·√(2/π)·(1 + 3·0.044715·x²)
// (no cancellation at either tail). Same clamps as gelu.wgsl: u to ±40, x to ±20 wherever it is raised
// to a power; the second term is below 1e-31 wherever a clamp is active.

override N: u32;

@group(0) @binding(0) var<storage, read_write> dinp: array<f32>;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;

const WG: u32 = 256u;
const GELU_SCALE: f32 = 0.7978845608028654;  // √(2/π)

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= N) { return; }
  let xc = clamp(inp[i], -20.0, 20.0);
  let u = clamp(GELU_SCALE * (xc + 0.044715 * xc * xc * xc), -40.0, 40.0);
  let e = exp(-2.0 * u);
  let s = 1.0 / (1.0 + e);
  let grad = s + 2.0 * xc * (e * s) * s * GELU_SCALE * (1.0 + 3.0 * 0.044715 * xc * xc);
  dinp[i] += dout[i] * grad;
}
