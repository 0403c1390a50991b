// `rlhf ppo --policy MODEL --pm PM [--test-pm PM2] --prompts FILE… --iterations N --out POLICY.safetensors
//  [--report R.json] [options]`: RLHF with PPO (Bai et al. 2022, §4), the run the notebook's RLHF stage builds
// (src/train/ppo-run.ts: the same checks, prompt budget and seeds; a preference model as --policy is refused).
// The prompts are the contexts of the comparisons in the files (the conversation up to the final "Assistant:"),
// deduplicated, shuffled with the seed and drawn B per iteration. The policy and the frozen reference π0 start from
// MODEL (its value_head too when the file has one); the reward is the --pm preference model's score. Robustness
// (§4.2): --test-pm scores every iteration's responses with a second PM that is not optimised against, and
// --gold with the synthetic world's gold scorer (helpfulness − harmfulness, src/data/synth.ts). The report
// has the config, adapter, every iteration's metrics (TRL's names), the reward-vs-√KL line fits and samples
// every --sample-every iterations; it is rewritten after every iteration, so a long run can be watched.

import { diagnose } from '../eval/run-doctor.ts';
import { sqrtKlFit } from '../eval/sqrt-kl-fit.ts';
import { createNodeGpu } from '../kernels/device-node.ts';
import { loadCheckpoint } from '../models/checkpoint.ts';
import { DEFAULT_PPO, type PPOConfig } from '../train/ppo.ts';
import { planPPORun, PPORun, type PPORunPlan } from '../train/ppo-run.ts';
import { ppoPrompts } from '../data/prompts.ts';
import { UsageError, parseArgs } from './args.ts';
import { readBytes, readComparisonFiles, writeAtomic } from './files.ts';
import { Progress } from './progress.ts';

/** The PPO trainer's options, each a field of PPOConfig (`rlhf online` takes them too). */
export const PPO_TRAINER_OPTIONS = {
  'kl-coef': { type: 'number' },
  'kl-estimator': { type: 'number' },
  batch: { type: 'number' },
  minibatches: { type: 'number' },
  epochs: { type: 'number' },
  'max-tokens': { type: 'number' },
  'max-prompt-tokens': { type: 'number' },
  temperature: { type: 'number' },
  'top-k': { type: 'number' },
  lr: { type: 'number' },
  'vf-coef': { type: 'number' },
  'ent-coef': { type: 'number' },
  cliprange: { type: 'number' },
  'cliprange-value': { type: 'number' },
  gamma: { type: 'number' },
  lam: { type: 'number' },
  'grad-clip': { type: 'number' },
  'missing-eos-penalty': { type: 'number' },
  'score-norm': { type: 'flag' },
  'score-clip': { type: 'number' },
} as const;

const OPTIONS = {
  policy: { type: 'string', required: true },
  pm: { type: 'string', required: true },
  'test-pm': { type: 'string' },
  prompts: { type: 'list', required: true },
  iterations: { type: 'number', required: true },
  out: { type: 'string', required: true },
  report: { type: 'string' },
  gold: { type: 'flag' },
  'adaptive-kl': { type: 'string' },
  ...PPO_TRAINER_OPTIONS,
  seed: { type: 'number' },
  'sample-every': { type: 'number' },
  'skip-invalid': { type: 'flag' },
} as const;

/**
 * Command-line defaults that differ from DEFAULT_PPO (the paper's / TRL's values), for our small models:
 * λ_KL 0.05 (TRL's current default; the paper's 0.001 barely restrains a model of 10^5–10^6 parameters whose
 * PM scores span several units) and a learning rate of 1e-4 (models this small move slowly at TRL's ~1e-5).
 */
export const CLI_PPO_DEFAULTS: Partial<PPOConfig> = { klCoef: 0.05, lr: 1e-4 };

function parseAdaptiveKl(s: string | undefined): PPOConfig['adaptiveKl'] {
  if (s === undefined) return null;
  const parts = s.split(',').map(Number);
  if (parts.length !== 2 || !parts.every((x) => Number.isFinite(x) && x > 0)) {
    throw new UsageError(`ppo: --adaptive-kl takes TARGET,HORIZON (two positive numbers, e.g. 6,10000), got "${s}"`);
  }
  return { target: parts[0], horizon: parts[1] };
}

