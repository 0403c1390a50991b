// `rlhf online --policy MODEL --prompts FILE… --labeller gold|PM.safetensors --rounds N --iterations K --out DIR
//  [--train FILE…] [--pm-init MODEL] [--report R.json] [options]`: iterated online RLHF (Bai et al. 2022, §4.5;
// the loop and its deviations from the paper: src/train/online.ts). Each round the current policy answers
// --n-label prompts twice, the labeller picks the better answer, a new PM is trained on the --train comparisons
// plus every round's, and --iterations PPO iterations continue the policy against it, with the KL penalty to the
// initial --policy (π0 never changes; the paper retrained its policy from scratch each iteration instead, see
// src/train/online.ts); then an Elo tournament of every policy so far on --n-elo fixed prompts.
// Options shared with `rlhf ppo` keep its names and defaults (its CLI_PPO_DEFAULTS included); the PM's options are
// `rlhf pm`'s with a `pm-` prefix. The PM's architecture and tokenizer are --pm-init's, else the policy's: without
// --pm-init every round's PM starts from the same random trunk, as `rlhf pm --seed S` without --init would
// (pass --pm-init MODEL to warm-start from a language model, as the paper starts from its PMP model).
// Writes DIR/round-R/policy.safetensors (with its value head), DIR/round-R/pm.safetensors and
// DIR/comparisons.jsonl (every new comparison, HH format plus provenance), and the report, after every round.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { goldScore } from '../data/synth.ts';
import { tokenizerOfCheckpoint } from '../data/tokenizers.ts';
import { createNodeGpu } from '../kernels/device-node.ts';
import { rng, shuffleInPlace } from '../util/random.ts';
import { loadCheckpoint, type Checkpoint } from '../models/checkpoint.ts';
import { checkPPOConfig } from '../train/ppo-config.ts';
import { DEFAULT_PPO, pmReward, type PPOConfig } from '../train/ppo.ts';
import { ppoPrompts } from '../data/prompts.ts';
import { DEFAULT_PM_TRAIN } from '../train/pm.ts';
import { ComparisonPool, goldLabeller, holdOut, onlineComparisonsToJsonl, OnlineRLHF, pmStart, roundCheckpoints, unitsPerRound, type Labeller, type OnlineComparison, type OnlineConfig, type OnlineRoundReport } from '../train/online.ts';
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

