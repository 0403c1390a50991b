// `rlhf online --policy MODEL --prompts FILE… --labeller gold|PM.safetensors --rounds N --iterations K --out DIR
//  [--train FILE…] [--pm-init MODEL] [--report R.json] [options]`: iterated online RLHF (Bai et al. 2022, §4.5;
// the loop and its deviations from the paper: src/train/online.ts), the run the notebook's online panel builds
// (src/train/online-run.ts: the same checks, defaults, prompt budget and seeds). Each round the current policy
// answers --n-label prompts twice, the labeller picks the better answer, a new PM is trained on the --train
// comparisons plus every round's, and --iterations PPO iterations continue the policy against it, with the KL
// penalty to the initial --policy (π0 never changes; the paper retrained its policy from scratch each iteration
// instead, see src/train/online.ts); then an Elo tournament of every policy so far on --n-elo fixed prompts.
// Options shared with `rlhf ppo` keep its names and defaults (its CLI_PPO_DEFAULTS included); the PM's options are
// `rlhf pm`'s with a `pm-` prefix. The PM's architecture and tokenizer are --pm-init's, else the policy's: without
// --pm-init every round's PM starts from the same random trunk, as `rlhf pm --seed S` without --init would
// (pass --pm-init MODEL to warm-start from a language model, as the paper starts from its PMP model, and as the
// notebook starts from its policy). A preference model as --policy is refused, as the notebook refuses it.
// Writes DIR/round-R/policy.safetensors (with its value head), DIR/round-R/pm.safetensors and
// DIR/comparisons.jsonl (every new comparison, HH format plus provenance), and the report, after every round.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ppoPrompts } from '../data/prompts.ts';
import { createNodeGpu } from '../kernels/device-node.ts';
import { loadCheckpoint, type Checkpoint } from '../models/checkpoint.ts';
import { onlineComparisonsToJsonl, type OnlineComparison, type OnlineRoundReport } from '../train/online.ts';
import { OnlineRun, planOnlineRun, type OnlineRunPlan, type OnlineSetting } from '../train/online-run.ts';
import { DEFAULT_PM_TRAIN } from '../train/pm.ts';
import { DEFAULT_PPO, type PPOConfig } from '../train/ppo.ts';
import { UsageError, parseArgs } from './args.ts';
import { readBytes, readComparisonFiles, writeAtomic } from './files.ts';
import { CLI_PPO_DEFAULTS, PPO_TRAINER_OPTIONS } from './ppo.ts';
import { Progress } from './progress.ts';

const OPTIONS = {
  policy: { type: 'string', required: true },
  prompts: { type: 'list', required: true },
  labeller: { type: 'string', required: true },
  rounds: { type: 'number', required: true },
  iterations: { type: 'number', required: true },
  out: { type: 'string', required: true },
  report: { type: 'string' },
  train: { type: 'list' },
  eval: { type: 'list' },
  'pm-init': { type: 'string' },
  'n-label': { type: 'number' },
  'n-elo': { type: 'number' },
  'elo-prompts': { type: 'list' },
  bootstrap: { type: 'number' },
  'sample-batch': { type: 'number' },
  // the PM, as `rlhf pm`'s options
  'pm-steps': { type: 'number' },
  'pm-epochs': { type: 'number' },
  'pm-batch': { type: 'number' },
  'pm-seq': { type: 'number' },
  'pm-lr': { type: 'number' },
  'pm-weight-decay': { type: 'number' },
  // PPO, as `rlhf ppo`'s options
  ...PPO_TRAINER_OPTIONS,
  seed: { type: 'number' },
  'skip-invalid': { type: 'flag' },
} as const;
type Option = keyof typeof OPTIONS;

/** `rlhf ppo` options beyond the notebook's knobs that set a PPOConfig number one to one. */
const PPO_NUMBERS: [Option, keyof PPOConfig][] = [
  ['max-prompt-tokens', 'maxPromptTokens'],
  ['temperature', 'temperature'],
  ['top-k', 'topK'],
  ['kl-estimator', 'klEstimator'],
  ['gamma', 'gamma'],
  ['lam', 'lam'],
  ['cliprange', 'cliprange'],
  ['cliprange-value', 'cliprangeValue'],
  ['vf-coef', 'vfCoef'],
  ['ent-coef', 'entCoef'],
  ['grad-clip', 'gradClip'],
  ['missing-eos-penalty', 'missingEosPenalty'],
  ['score-clip', 'scoreClip'],
];

