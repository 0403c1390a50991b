// The labelling view in the Worker: two responses to one prompt for a human to compare, sampled from policy
// checkpoints exactly as a PPO rollout samples them (src/eval/policy-responses.ts). With one checkpoint both
// responses come from it in one batch of two (the sampler's RNG differs per row); with two, each checkpoint
// answers once with the same seed, so a pair differs only by the model.

import { policyResponses } from '../eval/policy-responses.ts';
import type { Gpu } from '../kernels/gpu.ts';
import { loadCheckpoint } from '../models/checkpoint.ts';
import type { Command } from '../protocol.ts';

type LabelSample = Extract<Command, { type: 'label-sample' }>;

export async function samplePair(gpu: Gpu, command: LabelSample): Promise<[string, string]> {
  const { a, b, prompt, seed, sampling } = command;
  const opts = { ...sampling, seed: seed >>> 0 };
  const ckptA = loadCheckpoint(a.bytes, a.name);
  if (!b) {
    const [first, second] = await policyResponses(gpu, ckptA, a.name, [prompt, prompt], { ...opts, batch: 2 });
    return [first, second];
  }
  const ckptB = loadCheckpoint(b.bytes, b.name);
  const [first] = await policyResponses(gpu, ckptA, a.name, [prompt], { ...opts, batch: 1 });
  const [second] = await policyResponses(gpu, ckptB, b.name, [prompt], { ...opts, batch: 1 });
  return [first, second];
}
