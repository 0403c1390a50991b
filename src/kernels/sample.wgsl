// Draws one token per row from logits[B, V] (one workgroup of 256 threads per row b):
//   τ = 0:  greedy, token = argmax_i logits[b, i] (ties → lowest index), logp = 0 (a point mass);
//   τ > 0:  p_i ∝ exp((x_i − max x) / τ) over the admitted set A, token ~ p by inverse CDF at
//           u = hash(seed, b, step) ∈ [0, 1), logp = (x_tok − max x)/τ − log Σ_A exp((x_i − max x)/τ).
// A is every token when top_k = 0 or top_k ≥ V, else every i with x_i ≥ the top_k-th largest logit
// (ties at that threshold are all admitted, so |A| may exceed top_k). The threshold is found exactly,
// without sorting, by a 16-way bisection on the order-preserving u32 key of the f32 logits: 8 passes
// over the row, each counting how many keys are ≥ 15 candidates (one workgroup barrier per pass).
// Writes tokens[b·TT + pos] and logp[b·TT + pos], so a decode loop can keep the sequence on the GPU
// (pos, seed, step in a uniform).
//
// Sampling: each thread sums the weights of a contiguous chunk of ⌈V/256⌉ logits; thread 0 walks the
// 256 chunk sums in order to S and to the chunk holding u·S, then walks that chunk in the same order.
// Fixed order everywhere: the same (logits, seed, step) give the same token on every run.

override V: u32;   // vocabulary size
override TT: u32;  // row length of tokens / logp (the sequence buffer)

const WG: u32 = 256u;
const BIG: f32 = 3.0e38;

struct Params {
  temperature: f32,
  top_k: u32,
  seed: u32,
  step: u32,
  pos: u32,
}

@group(0) @binding(0) var<storage, read_write> tokens: array<u32>;
@group(0) @binding(1) var<storage, read_write> logp: array<f32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> red_v: array<f32, 256>;
var<workgroup> red_i: array<u32, 256>;
var<workgroup> counts: array<atomic<u32>, 48>;  // 3 sets of 16 counters (top-k passes)
var<workgroup> chunks: array<f32, 256>;

// PCG hash (Jarzynski & Olano 2020): a bijection of u32, so distinct seeds give distinct streams.
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

// A u32 whose unsigned order is the order of the f32 values (−0 is taken as +0).
fn key(x: f32) -> u32 {
  let b = bitcast<u32>(select(x, 0.0, x == 0.0));
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wid.x;
  let row = b * V;
  let tid = lid.x;
  let out = b * TT + params.pos;
  if (params.pos >= TT) { return; }  // outside the sequence buffer: nothing to write

  // 1. max and argmax of the row (ties → lowest index); index V marks "nothing seen yet".
  var best = 0.0;
  var best_i = V;
  for (var i = tid; i < V; i += WG) {
    let x = logits[row + i];
    if (best_i == V || x > best) { best = x; best_i = i; }
  }
  red_v[tid] = best;
  red_i[tid] = best_i;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s /= 2u) {
    if (tid < s) {
      let oi = red_i[tid + s];
      let ov = red_v[tid + s];
      let mi = red_i[tid];
      let mv = red_v[tid];
      if (oi != V && (mi == V || ov > mv || (ov == mv && oi < mi))) { red_v[tid] = ov; red_i[tid] = oi; }
    }
    workgroupBarrier();
  }
  let mx = red_v[0];
  let tau = params.temperature;
  if (tau <= 0.0) {
    if (tid == 0u) { tokens[out] = red_i[0]; logp[out] = 0.0; }
    return;
  }

  // 2. top-k threshold: the largest key t with #{i : key(x_i) ≥ t} ≥ k, built 4 bits at a time (8
  //    passes over the row, each counting the keys ≥ 15 candidates at once, in registers). Counts are
  //    summed with integer atomics (exact, so still deterministic) into one of three sets of counters
  //    in turn: pass n adds into set n % 3 and clears set (n + 2) % 3, which pass n − 1 finished
  //    reading before this pass's barrier and pass n + 2 adds to only after the next one.
  var thr = 0u;
  let k = params.top_k;
  if (k > 0u && k < V) {
    for (var n = 0u; n < 8u; n++) {
      let shift = 28u - 4u * n;
      // c[d] = #{i : key(x_i) ≥ thr | d << shift} over this thread's elements. The explicit initialiser
      // matters: Dawn on SwiftShader did not re-zero an uninitialised loop-local array every pass.
      var c = array<u32, 16>();
      for (var i = tid; i < V; i += WG) {
        let kx = key(logits[row + i]);
        for (var d = 1u; d < 16u; d++) { c[d] += select(0u, 1u, kx >= (thr | (d << shift))); }
      }
      let base = (n % 3u) * 16u;
      for (var d = 1u; d < 16u; d++) {
        if (c[d] > 0u) { atomicAdd(&counts[base + d], c[d]); }
      }
      workgroupBarrier();
      var digit = 0u;  // counts fall as d grows: keep the largest d that still admits k keys
      for (var d = 1u; d < 16u; d++) {
        if (atomicLoad(&counts[base + d]) >= k) { digit = d; }
      }
      thr |= digit << shift;
      if (tid < 16u) { atomicStore(&counts[((n + 2u) % 3u) * 16u + tid], 0u); }
    }
  }

  // 3. chunk sums of the weights w_i = exp((x_i − mx)/τ) over admitted i.
  let L = (V + WG - 1u) / WG;
  let start = min(tid * L, V);
  let end = min(start + L, V);
  var cs = 0.0;
  for (var i = start; i < end; i++) {
    let x = logits[row + i];
    cs += select(0.0, exp((x - mx) / tau), key(x) >= thr);
  }
  chunks[tid] = cs;
  workgroupBarrier();

  // 4. inverse CDF, by thread 0 in a fixed order.
  if (tid != 0u) { return; }
  var total = 0.0;
  for (var c = 0u; c < WG; c++) { total += chunks[c]; }
  let u = f32(pcg(params.seed ^ pcg(b ^ pcg(params.step))) >> 8u) * (1.0 / 16777216.0);
  let goal = u * total;
  var run = 0.0;
  var sel = WG;
  var last = 0u;
  var local_target = BIG;
  for (var c = 0u; c < WG; c++) {
    if (chunks[c] > 0.0) {
      last = c;
      if (run + chunks[c] > goal) { sel = c; local_target = goal - run; break; }
    }
    run += chunks[c];
  }
  if (sel == WG) { sel = last; }  // u·S rounded up to S: take the last admitted token
  let c0 = min(sel * L, V);
  let c1 = min(c0 + L, V);
  var r = 0.0;
  var pick = V;
  var last_i = c0;
  for (var i = c0; i < c1; i++) {
    let x = logits[row + i];
    let w = select(0.0, exp((x - mx) / tau), key(x) >= thr);
    if (w > 0.0) { last_i = i; }
    r += w;
    if (r > local_target) { pick = i; break; }
  }
  if (pick == V) { pick = last_i; }
  tokens[out] = pick;
  logp[out] = (logits[row + pick] - mx) / tau - log(total);
}
