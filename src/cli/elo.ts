// `rlhf elo --policies P1 P2 … (--pm PM | --gold) --prompts FILE… --report R.json [options]`: an Elo
// leaderboard of policy checkpoints (Bai et al. 2022 compare policies by Elo, Figure 1). Every policy answers
// the same prompts (the contexts of the comparisons in the files, deduplicated, a seeded sample of
// --n-prompts); on each prompt every pair of policies plays one game judged by the preference model's score
// (--pm) or the synthetic world's gold score, helpfulness − harmfulness (--gold; both may be given: one
// leaderboard per judge). Ratings: Bradley–Terry maximum likelihood; 95% intervals from resampling prompts
// (src/eval/tournament.ts); a win-rate matrix. With --gold the report also says, per policy, how helpful it
// is on benign requests and how often it complies with harmful ones (src/eval/gold-behaviour.ts).

import { createNodeGpu } from '../kernels/device-node.ts';
import { rng, shuffleInPlace } from '../util/random.ts';
import { loadCheckpoint } from '../models/checkpoint.ts';
import { goldBehaviour } from '../eval/gold-behaviour.ts';
import { policyResponses } from '../eval/policy-responses.ts';
import { leaderboard } from '../eval/tournament.ts';
import { goldValue } from '../train/ppo-data.ts';
import { ppoPrompts } from '../data/prompts.ts';
import { pmReward } from '../train/ppo.ts';
import { UsageError, parseArgs } from './args.ts';
import { readBytes, readComparisonFiles, writeAtomic } from './files.ts';
import { Progress } from './progress.ts';

const OPTIONS = {
  policies: { type: 'list', required: true },
  pm: { type: 'string' },
  gold: { type: 'flag' },
  prompts: { type: 'list', required: true },
  'n-prompts': { type: 'number' },
  'max-tokens': { type: 'number' },
  temperature: { type: 'number' },
  'top-k': { type: 'number' },
  batch: { type: 'number' },
  bootstrap: { type: 'number' },
  seed: { type: 'number' },
  report: { type: 'string' },
  'skip-invalid': { type: 'flag' },
} as const;

export async function elo(argv: string[]): Promise<void> {
  const a = parseArgs(argv, OPTIONS, 'elo');
  const log = (s: string) => process.stderr.write(s);
  const num = (name: keyof typeof OPTIONS, fallback: number) => (a[name] as number | undefined) ?? fallback;
  const files = a.policies as string[];
  if (files.length < 2) throw new UsageError(`elo: --policies needs at least two checkpoints, got ${files.length}`);
  if (!a.pm && !a.gold) throw new UsageError('elo: give a judge: --pm PM.safetensors, --gold, or both');
  const seed = num('seed', 1);
  const nPrompts = num('n-prompts', 64);
  const samples = num('bootstrap', 200);
  for (const [name, v] of [
    ['n-prompts', nPrompts],
    ['bootstrap', samples],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`elo: --${name} must be a positive integer, got ${v}`);
  }
  // every file is read and checked before the GPU starts
  const checkpoints = files.map((file) => loadCheckpoint(readBytes(file), file));
  const shortest = Math.min(...checkpoints.map((c) => c.cfg.maxSeqLen));
  const sampling = {
    maxTokens: num('max-tokens', Math.min(64, Math.floor(shortest / 2))),
    temperature: num('temperature', 1),
    topK: num('top-k', 0),
    seed,
    batch: num('batch', 16),
  };
  checkpoints.forEach((c, i) => {
    if (!(sampling.maxTokens >= 1 && sampling.maxTokens < c.cfg.maxSeqLen)) {
      throw new UsageError(
        `elo: --max-tokens ${sampling.maxTokens} leaves no room for a prompt in ${files[i]}'s context of ${c.cfg.maxSeqLen}`,
      );
    }
  });
  const pmFile = a.pm as string | undefined;
  const pmCkpt = pmFile ? loadCheckpoint(readBytes(pmFile), pmFile) : null;

  // 1. prompts: a seeded sample of the distinct contexts
  const data = readComparisonFiles(a.prompts as string[], Boolean(a['skip-invalid']), log);
  const all = ppoPrompts(data.comparisons);
  if (!all.length) throw new UsageError('elo: the --prompts files hold no comparisons');
  const prompts = shuffleInPlace([...all], rng(seed)).slice(0, nPrompts);
  log(`prompts: ${prompts.length} of ${all.length} distinct contexts\n`);

  // 2. every policy answers every prompt
  const gpu = await createNodeGpu();
  const responses: string[][] = [];
  const progress = new Progress('elo: sampling', files.length);
  for (const [i, file] of files.entries()) {
    responses.push(await policyResponses(gpu, checkpoints[i], file, prompts, sampling));
    progress.update(i + 1, file);
  }
  progress.done();

  // 3. judges, leaderboards
  const judges: Record<string, unknown> = {};
  const board = (scores: number[][], judge: string) => {
    const b = leaderboard(scores, { samples, seed: seed + 1 });
    log(`\nElo by ${judge} (95% interval over prompts), mean score:\n`);
    const order = files.map((_, i) => i).sort((x, y) => b.elo[y] - b.elo[x]);
    for (const i of order)
      log(
        `  ${b.elo[i].toFixed(0).padStart(6)}  [${b.lo[i].toFixed(0)}, ${b.hi[i].toFixed(0)}]  ${b.meanScore[i].toFixed(3)}  ${files[i]}\n`,
      );
    return b;
  };
  if (pmFile && pmCkpt) {
    const reward = pmReward(gpu, pmCkpt, pmFile, sampling.batch);
    const scores: number[][] = [];
    for (const r of responses) scores.push(await reward(prompts, r, []));
    judges.pm = { file: pmFile, ...board(scores, `the PM ${pmFile}`) };
  }
  if (a.gold) {
    const scores = responses.map((r) => prompts.map((p, q) => goldValue(p, r[q])));
    judges.gold = { ...board(scores, 'the gold scorer'), behaviour: responses.map((r) => goldBehaviour(prompts, r)) };
  }
  if (a.report) {
    const report = {
      command: 'elo',
      argv,
      seed,
      policies: files,
      sampling,
      bootstrap: samples,
      data: { files: data.files, prompts: prompts.length, distinct_prompts: all.length },
      adapter: gpu.adapter,
      judges,
      responses: prompts.map((prompt, q) => ({ prompt, responses: responses.map((r) => r[q]) })),
    };
    writeAtomic(a.report as string, `${JSON.stringify(report, null, 2)}\n`);
  }
  gpu.destroy();
}
