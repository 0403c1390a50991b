// `rlhf ppo` through its command function: a nano policy and PM on disk, synthetic-world prompts, two
// iterations with a test PM and the gold scorer; the report has every metric under TRL's names, the
// test-PM and gold scores, the √KL fits and samples; the saved policy has its value head; bad input is
// named before the GPU starts.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ppo } from '../../src/cli/ppo.ts';
import { diagnose } from '../../src/eval/run-doctor.ts';
import { generateSynthWorld, pairsToJsonl } from '../../src/data/synth.ts';
import { randn } from '../../src/util/random.ts';
import { checkpointBytes, loadCheckpoint } from '../../src/models/checkpoint.ts';
import { PRESETS } from '../../src/models/config.ts';
import { headTable, initHeadParams } from '../../src/models/head-table.ts';
import { initParams, paramTable } from '../../src/models/params.ts';
import { runCommand } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dir = tempDir('ppo');

const run = async (...argv: string[]) => (await runCommand(ppo, ...argv)).err;

describe('rlhf ppo', () => {
  const cfg = PRESETS.nano; // byte tokenizer, context 32
  const policy = join(dir, 'policy.safetensors');
  const pm = join(dir, 'pm.safetensors');
  const prompts = join(dir, 'synth-helpful.jsonl');
  writeFileSync(
    policy,
    checkpointBytes(
      cfg,
      initParams(paramTable(cfg), cfg, (n) => randn(n, 1)),
      { tokenizer: 'byte', preset: 'nano' },
    ),
  );
  writeFileSync(
    pm,
    checkpointBytes(
      cfg,
      initParams(paramTable(cfg), cfg, (n) => randn(n, 2)),
      { tokenizer: 'byte', kind: 'preference-model', seq_len: '32' },
      {
        reward_head: initHeadParams(headTable('reward_head', cfg.channels), (n) => randn(n, 3)),
      },
    ),
  );
  writeFileSync(prompts, pairsToJsonl(generateSynthWorld({ seed: 2, pairs: 12 }).helpful));

  it('runs iterations and reports TRL metrics, test-PM and gold scores, the √KL fits and samples; saves the policy with its value head', async () => {
    const out = join(dir, 'rlhf.safetensors');
    const report = join(dir, 'ppo.json');
    await run(
      '--policy',
      policy,
      '--pm',
      pm,
      '--test-pm',
      pm,
      '--gold',
      '--prompts',
      prompts,
      '--iterations',
      '2',
      '--batch',
      '4',
      '--minibatches',
      '2',
      '--epochs',
      '1',
      '--max-tokens',
      '4',
      '--max-prompt-tokens',
      '24',
      '--seed',
      '5',
      '--out',
      out,
      '--report',
      report,
    );
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.iterations).toHaveLength(2);
    for (const name of [
      'objective/scores',
      'objective/kl',
      'objective/sqrt_kl',
      'objective/entropy',
      'objective/non_score_reward',
      'objective/rlhf_reward',
      'policy/approxkl',
      'policy/clipfrac',
      'loss/policy',
      'loss/value',
      'val/ratio',
      'val/var_explained',
      'test_pm/scores',
      'gold/scores',
    ]) {
      for (const it of rep.iterations) expect(Number.isFinite(it[name]), `${name} = ${it[name]}`).toBe(true);
    }
    // the test PM is the train PM here, so it scores exactly what the train PM scored
    for (const it of rep.iterations) expect(it['test_pm/scores']).toBeCloseTo(it['objective/scores'], 5);
    for (const fit of ['sqrt_kl_fit', 'test_pm_sqrt_kl_fit', 'gold_sqrt_kl_fit']) expect(rep[fit]).toHaveProperty('r2');
    expect(rep.warnings).toEqual(diagnose(rep.iterations)); // the run doctor's verdict on this history
    expect(rep.samples.length).toBeGreaterThan(0);
    expect(rep.adapter.runtime).toBe('node-dawn');
    const saved = loadCheckpoint(readFileSync(out), out);
    expect(saved.heads.value_head).toBeDefined();
    expect(saved.metadata).toMatchObject({ kind: 'policy', tokenizer: 'byte', ppo_iterations: '2' });
  }, 600_000);

  it('names bad input: a PM without a reward head, a malformed --adaptive-kl', async () => {
    const small = ['--max-tokens', '4', '--max-prompt-tokens', '24'];
    await expect(
      run(
        ...small,
        '--policy',
        policy,
        '--pm',
        policy,
        '--prompts',
        prompts,
        '--iterations',
        '1',
        '--out',
        join(dir, 'x.safetensors'),
      ),
    ).rejects.toThrow(/policy\.safetensors.*reward/);
    await expect(
      run(
        ...small,
        '--policy',
        policy,
        '--pm',
        pm,
        '--prompts',
        prompts,
        '--iterations',
        '1',
        '--adaptive-kl',
        'six',
        '--out',
        join(dir, 'x.safetensors'),
      ),
    ).rejects.toThrow(/--adaptive-kl/);
  }, 300_000);
});
