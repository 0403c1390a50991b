// Iterated online RLHF in the Worker (Bai et al. 2022, §4.5), the notebook's `rlhf online`: the same loop
// (src/train/online.ts OnlineRLHF: sample → label → retrain the PM on every comparison so far → PPO → Elo), with
// the notebook's choices where the CLI has options:
//   data     the chosen datasets' comparisons are the static data every round's PM also trains on (split 90/10
//            by the seed, as `rlhf online --train`), their contexts the prompts that are labelled and trained on
//   PM       every round's PM starts from the initial policy's trunk (the paper starts its PMs from pretrained
//            LMs), a fresh reward head, `pmSteps` steps of `pmPairs` pairs
//   PPO      the RLHF stage's knobs (rollouts, minibatches, epochs, new tokens, λ_KL, learning rate), prompts cut
//            from the left to fit (promptTokenBudget, as the RLHF stage)
//   labels   the gold scorer, a stored PM, or the user: the Worker sends each round's pairs to the page
//            (`online-label-request`) and the round waits for the page's `online-labels` answer
//   Elo      on a fixed seeded sample of `eloPrompts` of the prompts: the gold scorer judges synthetic-world prompts,
//            else each round's PM (as `rlhf online`)
// Each round's policy and PM come back as safetensors with the round's report and comparisons, so the page stores
// them as they arrive. Nothing here imports the DOM.

import { tokenizerOfCheckpoint } from '../data/tokenizers.ts';
import type { Gpu } from '../kernels/gpu.ts';
import { rng, shuffleInPlace } from '../util/random.ts';
import { loadCheckpoint } from '../models/checkpoint.ts';
import type { Command, LabelRequestPair, OnlineRoundResult } from '../protocol.ts';
import { ComparisonPool, goldLabeller, holdOut, OnlineRLHF, pmStart, roundCheckpoints, unitsPerRound, type Labeller, type OnlineComparison, type OnlineConfig, type LabelPick, type PickingLabeller } from '../train/online.ts';
import { DEFAULT_PM_TRAIN } from '../train/pm.ts';
import { checkPPOConfig } from '../train/ppo-config.ts';
import { promptTokenBudget } from '../train/ppo-data.ts';
import { ppoPrompts } from '../data/prompts.ts';
import { DEFAULT_PPO, pmReward } from '../train/ppo.ts';

type OnlineRun = Extract<Command, { type: 'online-run' }>;
type OnlineLabels = Extract<Command, { type: 'online-labels' }>;

/** Rounds waiting for the user's labels, by the run's request id. */
const waiting = new Map<string, { round: number; pairs: number; resolve: (picks: LabelPick[]) => void; reject: (e: Error) => void }>();

/** The user as the loop's labeller: each round's pairs go to the page through `ask`, and the round waits. */
export function userLabeller(request: string, ask: (round: number, pairs: LabelRequestPair[]) => void): PickingLabeller {
  return {
    name: 'you',
    pick: (round, prompts, first, second) => new Promise<LabelPick[]>((resolve, reject) => {
      ask(round, prompts.map((prompt, i) => ({ prompt, responses: [first[i], second[i]] })));
      waiting.set(request, { round, pairs: prompts.length, resolve, reject }); // the answer comes in a later message
    }),
  };
}

/**
 * The page's answer to a label request: one pick per pair asked (1, 2, or 0 for no preference), or `stop` to end
 * the run (the rounds already finished are kept). Throws, leaving the round waiting, when the answer does not fit.
 */
export function answerLabels(command: OnlineLabels): void {
  const w = waiting.get(command.request);
  if (!w || w.round !== command.round) throw new Error(`no online round ${command.round} of ${command.request} is waiting for labels`);
  if ('stop' in command) {
    waiting.delete(command.request);
    return w.reject(new Error(`stopped by the user while labelling round ${w.round}`));
  }
  const bad = command.picks.findIndex((p) => p !== 0 && p !== 1 && p !== 2);
  if (command.picks.length !== w.pairs || bad >= 0) {
    throw new Error(bad >= 0 ? `label ${bad + 1} of round ${w.round} is ${String(command.picks[bad])}, not 0, 1 or 2` : `round ${w.round} asked ${w.pairs} pairs and got ${command.picks.length} labels`);
  }
  waiting.delete(command.request);
  w.resolve(command.picks);
}

