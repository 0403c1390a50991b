// residual_backward:
//   forward was: out = inp1 + inp2; so now: dinp1 += dout, dinp2 += dout
// dinp1 and dinp2 must be different buffers (WebGPU forbids binding one buffer twice read_write).

override N: u32;

@group(0) @binding(0) var<storage, read_write> dinp1: array<f32>;
@group(0) @binding(1) var<storage, read_write> dinp2: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;

const WG: u32 = 256u;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i < N) {
    let d = dout[i];
    dinp1[i] += d;
    dinp2[i] += d;
  }
}
