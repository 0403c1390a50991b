// `rlhf elo` through its command function: three nano policies on disk (two copies of one file and another
// one), synthetic-world prompts, judged by a PM and by the gold scorer. Two copies of the same policy with the
// same seed answer identically, so they tie at equal Elo; the win-rate matrix and the per-policy gold
// behaviour agree with the responses in the report; bad input is named before the GPU starts.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { elo } from '../../src/cli/elo.ts';
import { generateSynthWorld, pairsToJsonl } from '../../src/data/synth.ts';
import { goldBehaviour } from '../../src/eval/gold-behaviour.ts';
import { winRateMatrix } from '../../src/eval/tournament.ts';
import { randn } from '../../src/util/random.ts';
import { checkpointBytes } from '../../src/models/checkpoint.ts';
import { PRESETS } from '../../src/models/config.ts';
import { headTable, initHeadParams } from '../../src/models/head-table.ts';
import { initParams, paramTable } from '../../src/models/params.ts';
import { goldValue } from '../../src/train/ppo-data.ts';
import { runCommand } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dir = tempDir('elo');

const run = async (...argv: string[]) => (await runCommand(elo, ...argv)).err;

describe('rlhf elo', () => {
  const cfg = PRESETS.nano; // byte tokenizer, context 32
  const policy = (seed: number, std = 1) =>
    checkpointBytes(
      cfg,
      initParams(paramTable(cfg), cfg, (n) => randn(n, seed, std)),
      { tokenizer: 'byte', preset: 'nano' },
    );
  const a = join(dir, 'a.safetensors');
  const aCopy = join(dir, 'a-copy.safetensors');
  const b = join(dir, 'b.safetensors');
  const pm = join(dir, 'pm.safetensors');
  const prompts = join(dir, 'synth.jsonl');
  writeFileSync(a, policy(1));
  writeFileSync(aCopy, policy(1));
  writeFileSync(b, policy(2, 20)); // spread logits: answers unlike a's
  writeFileSync(
    pm,
    checkpointBytes(
      cfg,
      initParams(paramTable(cfg), cfg, (n) => randn(n, 3)),
      { tokenizer: 'byte', kind: 'preference-model', seq_len: '32' },
      {
        reward_head: initHeadParams(headTable('reward_head', cfg.channels), (n) => randn(n, 4)),
      },
    ),
  );
  const world = generateSynthWorld({ seed: 2, pairs: 6 });
  writeFileSync(prompts, pairsToJsonl([...world.helpful, ...world.harmless]));

  it('rates policies by a PM and by the gold scorer, with intervals, win rates and gold behaviour', async () => {
    const report = join(dir, 'elo.json');
    const log = await run(
      '--policies',
      a,
      aCopy,
      b,
      '--pm',
      pm,
      '--gold',
      '--prompts',
      prompts,
      '--n-prompts',
      '8',
      '--max-tokens',
      '6',
      '--bootstrap',
      '40',
      '--seed',
      '3',
      '--report',
      report,
    );
    expect(log).toMatch(/Elo by the PM/);
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.responses).toHaveLength(8);
    for (const r of rep.responses) expect(r.responses[0]).toBe(r.responses[1]); // same file, same seed
    expect(rep.responses.some((r: { responses: string[] }) => r.responses[2] !== r.responses[0])).toBe(true);
    for (const judge of ['pm', 'gold']) {
      const j = rep.judges[judge];
      expect(j.prompts).toBe(8);
      expect(j.elo[0]).toBeCloseTo(j.elo[1], 6); // the copies tie…
      expect(j.winRate[0][1]).toBe(0.5); // …on every prompt
      expect(j.elo.reduce((s: number, x: number) => s + x, 0)).toBeCloseTo(0, 6);
      for (let p = 0; p < 3; p++) expect(j.lo[p]).toBeLessThanOrEqual(j.hi[p]);
      for (let p = 0; p < 3; p++)
        for (let q = 0; q < 3; q++) if (p !== q) expect(j.winRate[p][q] + j.winRate[q][p]).toBeCloseTo(1, 9);
    }
    // the gold leaderboard is the gold scorer applied to the reported responses
    const texts = rep.responses.map((r: { prompt: string }) => r.prompt);
    const gold = [0, 1, 2].map((p) =>
      rep.responses.map((r: { prompt: string; responses: string[] }) => goldValue(r.prompt, r.responses[p])),
    );
    expect(rep.judges.gold.winRate[0][2]).toBeCloseTo(winRateMatrix(gold)[0][2], 9);
    expect(rep.judges.gold.behaviour[2]).toEqual(
      JSON.parse(
        JSON.stringify(
          goldBehaviour(
            texts,
            rep.responses.map((r: { responses: string[] }) => r.responses[2]),
          ),
        ),
      ),
    );
    expect(rep.judges.gold.behaviour[0].benign + rep.judges.gold.behaviour[0].harmful).toBe(8);
    expect(rep.adapter.runtime).toBe('node-dawn');
  }, 600_000);

  it('names bad input before the GPU starts', async () => {
    await expect(run('--policies', a, '--gold', '--prompts', prompts)).rejects.toThrow(/at least two checkpoints/);
    await expect(run('--policies', a, b, '--prompts', prompts)).rejects.toThrow(/give a judge/);
    await expect(run('--policies', a, b, '--gold', '--prompts', prompts, '--n-prompts', '0')).rejects.toThrow(
      /--n-prompts must be a positive integer/,
    );
    await expect(
      run('--policies', a, join(dir, 'missing.safetensors'), '--gold', '--prompts', prompts),
    ).rejects.toThrow(/missing\.safetensors/);
    await expect(run('--policies', a, b, '--gold', '--prompts', prompts, '--max-tokens', '32')).rejects.toThrow(
      /--max-tokens 32 leaves no room .*a\.safetensors's context of 32/,
    );
  });
});
