// Generalised advantage estimation (Schulman et al. 2016) over B sequences of T steps, one thread per
// sequence walking backwards in time (the recurrence is sequential in t; B·T is small next to the
// model, and the sequences are independent):
//   δ_t = r_t + γ·V_{t+1} − V_t;   A_t = δ_t + γλ·A_{t+1};   returns_t = A_t + V_t
// Masked steps (mask = 0) are skipped: they output 0 and leave the running V_{t+1} and A_{t+1}
// untouched, so after the last valid step V_{t+1} = A_{t+1} = 0, and valid steps on either side of a
// masked one chain as if it were absent. γ and λ come from a uniform.

override B: u32;
override T: u32;

const WG: u32 = 64u;

struct Params {
  gamma: f32,
  lam: f32,
}

@group(0) @binding(0) var<storage, read_write> advantages: array<f32>;  // [B, T]
@group(0) @binding(1) var<storage, read_write> returns: array<f32>;     // [B, T]
@group(0) @binding(2) var<storage, read> rewards: array<f32>;           // [B, T]
@group(0) @binding(3) var<storage, read> values: array<f32>;            // [B, T]
@group(0) @binding(4) var<storage, read> mask: array<f32>;              // [B, T]
@group(0) @binding(5) var<uniform> params: Params;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = gid.x + gid.y * nwg.x * WG;
  if (b >= B) { return; }
  let gamma = params.gamma;
  let gl = params.gamma * params.lam;
  var next_value = 0.0;
  var last_gae = 0.0;
  for (var s = 0u; s < T; s++) {
    let i = b * T + (T - 1u - s);
    if (mask[i] == 0.0) {
      advantages[i] = 0.0;
      returns[i] = 0.0;
      continue;
    }
    let v = values[i];
    let delta = rewards[i] + gamma * next_value - v;
    last_gae = delta + gl * last_gae;
    advantages[i] = last_gae;
    returns[i] = last_gae + v;
    next_value = v;
  }
}
