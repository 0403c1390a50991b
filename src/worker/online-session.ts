// Iterated online RLHF in the Worker (Bai et al. 2022, §4.5), the notebook's `rlhf online`: translates `online-run`
// into an OnlineRun (src/train/online-run.ts, the same setup, checks and defaults as `rlhf online`) and its rounds
// into `online-round` results, with the notebook's choices where the CLI has options:
//   data     the chosen datasets' comparisons are the static data every round's PM also trains on (split by
//            holdOut under the seed, as `rlhf online --train` without --eval), their contexts the prompts that
//            are labelled and trained on, and the prompts the Elo sample is drawn from
//   PM       every round's PM starts from the initial policy's trunk (as `rlhf online --pm-init POLICY`; the paper
//            starts its PMs from pretrained LMs), a fresh reward head, `pmSteps` steps of `pmPairsPerBatch` pairs
//   PPO      the RLHF stage's knobs (rollouts, minibatches, epochs, new tokens, λ_KL, learning rate) over
//            DEFAULT_PPO, prompts cut from the left to fit (the prompt budget, as the RLHF stage and `rlhf ppo`)
//   labels   the gold scorer, a stored PM, or the user: the Worker sends each round's pairs to the page
//            (`online-label-request`) and the round waits for the page's `online-labels` answer
// Each round's policy and PM come back as safetensors with the round's report and comparisons, so the page stores
// them as they arrive. Nothing here imports the DOM.

import type { Gpu } from '../kernels/gpu.ts';
import { loadCheckpoint } from '../models/checkpoint.ts';
import type { Command, LabelRequestPair, OnlineRoundResult } from '../protocol.ts';
import type { LabelPick, PickingLabeller } from '../train/online.ts';
import { OnlineRun, planOnlineRun, type OnlineRunConfig } from '../train/online-run.ts';
import { ppoPrompts } from '../data/prompts.ts';

type OnlineCommand = Extract<Command, { type: 'online-run' }>;
type OnlineLabels = Extract<Command, { type: 'online-labels' }>;
/** Sends a round's pairs to the page, to be labelled by the user. */
type Ask = (round: number, pairs: LabelRequestPair[]) => void;

/** Rounds waiting for the user's labels, by the run's request id. */
const waiting = new Map<
  string,
  { round: number; pairs: number; resolve: (picks: LabelPick[]) => void; reject: (e: Error) => void }
>();

/** The user as the loop's labeller: each round's pairs go to the page through `ask`, and the round waits. */
export function userLabeller(
  request: string,
  ask: (round: number, pairs: LabelRequestPair[]) => void,
): PickingLabeller {
  return {
    name: 'you',
    pick: (round, prompts, first, second) =>
      new Promise<LabelPick[]>((resolve, reject) => {
        ask(
          round,
          prompts.map((prompt, i) => ({ prompt, responses: [first[i], second[i]] })),
        );
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
  if (!w || w.round !== command.round)
    throw new Error(`no online round ${command.round} of ${command.request} is waiting for labels`);
  if ('stop' in command) {
    waiting.delete(command.request);
    w.reject(new Error(`stopped by the user while labelling round ${w.round}`));
    return;
  }
  const bad = command.picks.findIndex((p) => p !== 0 && p !== 1 && p !== 2);
  if (command.picks.length !== w.pairs || bad >= 0) {
    throw new Error(
      bad >= 0
        ? `label ${bad + 1} of round ${w.round} is ${String(command.picks[bad])}, not 0, 1 or 2`
        : `round ${w.round} asked ${w.pairs} pairs and got ${command.picks.length} labels`,
    );
  }
  waiting.delete(command.request);
  w.resolve(command.picks);
}

/**
 * The run an `online-run` command asks for (the same OnlineRunConfig `rlhf online` builds from its options): the
 * command's comparisons are the initial data and their contexts the prompts; every round's PM starts from the policy.
 */
export function onlineRunConfigOf(command: OnlineCommand, ask: Ask): OnlineRunConfig {
  const { policy: file, labeller } = command;
  const policy = { name: file.name, checkpoint: loadCheckpoint(file.bytes, file.name) };
  return {
    policy,
    labeller:
      labeller.kind === 'pm'
        ? { kind: 'pm', name: labeller.name, checkpoint: loadCheckpoint(labeller.bytes, labeller.name) }
        : labeller.kind === 'user'
          ? { kind: 'picking', labeller: userLabeller(command.request, ask) }
          : { kind: 'gold' },
    pmInit: policy,
    prompts: ppoPrompts(command.comparisons),
    comparisons: command.comparisons,
    settings: command.settings,
  };
}

/**
 * Runs every round, handing each to `onRound` as it finishes; `progress` hears units done of the total; with the
 * user as labeller, `ask` sends each round's pairs to the page (answered through answerLabels). Everything the run
 * allocates (its PPO trainer, each round's PM, the labeller's PM) is freed when it ends.
 */
export async function runOnline(
  gpu: Gpu,
  command: OnlineCommand,
  onRound: (r: OnlineRoundResult) => void,
  progress: (done: number, total: number, message: string) => void,
  ask: Ask = () => {
    throw new Error('the user labels, and nothing shows the pairs');
  },
): Promise<void> {
  let done = 0;
  let total = 0;
  const plan = planOnlineRun(
    onlineRunConfigOf(command, (round, pairs) => {
      progress(done, total, `round ${round}: waiting for your labels (${pairs.length} pairs)`);
      ask(round, pairs);
    }),
  );
  total = plan.units;
  progress(0, total, ['building the trainers', ...plan.warnings.map((w) => `warning: ${w}`)].join('; '));
  const run = new OnlineRun(gpu, plan);
  try {
    while (!run.done) {
      const r = run.round + 1;
      onRound(await run.runRound((phase, detail) => progress(++done, total, `round ${r}, ${phase}: ${detail}`)));
    }
  } finally {
    run.dispose();
  }
}
