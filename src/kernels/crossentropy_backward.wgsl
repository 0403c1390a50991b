// crossentropy_backward (llm.c's crossentropy_softmax_backward), one thread per logit, OVERWRITING
// dlogits (it starts the chain rule):
//   forward was: losses[n] = lse[n] − logits[n, target]; so now:
//   dlogits[n, v] = (exp(logits[n, v] − lse[n]) − [v = target]) · dlosses[n]
// A target ≥ V is clamped to V − 1, as in the forward.

override N: u32;
override V: u32;

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read_write> dlogits: array<f32>; // [N, V]
@group(0) @binding(1) var<storage, read> logits: array<f32>;        // [N, V]
@group(0) @binding(2) var<storage, read> lse: array<f32>;           // [N]
@group(0) @binding(3) var<storage, read> targets: array<u32>;       // [N]
@group(0) @binding(4) var<storage, read> dlosses: array<f32>;       // [N]

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= N * V) { return; }
  let n = idx / V;
  let v = idx % V;
  let p = exp(logits[idx] - lse[n]);
  let indicator = select(0.0, 1.0, v == min(targets[n], V - 1u));
  dlogits[idx] = (p - indicator) * dlosses[n];
}
