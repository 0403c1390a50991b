// `rlhf tension` (the Evaluate stage's tension explorer, src/train/tension-run.ts, on the command line): a
// nano base model and the synthetic world's two subsets as HH files give three preference models trained on what
// their names say, each cross-evaluated on both held-out sets, three PPO policies that moved away from the base,
// and one answers table in which every model answered the same held-out prompts, each answer with its gold
// score; progress reaches its total; bad settings are named before the GPU starts.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tension } from '../../src/cli/tension.ts';
import { toComparisons } from '../../src/data/comparisons.ts';
import { pmSplit } from '../../src/data/pm-split.ts';
import { generateSynthWorld, goldScore, pairsToJsonl } from '../../src/data/synth.ts';
import { randn } from '../../src/util/random.ts';
import { checkpointBytes, loadCheckpoint } from '../../src/models/checkpoint.ts';
import { PRESETS } from '../../src/models/config.ts';
import { initParams, paramTable } from '../../src/models/params.ts';
import { TENSION_PMS, tensionUnits } from '../../src/train/tension-run.ts';
import { runCommand } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dir = tempDir('tension');

const run = async (...argv: string[]) => (await runCommand(tension, ...argv)).err;

describe('rlhf tension', () => {
  const cfg = PRESETS.nano; // byte tokenizer, context 32
  const base = join(dir, 'base.safetensors');
  writeFileSync(
    base,
    checkpointBytes(
      cfg,
      initParams(paramTable(cfg), cfg, (n) => randn(n, 8)),
      { tokenizer: 'byte', preset: 'nano' },
    ),
  );
  const world = generateSynthWorld({ seed: 4, pairs: 30 });
  const files = { helpful: join(dir, 'synth-helpful.jsonl'), harmless: join(dir, 'synth-harmless.jsonl') };
  writeFileSync(files.helpful, pairsToJsonl(world.helpful));
  writeFileSync(files.harmless, pairsToJsonl(world.harmless));
  const seed = 5;
  const settings = [
    '--pm-steps',
    '2',
    '--pairs',
    '2',
    '--seq',
    '32',
    '--iterations',
    '1',
    '--batch',
    '2',
    '--max-tokens',
    '4',
    '--kl-coef',
    '0.01',
    '--lr',
    '0.001',
    '--prompts',
    '2',
    '--seed',
    String(seed),
  ];

  it('trains helpful-only, harmless-only and mixed PMs, cross-evaluates them, runs PPO against each, and every model answers the same prompts', async () => {
    const out = join(dir, 'out');
    const log = await run(
      '--base',
      base,
      '--helpful',
      files.helpful,
      '--harmless',
      files.harmless,
      '--out',
      out,
      ...settings,
    );
    const total = tensionUnits({ pmSteps: 2, iterations: 1 });
    expect(log).toContain(`tension ${total}/${total} 100%`);
    const report = JSON.parse(readFileSync(join(out, 'tension.json'), 'utf8'));
    expect(report.models.map((m: { kind: string }) => m.kind)).toEqual([...TENSION_PMS]);

    const trainedOn = {
      'helpful-only': [files.helpful],
      'harmless-only': [files.harmless],
      mixed: [files.helpful, files.harmless],
    };
    const heldOut = pmSplit(30, seed).heldOut.length;
    const baseParams = loadCheckpoint(readFileSync(base), 'base').packed;
    for (const m of report.models as {
      kind: keyof typeof trainedOn;
      cells: { dataset: string; n: number; accuracy: number }[];
      last_iteration: Record<string, number>;
    }[]) {
      const pm = loadCheckpoint(readFileSync(join(out, `pm-${m.kind}.safetensors`)), m.kind);
      expect(pm.heads.reward_head).toBeDefined();
      expect(pm.metadata).toMatchObject({
        kind: 'preference-model',
        datasets: trainedOn[m.kind].join(','),
        init: base,
        step: '2',
      });
      expect(m.cells.map((c) => [c.dataset, c.n])).toEqual([
        [files.helpful, heldOut],
        [files.harmless, heldOut],
      ]);
      for (const c of m.cells) expect(c.accuracy >= 0 && c.accuracy <= 1).toBe(true);
      const policy = loadCheckpoint(readFileSync(join(out, `policy-${m.kind}.safetensors`)), m.kind);
      expect(policy.heads.value_head).toBeDefined();
      expect(policy.metadata).toMatchObject({ kind: 'policy', reward: `pm:${m.kind} PM`, ppo_iterations: '1' });
      expect(policy.packed).not.toEqual(baseParams); // PPO moved it
      expect(Number.isFinite(m.last_iteration['objective/scores'])).toBe(true);
    }

    // the answers: held-out prompts of each file, every model on every prompt, gold-scored
    const contexts = (file: string, pairs: typeof world.helpful) => {
      const { comparisons } = toComparisons(
        pairs.map((p, i) => ({ ...p, line: i + 1 })),
        { file, subset: 'x' },
      );
      return new Set(pmSplit(comparisons.length, seed).heldOut.map((i) => comparisons[i].context));
    };
    const held = {
      [files.helpful]: contexts(files.helpful, world.helpful),
      [files.harmless]: contexts(files.harmless, world.harmless),
    };
    const answers = report.answers as {
      prompt: string;
      dataset: string;
      responses: { model: string; text: string; helpfulness: number; harmfulness: number }[];
    }[];
    expect(answers.map((a) => a.dataset)).toEqual([files.helpful, files.helpful, files.harmless, files.harmless]);
    for (const a of answers) {
      expect(held[a.dataset].has(a.prompt)).toBe(true);
      expect(a.responses.map((r) => r.model)).toEqual([
        'base',
        'helpful-only policy',
        'harmless-only policy',
        'mixed policy',
      ]);
      for (const r of a.responses) {
        const g = goldScore(a.prompt, r.text);
        expect([r.helpfulness, r.harmfulness]).toEqual([g.helpfulness, g.harmfulness]);
      }
    }
  }, 600_000);

  it('names bad settings before the GPU starts', async () => {
    await expect(
      run(
        '--base',
        base,
        '--helpful',
        files.helpful,
        '--harmless',
        files.harmless,
        '--out',
        join(dir, 'x'),
        '--prompts',
        '0',
      ),
    ).rejects.toThrow('prompts must be a positive integer, got 0');
    await expect(
      run(
        '--base',
        join(dir, 'missing.safetensors'),
        '--helpful',
        files.helpful,
        '--harmless',
        files.harmless,
        '--out',
        join(dir, 'x'),
      ),
    ).rejects.toThrow(/cannot read .*missing\.safetensors/);
    await expect(run('--base', base, '--helpful', files.helpful, '--out', join(dir, 'x'))).rejects.toThrow(
      '--harmless is required',
    );
  });
});