/** The flag of each setting the run's messages name. */
const FLAGS: Record<OnlineSetting, `--${Option}`> = {
  rounds: '--rounds',
  iterations: '--iterations',
  labelPrompts: '--n-label',
  eloPrompts: '--n-elo',
  pmSteps: '--pm-steps',
  pmEpochs: '--pm-epochs',
  pmPairsPerBatch: '--pm-batch',
  pmSeqLen: '--pm-seq',
  pmLr: '--pm-lr',
  pmWeightDecay: '--pm-weight-decay',
  batchSize: '--batch',
  minibatches: '--minibatches',
  epochs: '--epochs',
  maxTokens: '--max-tokens',
  klCoef: '--kl-coef',
  lr: '--lr',
  seed: '--seed',
  sampleBatch: '--sample-batch',
  bootstrap: '--bootstrap',
  labeller: '--labeller',
};

function load(file: string, what: string): Checkpoint {
  try {
    return loadCheckpoint(readBytes(file), file);
  } catch (e) {
    throw new UsageError(`online: ${what} ${(e as Error).message}`);
  }
}

export async function online(argv: string[]): Promise<void> {
  const a = parseArgs(argv, OPTIONS, 'online');
  const log = (s: string) => process.stderr.write(s);
  const num = (name: Option) => a[name] as number | undefined;
  const files = (name: Option) => readComparisonFiles(a[name] as string[], Boolean(a['skip-invalid']), log).comparisons;
  const seed = num('seed') ?? 1;
  const out = a.out as string;

  // 1. models and data, all read before the GPU starts (the run checks them: src/train/online-run.ts)
  const policyFile = a.policy as string;
  const policy = load(policyFile, '--policy');
  const labellerName = a.labeller as string;
  const initFile = a['pm-init'] as string | undefined;
  const prompts = ppoPrompts(files('prompts'));
  if (!prompts.length) throw new UsageError('online: the --prompts files hold no comparisons');
  const train = a.train ? files('train') : [];
  const heldOut = a.eval ? files('eval') : undefined;
  const eloPrompts = a['elo-prompts'] ? ppoPrompts(files('elo-prompts')) : undefined;
  if (eloPrompts && !eloPrompts.length) throw new UsageError('online: the --elo-prompts files hold no comparisons');

  // 2. the run: PPO as `rlhf ppo` builds it (its defaults), the PM as `rlhf pm` does
  const given = PPO_NUMBERS.flatMap(([option, field]) => (num(option) === undefined ? [] : [[field, num(option)]]));
  const ppo: Partial<PPOConfig> = Object.fromEntries(given);
  if (a['score-norm']) ppo.scoreNorm = true;
  const roundDir = (r: number) => join(out, `round-${r}`);
  let plan: OnlineRunPlan;
  try {
    plan = planOnlineRun({
      policy: { name: policyFile, checkpoint: policy },
      labeller:
        labellerName === 'gold'
          ? { kind: 'gold' }
          : { kind: 'pm', name: labellerName, checkpoint: load(labellerName, '--labeller') },
      pmInit: initFile ? { name: initFile, checkpoint: load(initFile, '--pm-init') } : null,
      prompts,
      eloPrompts,
      comparisons: train,
      heldOut,
      settings: {
        rounds: a.rounds as number,
        iterations: a.iterations as number,
        labelPrompts: num('n-label') ?? 64,
        eloPrompts: num('n-elo') ?? 64,
        pmSteps: num('pm-steps'),
        pmEpochs: num('pm-epochs'),
        pmSeqLen: num('pm-seq'),
        pmPairsPerBatch: num('pm-batch') ?? DEFAULT_PM_TRAIN.pairsPerBatch,
        pmLr: num('pm-lr') ?? DEFAULT_PM_TRAIN.lr,
        pmWeightDecay: num('pm-weight-decay'),
        batchSize: num('batch') ?? DEFAULT_PPO.batchSize,
        minibatches: num('minibatches') ?? DEFAULT_PPO.minibatches,
        epochs: num('epochs') ?? DEFAULT_PPO.epochs,
        maxTokens: num('max-tokens') ?? DEFAULT_PPO.maxTokens,
        klCoef: num('kl-coef') ?? CLI_PPO_DEFAULTS.klCoef!,
        lr: num('lr') ?? CLI_PPO_DEFAULTS.lr!,
        seed,
        sampleBatch: num('sample-batch'),
        bootstrap: num('bootstrap'),
        ppo,
      },
      policyName: (r) => (r === 0 ? policyFile : join(roundDir(r), 'policy.safetensors')),
      nameOf: (setting) => FLAGS[setting],
    });
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError(`online: ${(e as Error).message}`);
  }
  for (const w of plan.warnings) log(`warning: ${w}\n`);
  const { config, initial, tokenizer, pm: start, rounds } = plan;
  const elo = plan.eloPrompts.length;
  log(
    `data: ${prompts.length} distinct prompts; ${initial.train.length} + ${initial.heldOut.length} initial training` +
      ` + held-out comparisons; Elo on ${elo} prompts\n`,
  );

  // 3. the loop; files and the report after every round
  const gpu = await createNodeGpu();
  const run = new OnlineRun(gpu, plan);
  const { loop, labeller } = run;
  const judge = loop.goldJudge ? 'gold' : 'pm';
  const pmFrom = initFile ? `from ${initFile}` : 'random';
  const on = `${gpu.adapter.vendor} ${gpu.adapter.architecture}`;
  log(
    `policy: ${policyFile} (${tokenizer.name} tokenizer, T = ${loop.trainer.T}); PM: ${pmFrom}` +
      ` (${start.tokenizer.name}, C = ${start.cfg.channels}, L = ${start.cfg.numLayers}); labeller: ${labeller.name};` +
      ` Elo judge: ${judge === 'gold' ? 'gold' : "each round's PM"}; on ${on}\n`,
  );
  mkdirSync(out, { recursive: true });
  const reports: OnlineRoundReport[] = [];
  const comparisons: OnlineComparison[] = [];
  const report = (done: boolean) => ({
    command: 'online',
    argv,
    seed,
    done,
    policy: policyFile,
    labeller: labeller.name,
    pm_init: initFile ?? null,
    config: { rounds, ...config },
    model: policy.cfg,
    pm_model: start.cfg,
    tokenizer: tokenizer.name,
    pm_tokenizer: start.tokenizer.name,
    data: {
      prompts: prompts.length,
      initial_train: initial.train.length,
      initial_heldout: initial.heldOut.length,
      elo_prompts: elo,
      elo_judge: judge,
    },
    adapter: gpu.adapter,
    rounds: reports,
  });
  const progress = new Progress('online', plan.units);
  let units = 0;
  while (!run.done) {
    const r = run.round + 1;
    const round = await run.runRound((phase, detail) => progress.update(++units, `round ${r} ${phase}: ${detail}`));
    mkdirSync(roundDir(r), { recursive: true });
    writeAtomic(join(roundDir(r), 'policy.safetensors'), round.policy.bytes);
    writeAtomic(join(roundDir(r), 'pm.safetensors'), round.pm.bytes);
    comparisons.push(...round.comparisons);
    writeAtomic(join(out, 'comparisons.jsonl'), onlineComparisonsToJsonl(comparisons));
    reports.push(round.report);
    if (a.report) writeAtomic(a.report as string, `${JSON.stringify(report(run.done), null, 2)}\n`);
  }
  progress.done();
  for (const rep of reports) {
    const e = rep.elo;
    const accuracy = rep.pm.eval ? rep.pm.eval.accuracy.toFixed(3) : '–';
    const { last } = rep.ppo;
    log(
      `round ${rep.round}: ${rep.comparisons_added} comparisons; PM held-out accuracy ${accuracy};` +
        ` PPO score ${last['objective/scores'].toFixed(3)}, KL ${last['objective/kl'].toFixed(2)};` +
        ` Elo (${e.judge}) ${e.policies.map((p, i) => `${p} ${e.elo[i].toFixed(0)}`).join(', ')}\n`,
    );
  }
  run.dispose();
  gpu.destroy();
}
