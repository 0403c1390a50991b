// The Evaluate stage's policy analyses in the Worker, the notebook's `rlhf elo` and `rlhf lm-eval`:
//   rankPolicies  every policy answers the same prompts, sampled as a PPO rollout samples (src/eval/
//                 policy-responses.ts, with one seed for every policy, so two copies of a checkpoint answer
//                 alike); on each prompt every pair plays one game won by the response the judge scores higher
//                 (a PM's score, pmReward, or the synthetic world's gold score, goldValue); Bradley–Terry Elo
//                 with 95% intervals from resampling prompts and the win-rate matrix (src/eval/tournament.ts);
//                 with the gold judge each policy's gold behaviour (src/eval/gold-behaviour.ts)
//   lmLosses      each model's held-out LM loss on the same batches (src/eval/lm-loss.ts): the transcripts
//                 split by the seed as the base run split them (lmData), four held-out batches; the tax is each
//                 loss minus the first model's
// Deviation from the CLI: the new-token limit is capped at half the shortest policy context rather than
// rejected, and the resampling seed is the sampling seed + 1 as `rlhf elo` uses. Nothing here imports the
// DOM: it runs in the Worker and, in the tests, in Node.

import { goldBehaviour } from '../eval/gold-behaviour.ts';
import { heldOutLosses, sharedTokenizer, type LossModel } from '../eval/lm-loss.ts';
import { policyResponses } from '../eval/policy-responses.ts';
import { leaderboard } from '../eval/tournament.ts';
import type { Gpu } from '../kernels/gpu.ts';
import { loadCheckpoint, type Checkpoint } from '../models/checkpoint.ts';
import type { Command, EloRanking, LMLossEvaluation, NamedCheckpoint } from '../protocol.ts';
import { lmData } from '../train/lm-run.ts';
import { goldValue } from '../train/ppo-data.ts';
import { pmReward } from '../train/ppo.ts';

type EloRank = Extract<Command, { type: 'elo-rank' }>;
type LMEvaluate = Extract<Command, { type: 'lm-evaluate' }>;

/** Hears how far a request has come: `done` of `total` units, and what is running now. */
export type EvalProgress = (done: number, total: number, message: string) => void;

/** Loads a checkpoint that must be a policy (a language model), not a preference model. */
export function loadPolicy(c: NamedCheckpoint): Checkpoint {
  const ckpt = loadCheckpoint(c.bytes, c.name);
  if (ckpt.metadata.kind === 'preference-model' || ckpt.heads.reward_head) {
    throw new Error(`${c.name} is a preference model, not a policy: choose base-model or RLHF checkpoints`);
  }
  return ckpt;
}

/** The leaderboard of `command.policies` judged by `command.judge` on `command.prompts`. */
export async function rankPolicies(gpu: Gpu, command: EloRank, progress: EvalProgress = () => {}): Promise<EloRanking> {
  const { policies, judge, prompts, settings: s } = command;
  // 1. check everything before the GPU starts
  if (policies.length < 2) throw new Error(`a leaderboard needs at least two policies, got ${policies.length}`);
  if (!prompts.length) throw new Error('no prompts: choose datasets that hold comparisons');
  if (!(Number.isInteger(s.bootstrap) && s.bootstrap >= 1))
    throw new Error(`resamples must be a positive integer, got ${s.bootstrap}`);
  const ckpts = policies.map(loadPolicy);
  const pm = judge.kind === 'pm' ? loadCheckpoint(judge.bytes, judge.name) : null;
  if (judge.kind === 'pm' && !pm!.heads.reward_head)
    throw new Error(`the judge ${judge.name} is not a preference model (it has no reward head)`);
  const shortest = Math.min(...ckpts.map((c) => c.cfg.maxSeqLen));
  const maxTokens = Math.max(1, Math.min(s.maxTokens, Math.floor(shortest / 2)));
  const sampling = {
    maxTokens,
    temperature: s.temperature,
    topK: s.topK,
    seed: s.seed >>> 0,
    batch: Math.max(1, s.batch),
  };

  // 2. every policy answers every prompt
  const total = policies.length + 1;
  const responses: string[][] = [];
  for (const [i, c] of policies.entries()) {
    progress(i, total, `sampling ${c.name}'s responses to ${prompts.length} prompts (${i + 1} of ${policies.length})`);
    responses.push(await policyResponses(gpu, ckpts[i], c.name, prompts, sampling));
  }

  // 3. the judge's scores, the tournament
  progress(policies.length, total, judge.kind === 'pm' ? `judging with ${judge.name}` : 'judging with the gold scorer');
  let scores: number[][];
  if (judge.kind === 'pm') {
    const reward = pmReward(gpu, pm!, judge.name, sampling.batch);
    scores = [];
    for (const r of responses) scores.push(await reward(prompts, r, []));
  } else {
    scores = responses.map((r) => prompts.map((p, q) => goldValue(p, r[q])));
  }
  const board = leaderboard(scores, { samples: s.bootstrap, seed: sampling.seed + 1 });
  progress(total, total, 'done');
  return {
    judge: judge.kind === 'pm' ? `pm:${judge.name}` : 'gold',
    policies: policies.map((c) => c.name),
    prompts: [...prompts],
    responses,
    scores,
    elo: board.elo,
    lo: board.lo,
    hi: board.hi,
    winRate: board.winRate,
    meanScore: board.meanScore,
    games: prompts.length * (policies.length - 1),
    maxTokens,
    ...(judge.kind === 'gold' ? { behaviour: responses.map((r) => goldBehaviour(prompts, r)) } : {}),
  };
}

/**
 * Each of `command.models`' held-out loss on the same batches of `command.transcripts`, and its tax against the first.
 */
export async function lmLosses(
  gpu: Gpu,
  command: LMEvaluate,
  progress: EvalProgress = () => {},
): Promise<LMLossEvaluation> {
  const { models: named, transcripts, settings: s } = command;
  if (!named.length) throw new Error('no models: choose at least one checkpoint');
  if (!transcripts.length) throw new Error('no transcripts: choose datasets that hold comparisons');
  const models: LossModel[] = named.map((c) => ({ name: c.name, ckpt: loadPolicy(c) }));
  const tokenizer = sharedTokenizer(models);
  const shortest = Math.min(...models.map((m) => m.ckpt.cfg.maxSeqLen));
  if (!(Number.isInteger(s.seqLen) && s.seqLen >= 2 && s.seqLen <= shortest))
    throw new Error(`sequence length ${s.seqLen} must be between 2 and the shortest model context, ${shortest}`);
  if (!(Number.isInteger(s.batchSize) && s.batchSize >= 1))
    throw new Error(`batch size must be a positive integer, got ${s.batchSize}`);
  const data = lmData(transcripts, {
    tokenizer,
    assistantOnly: s.assistantOnly,
    batchSize: s.batchSize,
    seqLen: s.seqLen,
    seed: s.seed,
  });
  progress(0, models.length, `evaluating ${models[0].name} (1 of ${models.length})`);
  const results = await heldOutLosses(gpu, models, data.heldOut, s.batchSize, s.seqLen, (_, i) => {
    const next = models[i + 1];
    progress(i + 1, models.length, next ? `evaluating ${next.name} (${i + 2} of ${models.length})` : 'done');
  });
  return {
    results,
    transcripts: data.transcripts,
    heldOutTranscripts: data.heldOutTranscripts,
    batches: data.heldOut.length,
    batchSize: s.batchSize,
    seqLen: s.seqLen,
  };
}
