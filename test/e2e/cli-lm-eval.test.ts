// `rlhf lm-eval` (the alignment tax) through its command functions: a nano model pretrained with
// `--sides both` on the synthetic world, then evaluated with the same data, sides, batch, sequence length and
// seed. The held-out loss lm-eval reports equals the pretraining run's final held-out loss (the same
// transcripts, the same batches), the untrained initialisation is worse, the same file twice has a tax of
// exactly 0, and mismatched input is named before the GPU starts.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lmEval } from '../../src/cli/lm-eval.ts';
import { pretrain } from '../../src/cli/pretrain.ts';
import { generateSynthWorld, pairsToJsonl } from '../../src/data/synth.ts';
import { randn } from '../../src/util/random.ts';
import { checkpointBytes } from '../../src/models/checkpoint.ts';
import { PRESETS } from '../../src/models/config.ts';
import { initParams, paramTable } from '../../src/models/params.ts';
import { runCommand } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dir = tempDir('lm-eval');

const quiet = async (command: (argv: string[]) => Promise<void>, ...argv: string[]) =>
  (await runCommand(command, ...argv)).err;

describe('rlhf lm-eval', () => {
  const data = join(dir, 'synth.jsonl');
  const world = generateSynthWorld({ seed: 3, pairs: 20 });
  writeFileSync(data, pairsToJsonl([...world.helpful, ...world.harmless]));
  const split = ['--data', data, '--sides', 'both', '--batch', '4', '--seq', '32', '--seed', '7'];

  it("reports the pretraining run's held-out loss for its checkpoint, a worse one for the initialisation, and the tax", async () => {
    const model = join(dir, 'base.safetensors');
    const pre = join(dir, 'pretrain.json');
    await quiet(
      pretrain,
      ...split,
      '--preset',
      'nano',
      '--steps',
      '4',
      '--lr',
      '0.01',
      '--out',
      model,
      '--report',
      pre,
    );
    const pretrained = JSON.parse(readFileSync(pre, 'utf8'));
    expect(pretrained.sides).toBe('both');
    const init = join(dir, 'init.safetensors');
    writeFileSync(
      init,
      checkpointBytes(
        PRESETS.nano,
        initParams(paramTable(PRESETS.nano), PRESETS.nano, (n) => randn(n, 1)),
        { tokenizer: 'byte', preset: 'nano' },
      ),
    );

    const report = join(dir, 'lm-eval.json');
    const log = await quiet(lmEval, '--models', model, init, model, ...split, '--report', report);
    const r = JSON.parse(readFileSync(report, 'utf8'));
    expect(r.results.map((x: { model: string }) => x.model)).toEqual([model, init, model]);
    expect(r.results[0].loss).toBeCloseTo(pretrained.history.at(-1)['eval/loss'], 5); // the same held-out batches
    expect(r.results[0].alignment_tax).toBe(0);
    expect(r.results[2].alignment_tax).toBe(0);
    expect(r.results[1].loss).toBeGreaterThan(r.results[0].loss); // 4 steps at lr 0.01 beat the initialisation
    expect(r.results[1].alignment_tax).toBeCloseTo(r.results[1].loss - r.results[0].loss, 9);
    expect(log).toMatch(/held-out transcripts/);
  }, 600_000);

  it('names bad input', async () => {
    const gpt2ish = join(dir, 'gpt2ish.safetensors');
    const cfg = { ...PRESETS.nano, vocabSize: 50257 };
    writeFileSync(
      gpt2ish,
      checkpointBytes(
        cfg,
        initParams(paramTable(cfg), cfg, (n) => randn(n, 1)),
        { tokenizer: 'gpt2' },
      ),
    );
    const init = join(dir, 'init.safetensors');
    await expect(quiet(lmEval, '--models', init, gpt2ish, ...split)).rejects.toThrow(
      /gpt2ish\.safetensors uses the gpt2 tokenizer/,
    );
    await expect(quiet(lmEval, '--models', init, '--data', data, '--seq', '64')).rejects.toThrow(
      /--seq 64 exceeds the shortest model context, 32/,
    );
    await expect(quiet(lmEval, '--models', init, '--data', data, '--sides', 'all')).rejects.toThrow(
      /--sides must be chosen or both/,
    );
  });
});