/**
 * Runs every round, handing each to `onRound` as it finishes; `progress` hears units done of the total; with the
 * user as labeller, `ask` sends each round's pairs to the page (answered through answerLabels).
 */
export async function runOnline(
  gpu: Gpu, command: OnlineRun, onRound: (r: OnlineRoundResult) => void, progress: (done: number, total: number, message: string) => void,
  ask: (round: number, pairs: LabelRequestPair[]) => void = () => {
    throw new Error('the user labels, and nothing shows the pairs');
  },
): Promise<void> {
  // everything the loop allocates (its PPO trainer, each round's PM, the labeller's PM) is freed when it ends
  const scope = gpu.scope('online run');
  try {
    await runRounds(scope, command, onRound, progress, ask);
  } finally {
    scope.dispose();
  }
}

async function runRounds(
  gpu: Gpu, command: OnlineRun, onRound: (r: OnlineRoundResult) => void, progress: (done: number, total: number, message: string) => void,
  ask: (round: number, pairs: LabelRequestPair[]) => void,
): Promise<void> {
  const { settings: s, policy: file } = command;
  for (const k of ['rounds', 'iterations', 'labelPrompts', 'eloPrompts', 'pmSteps', 'pmPairs'] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 1) throw new Error(`${k} must be a positive integer, got ${s[k]}`);
  }
  const policy = loadCheckpoint(file.bytes, file.name);
  if (policy.metadata.kind === 'preference-model' || policy.heads.reward_head) throw new Error(`${file.name} is a preference model; the loop starts from a policy (a base-model or RLHF checkpoint)`);
  const tokenizer = tokenizerOfCheckpoint(policy.metadata, policy.cfg, file.name);
  const prompts = ppoPrompts(command.comparisons);
  if (!prompts.length) throw new Error('no prompts: choose datasets that hold comparisons');
  let labeller: Labeller = goldLabeller;
  if (command.labeller.kind === 'pm') {
    const pm = loadCheckpoint(command.labeller.bytes, command.labeller.name);
    const score = pmReward(gpu, pm, command.labeller.name, Math.max(1, s.batchSize));
    labeller = { name: command.labeller.name, score: (p, r) => score(p, r, []) };
  } else if (command.labeller.kind === 'user') {
    labeller = userLabeller(command.request, (round, pairs) => {
      progress(done, total, `round ${round}: waiting for your labels (${pairs.length} pairs)`);
      ask(round, pairs);
    });
  }
  const start = pmStart(policy, file.name, { ckpt: policy, name: file.name }, s.seed);
  const ppo = {
    ...DEFAULT_PPO, batchSize: s.batchSize, minibatches: s.minibatches, epochs: s.epochs, maxTokens: s.maxTokens, klCoef: s.klCoef, lr: s.lr, seed: s.seed,
    maxPromptTokens: promptTokenBudget(prompts.map((p) => tokenizer.encode(p).length), policy.cfg.maxSeqLen, s.maxTokens),
  };
  checkPPOConfig(ppo);
  const config: OnlineConfig = {
    labelPrompts: s.labelPrompts, sampleBatch: Math.min(16, s.labelPrompts * 2), iterations: s.iterations, ppo,
    pm: { ...DEFAULT_PM_TRAIN, pairsPerBatch: s.pmPairs, seqLen: Math.min(start.cfg.maxSeqLen, DEFAULT_PM_TRAIN.seqLen), steps: s.pmSteps, lr: s.pmLr },
    pmEpochs: 1, bootstrap: 200, seed: s.seed,
  };
  const eloPrompts = shuffleInPlace([...prompts], rng(s.seed)).slice(0, s.eloPrompts);
  const name = (r: number) => (r === 0 ? file.name : `${file.name} · online round ${r}`);
  const loop = new OnlineRLHF(gpu, { policy, policyName: name, pm: start, labeller, prompts, eloPrompts, pool: new ComparisonPool(holdOut(command.comparisons, s.seed)) }, config);
  const total = s.rounds * unitsPerRound(config);
  let done = 0;
  progress(0, total, 'building the trainers');
  for (let r = 1; r <= s.rounds; r++) {
    const round = await loop.runRound((phase, detail) => progress(++done, total, `round ${r}, ${phase}: ${detail}`));
    const files = roundCheckpoints(round, r, s.iterations, { ckpt: policy, name: file.name, tokenizer: tokenizer.name }, start, policy.metadata.preset ?? 'custom');
    onRound({ round: r, report: round.report, ...files, comparisons: round.comparisons });
  }
}
