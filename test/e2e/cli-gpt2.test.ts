// GPT-2's BPE end to end through the command functions: a file in the layout of GPT-2's own
// model.safetensors (hub names without the `transformer.` prefix, Conv1D weights [in, out], the
// attn.bias mask buffers, no metadata, V = 50257) is recognised as a GPT-2 model, its greedy sample
// matches the float64 reference token for token and decodes with the BPE; `rlhf pretrain --tokenizer
// gpt2` trains a model with GPT-2's vocabulary and records the tokenizer in the checkpoint.
// The real 124M file is not used: this machine has no network; the format is the same.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pretrain } from '../../src/cli/pretrain.ts';
import { sample } from '../../src/cli/sample.ts';
import { gpt2Tokenizer, GPT2_VOCAB } from '../../src/data/tokenizer-gpt2.ts';
import { hfShape, loadCheckpoint, transpose2d } from '../../src/models/checkpoint.ts';
import type { GPTConfig } from '../../src/models/config.ts';
import { initParams, paramTable } from '../../src/models/params.ts';
import { writeSafetensors } from '../../src/models/safetensors.ts';
import { greedyRef } from '../../src/models/sampler.ref.ts';
import { runCommand } from '../helpers/cli.ts';
import { randn } from '../helpers/random.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dir = tempDir('gpt2');

/** Runs a command function and returns what it printed on stdout. */
const run = async (command: (argv: string[]) => Promise<void>, ...argv: string[]) =>
  (await runCommand(command, ...argv)).out;

describe('GPT-2 BPE models', () => {
  it('loads a GPT-2 hub-layout file and samples what the float64 reference samples, decoded with the BPE', async () => {
    // GPT-2's layout at a tenth of its width and one block (head size 64, as GPT-2, so numHeads is inferred).
    const cfg: GPTConfig = { vocabSize: GPT2_VOCAB, maxSeqLen: 32, numLayers: 1, numHeads: 1, channels: 64 };
    const table = paramTable(cfg);
    const packed = initParams(table, cfg, (n) => randn(n, 11, 10));
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const s of table.specs) {
      const data = packed.subarray(s.offset, s.offset + s.shape.reduce((a, b) => a * b, 1));
      tensors.set(s.name.replace(/^transformer\./, ''), {
        shape: hfShape(s),
        data: s.hfTranspose ? transpose2d(data, s.shape[0], s.shape[1]) : data.slice(),
      });
    }
    const mask = new Float32Array(32 * 32).map((_, i) => (i % 32 <= Math.floor(i / 32) ? 1 : 0));
    tensors.set('h.0.attn.bias', { shape: [1, 1, 32, 32], data: mask });
    const file = join(dir, 'model.safetensors');
    writeFileSync(file, writeSafetensors(tensors));

    const loaded = loadCheckpoint(readFileSync(file), file);
    expect(loaded.cfg).toEqual(cfg);
    expect(loaded.metadata.rlhf_config).toBeUndefined();

    const prompt = '\n\nHuman: Hello there\n\nAssistant:';
    const ids = gpt2Tokenizer.encode(prompt);
    const weights = new Map(
      table.specs.map((s) => [
        s.name,
        Float64Array.from(loaded.packed.subarray(s.offset, s.offset + s.shape.reduce((a, b) => a * b, 1))),
      ]),
    );
    const want = greedyRef(cfg, weights, ids, 5);
    const out = JSON.parse(
      await run(
        sample,
        '--model',
        file,
        '--prompt',
        prompt.replace(/\n/g, '\\n'),
        '--top-k',
        '1',
        '--max-tokens',
        '5',
        '--json',
      ),
    );
    // Greedy decoding can stop early at end-of-text or "\n\nHuman:"; compare what was produced.
    const produced = want.slice(
      0,
      want.indexOf(gpt2Tokenizer.endOfText) >= 0 ? want.indexOf(gpt2Tokenizer.endOfText) : want.length,
    );
    expect(out.samples[0]).toBe(gpt2Tokenizer.decode(produced).split('\n\nHuman:')[0]);
    expect(out.samples[0].length).toBeGreaterThan(0);
  }, 600_000);

  it('pretrains with --tokenizer gpt2: GPT-2 vocabulary, tokenizer in the metadata, held-out loss falls', async () => {
    const data = join(dir, 'hh.jsonl');
    const lines = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify({
        chosen: `\n\nHuman: What comes after ${i}?\n\nAssistant: ${i + 1} comes after ${i}.`,
        rejected: '\n\nHuman: hi\n\nAssistant: no',
      }),
    );
    writeFileSync(data, `${lines.join('\n')}\n`);
    const model = join(dir, 'bpe.safetensors');
    const report = join(dir, 'bpe.json');
    await run(
      pretrain,
      '--data',
      data,
      '--preset',
      'nano',
      '--tokenizer',
      'gpt2',
      '--steps',
      '4',
      '--eval-interval',
      '4',
      '--batch',
      '4',
      '--seq',
      '16',
      '--lr',
      '0.05',
      '--seed',
      '2',
      '--out',
      model,
      '--report',
      report,
    );
    const ckpt = loadCheckpoint(readFileSync(model), model);
    expect(ckpt.cfg.vocabSize).toBe(GPT2_VOCAB);
    expect(ckpt.metadata.tokenizer).toBe('gpt2');
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.tokenizer).toBe('gpt2');
    expect(rep.initial_eval_loss).toBeCloseTo(Math.log(GPT2_VOCAB), 0);
    expect(rep.history.at(-1)['eval/loss']).toBeLessThan(rep.initial_eval_loss - 1);
    await expect(
      run(pretrain, '--data', data, '--preset', 'nano', '--tokenizer', 'gpt3', '--steps', '1', '--out', model),
    ).rejects.toThrow(/unknown --tokenizer gpt3 \(one of byte, gpt2, synth\)/);
  }, 600_000);
});