/** `rlhf ppo` options that set a PPOConfig number one to one. */
const PPO_NUMBERS: [Option, keyof PPOConfig][] = [
  ['batch', 'batchSize'], ['minibatches', 'minibatches'], ['epochs', 'epochs'], ['temperature', 'temperature'], ['top-k', 'topK'],
  ['kl-coef', 'klCoef'], ['kl-estimator', 'klEstimator'], ['gamma', 'gamma'], ['lam', 'lam'], ['cliprange', 'cliprange'],
  ['cliprange-value', 'cliprangeValue'], ['vf-coef', 'vfCoef'], ['ent-coef', 'entCoef'], ['lr', 'lr'], ['grad-clip', 'gradClip'],
  ['missing-eos-penalty', 'missingEosPenalty'], ['score-clip', 'scoreClip'],
];

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
  const posInt = (name: Option, fallback?: number) => {
    const v = num(name) ?? fallback;
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new UsageError(`online: --${name} must be a positive integer, got ${v}`);
    return v;
  };
  const rounds = posInt('rounds')!;
  const iterations = posInt('iterations')!;
  const seed = num('seed') ?? 1;
  const skip = Boolean(a['skip-invalid']);
  const out = a.out as string;

  // 1. models, all read and checked before the GPU starts
  const policyFile = a.policy as string;
  const policy = load(policyFile, '--policy');
  const tokenizer = tokenizerOfCheckpoint(policy.metadata, policy.cfg, policyFile);
  if (policy.metadata.kind === 'preference-model') log(`warning: ${policyFile} is a preference model; its trunk is used as the policy with the tied LM head\n`);
  const labellerName = a.labeller as string;
  const labellerPM = labellerName === 'gold' ? null : load(labellerName, '--labeller');
  if (labellerPM && !labellerPM.heads.reward_head) throw new UsageError(`online: --labeller ${labellerName} is not a preference model (no reward_head tensors); give a PM file or "gold"`);
  const initFile = a['pm-init'] as string | undefined;
  const start = pmStart(policy, policyFile, initFile ? { ckpt: load(initFile, '--pm-init'), name: initFile } : null, seed);

  // 2. data: prompts (as `rlhf ppo` reads them), the initial comparisons, the Elo prompts
  const prompts = ppoPrompts(readComparisonFiles(a.prompts as string[], skip, log).comparisons);
  if (!prompts.length) throw new UsageError('online: the --prompts files hold no comparisons');
  const inWorld = prompts.filter((p) => goldScore(p, '').requestKind !== 'unknown').length;
  if (!labellerPM && inWorld === 0) throw new UsageError('online: --labeller gold judges synthetic-world prompts only, and none of the --prompts are (give --labeller PM.safetensors)');
  if (!labellerPM && inWorld < prompts.length) log(`warning: ${prompts.length - inWorld} of ${prompts.length} prompts are outside the synthetic world: the gold labeller scores every answer to them 0 (ties, dropped)\n`);
  const train = a.train ? readComparisonFiles(a.train as string[], skip, log).comparisons : [];
  const initial = a.eval
    ? { train, heldOut: readComparisonFiles(a.eval as string[], skip, log).comparisons }
    : holdOut(train, seed);
  const eloAll = a['elo-prompts'] ? ppoPrompts(readComparisonFiles(a['elo-prompts'] as string[], skip, log).comparisons) : prompts;
  const eloPrompts = shuffleInPlace([...eloAll], rng(seed)).slice(0, posInt('n-elo', 64));
  if (eloPrompts.length < 1) throw new UsageError('online: the --elo-prompts files hold no comparisons');

  // 3. config: PPO as `rlhf ppo` builds it, the PM as `rlhf pm` does
  const maxTokens = posInt('max-tokens', DEFAULT_PPO.maxTokens)!;
  const longest = Math.max(...prompts.map((p) => 1 + tokenizer.encode(p).length));
  const given: Partial<PPOConfig> = Object.fromEntries(PPO_NUMBERS.flatMap(([option, field]) => (num(option) === undefined ? [] : [[field, num(option)]])));
  const ppo: PPOConfig = {
    ...DEFAULT_PPO, ...CLI_PPO_DEFAULTS, maxTokens, seed, scoreNorm: Boolean(a['score-norm']),
    maxPromptTokens: num('max-prompt-tokens') ?? Math.max(1, Math.min(policy.cfg.maxSeqLen - maxTokens, longest)),
    ...given,
  };
  try {
    checkPPOConfig(ppo);
  } catch (e) {
    throw new UsageError(`online: ${(e as Error).message}`);
  }
  if (ppo.maxPromptTokens + maxTokens > policy.cfg.maxSeqLen) {
    throw new UsageError(`online: --max-prompt-tokens ${ppo.maxPromptTokens} + --max-tokens ${maxTokens} exceed the policy's context of ${policy.cfg.maxSeqLen}`);
  }
  const pmSeq = posInt('pm-seq', Math.min(start.cfg.maxSeqLen, DEFAULT_PM_TRAIN.seqLen))!;
  if (pmSeq > start.cfg.maxSeqLen) throw new UsageError(`online: --pm-seq ${pmSeq} exceeds the PM's maxSeqLen ${start.cfg.maxSeqLen}`);
  const pmEpochs = num('pm-epochs') ?? 1;
  if (!(pmEpochs > 0)) throw new UsageError(`online: --pm-epochs must be positive, got ${pmEpochs}`);
  const config: OnlineConfig = {
    labelPrompts: posInt('n-label', 64)!,
    sampleBatch: posInt('sample-batch', 16)!,
    iterations,
    ppo,
    pm: {
      ...DEFAULT_PM_TRAIN, pairsPerBatch: posInt('pm-batch', DEFAULT_PM_TRAIN.pairsPerBatch)!, seqLen: pmSeq, steps: posInt('pm-steps') ?? null,
      lr: num('pm-lr') ?? DEFAULT_PM_TRAIN.lr, weightDecay: num('pm-weight-decay') ?? DEFAULT_PM_TRAIN.weightDecay,
    },
    pmEpochs,
    bootstrap: posInt('bootstrap', 200)!,
    seed,
  };
  log(`data: ${prompts.length} distinct prompts; ${initial.train.length} + ${initial.heldOut.length} initial training + held-out comparisons; Elo on ${eloPrompts.length} prompts\n`);

  // 4. the loop; files and the report after every round
  const gpu = await createNodeGpu();
  const labelPM = labellerPM && pmReward(gpu, labellerPM, labellerName, config.sampleBatch);
  const labeller: Labeller = labelPM ? { name: labellerName, score: (p, r) => labelPM(p, r, []) } : goldLabeller;
  const roundDir = (r: number) => join(out, `round-${r}`);
  const loop = new OnlineRLHF(gpu, {
    policy, policyName: (r) => (r === 0 ? policyFile : join(roundDir(r), 'policy.safetensors')), pm: start, labeller,
    prompts, eloPrompts, pool: new ComparisonPool(initial),
  }, config);
  log(`policy: ${policyFile} (${tokenizer.name} tokenizer, T = ${loop.trainer.T}); PM: ${initFile ? `from ${initFile}` : 'random'} (${start.tokenizer.name}, C = ${start.cfg.channels}, L = ${start.cfg.numLayers}); labeller: ${labeller.name}; Elo judge: ${loop.goldJudge ? 'gold' : 'each round\'s PM'}; on ${gpu.adapter.vendor} ${gpu.adapter.architecture}\n`);
  mkdirSync(out, { recursive: true });
  const reports: OnlineRoundReport[] = [];
  const comparisons: OnlineComparison[] = [];
  const report = (done: boolean) => ({
    command: 'online', argv, seed, done, policy: policyFile, labeller: labeller.name, pm_init: initFile ?? null,
    config: { rounds, ...config }, model: policy.cfg, pm_model: start.cfg, tokenizer: tokenizer.name, pm_tokenizer: start.tokenizer.name,
    data: { prompts: prompts.length, initial_train: initial.train.length, initial_heldout: initial.heldOut.length, elo_prompts: eloPrompts.length, elo_judge: loop.goldJudge ? 'gold' : 'pm' },
    adapter: gpu.adapter, rounds: reports,
  });
  const progress = new Progress('online', rounds * unitsPerRound(config));
  let units = 0;
  for (let r = 1; r <= rounds; r++) {
    const round = await loop.runRound((phase, detail) => progress.update(++units, `round ${r} ${phase}: ${detail}`));
    mkdirSync(roundDir(r), { recursive: true });
    const files = roundCheckpoints(round, r, iterations, { ckpt: policy, name: policyFile, tokenizer: tokenizer.name }, start, initFile ? 'custom' : policy.metadata.preset ?? 'custom');
    writeAtomic(join(roundDir(r), 'policy.safetensors'), files.policy.bytes);
    writeAtomic(join(roundDir(r), 'pm.safetensors'), files.pm.bytes);
    comparisons.push(...round.comparisons);
    writeAtomic(join(out, 'comparisons.jsonl'), onlineComparisonsToJsonl(comparisons));
    reports.push(round.report);
    if (a.report) writeAtomic(a.report as string, `${JSON.stringify(report(r === rounds), null, 2)}\n`);
  }
  progress.done();
  for (const rep of reports) {
    const e = rep.elo;
    log(`round ${rep.round}: ${rep.comparisons_added} comparisons; PM held-out accuracy ${rep.pm.eval ? rep.pm.eval.accuracy.toFixed(3) : '–'}; PPO score ${rep.ppo.last['objective/scores'].toFixed(3)}, KL ${rep.ppo.last['objective/kl'].toFixed(2)}; Elo (${e.judge}) ${e.policies.map((p, i) => `${p} ${e.elo[i].toFixed(0)}`).join(', ')}\n`);
  }
  gpu.destroy();
}
