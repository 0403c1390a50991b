// AdamW update of one contiguous range [OFFSET, OFFSET + LENGTH) of the flat parameter buffer
// (llm.c's adamw_kernel; Loshchilov & Hutter, decoupled weight decay):
//   g  = grad · clip_scale                         (clip_scale = norm[1] from grad_norm, 1 without HAS_CLIP)
//   m  = β1·m + (1 − β1)·g
//   v  = β2·v + (1 − β2)·g²
//   m̂  = m / (1 − β1^t),  v̂ = v / (1 − β2^t)      (both corrections computed on the host in float64)
//   θ -= lr · (m̂ / (√v̂ + eps) + wd·θ)             (wd only where DECAY, else 0)
// and, with ZERO_GRAD, grad = 0 afterwards so the next backward pass accumulates into a clean buffer.
// One thread per element; the launch is folded by grid1d when LENGTH needs more than 65535 workgroups.

override OFFSET: u32;
override LENGTH: u32;
override DECAY: bool = true;
override HAS_CLIP: bool = true;
override ZERO_GRAD: bool = false;

const WG: u32 = 256u;

struct Params {
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weight_decay: f32,
  beta1_correction: f32,  // 1 − β1^t
  beta2_correction: f32,  // 1 − β2^t
  t: u32,                 // the step, from 1 (informational: the corrections already carry it)
}

@group(0) @binding(0) var<storage, read_write> params: array<f32>;
@group(0) @binding(1) var<storage, read_write> m_memory: array<f32>;
@group(0) @binding(2) var<storage, read_write> v_memory: array<f32>;
@group(0) @binding(3) var<storage, read_write> grads: array<f32>;  // written only with ZERO_GRAD
@group(0) @binding(4) var<storage, read> norm: array<f32>;         // [‖g‖, clip scale] from grad_norm
@group(0) @binding(5) var<uniform> hp: Params;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = gid.x + gid.y * nwg.x * WG;
  if (j >= LENGTH) { return; }
  let i = OFFSET + j;
  var scale = 1.0;
  if (HAS_CLIP) { scale = norm[1]; }
  let g = grads[i] * scale;
  let m = hp.beta1 * m_memory[i] + (1.0 - hp.beta1) * g;
  let v = hp.beta2 * v_memory[i] + (1.0 - hp.beta2) * g * g;
  let m_hat = m / hp.beta1_correction;
  let v_hat = v / hp.beta2_correction;
  let wd = select(0.0, hp.weight_decay, DECAY);
  let p = params[i];
  m_memory[i] = m;
  v_memory[i] = v;
  params[i] = p - hp.lr * (m_hat / (sqrt(v_hat) + hp.eps) + wd * p);
  if (ZERO_GRAD) { grads[i] = 0.0; }
}