export async function ppo(argv: string[]): Promise<void> {
  const a = parseArgs(argv, OPTIONS, 'ppo');
  const log = (s: string) => process.stderr.write(s);
  const num = (name: keyof typeof OPTIONS) => a[name] as number | undefined;
  const iterations = a.iterations as number;
  if (!Number.isInteger(iterations) || iterations < 1)
    throw new UsageError(`ppo: --iterations must be a positive integer, got ${iterations}`);

  // 1. models: the policy (and its value head, if saved with one), the preference models
  const policyFile = a.policy as string;
  const policy = loadCheckpoint(readBytes(policyFile), policyFile);
  const { cfg } = policy;
  const pmFile = a.pm as string;
  const pm = loadCheckpoint(readBytes(pmFile), pmFile);
  const testPmFile = a['test-pm'] as string | undefined;
  const testPm = testPmFile ? loadCheckpoint(readBytes(testPmFile), testPmFile) : null;

  // 2. prompts: the contexts of the comparisons, deduplicated
  const data = readComparisonFiles(a.prompts as string[], Boolean(a['skip-invalid']), log);
  const prompts = ppoPrompts(data.comparisons);
  if (!prompts.length) throw new UsageError('ppo: the --prompts files hold no comparisons');

  // 3. config: DEFAULT_PPO, the command line's defaults, the options; the run checks them (src/train/ppo-run.ts)
  const seed = num('seed') ?? 1;
  const maxTokens = num('max-tokens') ?? DEFAULT_PPO.maxTokens;
  const config: PPOConfig = {
    ...DEFAULT_PPO,
    ...CLI_PPO_DEFAULTS,
    batchSize: num('batch') ?? DEFAULT_PPO.batchSize,
    minibatches: num('minibatches') ?? DEFAULT_PPO.minibatches,
    epochs: num('epochs') ?? DEFAULT_PPO.epochs,
    maxTokens,
    maxPromptTokens: num('max-prompt-tokens') ?? 0, // 0: the longest prompt, at most what the context leaves
    temperature: num('temperature') ?? DEFAULT_PPO.temperature,
    topK: num('top-k') ?? DEFAULT_PPO.topK,
    klCoef: num('kl-coef') ?? CLI_PPO_DEFAULTS.klCoef!,
    adaptiveKl: parseAdaptiveKl(a['adaptive-kl'] as string | undefined),
    klEstimator: (num('kl-estimator') ?? DEFAULT_PPO.klEstimator) as PPOConfig['klEstimator'],
    gamma: num('gamma') ?? DEFAULT_PPO.gamma,
    lam: num('lam') ?? DEFAULT_PPO.lam,
    cliprange: num('cliprange') ?? DEFAULT_PPO.cliprange,
    cliprangeValue: num('cliprange-value') ?? DEFAULT_PPO.cliprangeValue,
    vfCoef: num('vf-coef') ?? DEFAULT_PPO.vfCoef,
    entCoef: num('ent-coef') ?? DEFAULT_PPO.entCoef,
    lr: num('lr') ?? CLI_PPO_DEFAULTS.lr!,
    gradClip: num('grad-clip') ?? DEFAULT_PPO.gradClip,
    missingEosPenalty: num('missing-eos-penalty') ?? DEFAULT_PPO.missingEosPenalty,
    scoreNorm: Boolean(a['score-norm']),
    scoreClip: num('score-clip') ?? DEFAULT_PPO.scoreClip,
    seed,
  };
  let plan: PPORunPlan;
  try {
    plan = planPPORun({
      policy: { name: policyFile, checkpoint: policy },
      reward: { kind: 'pm', name: pmFile, checkpoint: pm },
      testPm: testPm ? { name: testPmFile!, checkpoint: testPm } : null,
      gold: Boolean(a.gold),
      prompts,
      iterations,
      ppo: config,
    });
  } catch (e) {
    throw new UsageError(`ppo: ${(e as Error).message}`);
  }
  const { tokenizer, ppo: resolved } = plan;
  const sampleEvery = num('sample-every') ?? Math.max(1, Math.floor(iterations / 10));
  if (!Number.isInteger(sampleEvery) || sampleEvery < 1)
    throw new UsageError(`ppo: --sample-every must be a positive integer, got ${sampleEvery}`);
  const cut = plan.promptsCut;
  log(
    `data: ${prompts.length} distinct prompts from ${data.comparisons.length} comparisons; ${cut} cut from the left to ${resolved.maxPromptTokens} tokens\n`,
  );

  // 4. the run: trainer, reward, evaluators
  const gpu = await createNodeGpu();
  const run = new PPORun(gpu, plan);
  const { trainer } = run;
  const testReward = run.testReward;
  log(
    `policy: ${policyFile} (${plan.preset}, ${tokenizer.name} tokenizer, T = ${trainer.T}), value head ${policy.heads.value_head ? 'from the file' : 'fresh'}, shared trunk; reward: ${pmFile}${testPmFile ? `; test PM: ${testPmFile}` : ''}; on ${gpu.adapter.vendor} ${gpu.adapter.architecture}\n`,
  );

  // 5. iterate; the report is rewritten after every iteration
  const history: Record<string, number>[] = [];
  const sampleLog: { iteration: number; samples: unknown[] }[] = [];
  const progress = new Progress('ppo', iterations);
  const start = performance.now();
  const fits = () => ({
    sqrt_kl_fit: sqrtKlFit(
      history.map((h) => h['objective/kl']),
      history.map((h) => h['objective/scores']),
    ),
    ...(testReward
      ? {
          test_pm_sqrt_kl_fit: sqrtKlFit(
            history.map((h) => h['objective/kl']),
            history.map((h) => h['test_pm/scores']),
          ),
        }
      : {}),
    ...(a.gold
      ? {
          gold_sqrt_kl_fit: sqrtKlFit(
            history.map((h) => h['objective/kl']),
            history.map((h) => h['gold/scores']),
          ),
        }
      : {}),
  });
  const report = (done: boolean) => ({
    command: 'ppo',
    argv,
    seed,
    config: resolved,
    model: cfg,
    tokenizer: tokenizer.name,
    policy: policyFile,
    pm: pmFile,
    test_pm: testPmFile ?? null,
    gold: Boolean(a.gold),
    data: { files: data.files, prompts: prompts.length, max_prompt_tokens: resolved.maxPromptTokens, prompts_cut: cut },
    adapter: gpu.adapter,
    done,
    train_seconds: (performance.now() - start) / 1000,
    iterations: history,
    ...fits(),
    warnings: diagnose(history),
    samples: sampleLog,
  });
  for (let i = 1; i <= iterations; i++) {
    const it = await run.iterate();
    const row: Record<string, number> = { iteration: i, ...it.metrics, 'time/eval': it.evalSeconds };
    const extra: Record<string, number>[] = it.samples.map((_, b) => ({
      ...(it.testPmScores ? { test_pm_score: it.testPmScores[b] } : {}),
      ...(it.goldScores ? { gold_score: it.goldScores[b] } : {}),
    }));
    history.push(row);
    if (i % sampleEvery === 0 || i === iterations || i === 1)
      sampleLog.push({ iteration: i, samples: it.samples.map((s, b) => ({ ...s, ...extra[b] })) });
    const m = it.metrics;
    progress.update(
      i,
      `score ${m['objective/scores'].toFixed(3)}${testReward ? ` test ${row['test_pm/scores'].toFixed(3)}` : ''}${a.gold ? ` gold ${row['gold/scores'].toFixed(3)}` : ''} kl ${m['objective/kl'].toFixed(2)} λ ${m['objective/kl_coef'].toPrecision(3)} len ${m['response/length'].toFixed(1)}`,
    );
    if (a.report) writeAtomic(a.report as string, `${JSON.stringify(report(false), null, 2)}\n`);
  }
  progress.done();

  // 6. save: the policy (with its value head and the state a resumed run needs) first, then the final report
  writeAtomic(a.out as string, await run.checkpoint(run.metadata()));
  const fit = fits().sqrt_kl_fit;
  log(
    `saved ${a.out}: score ${history[0]['objective/scores'].toFixed(3)} → ${history.at(-1)!['objective/scores'].toFixed(3)}, KL ${history.at(-1)!['objective/kl'].toFixed(2)}; score vs √KL: slope ${fit.slope.toFixed(3)}, intercept ${fit.intercept.toFixed(3)}, R² ${fit.r2.toFixed(3)}\n`,
  );
  for (const w of diagnose(history))
    log(`run doctor: ${w.code} (iterations ${w.iterations.join(', ')}): ${w.message}\n`);
  if (a.report) writeAtomic(a.report as string, `${JSON.stringify(report(true), null, 2)}\n`);
  run.dispose();
  gpu.destroy();
}
