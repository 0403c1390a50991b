// GPU memory has an owner (src/kernels/gpu.ts `scope`): whatever creates buffers disposes them.
//   (a) a scope records what it and its child scopes allocate; dispose() destroys all of it, once, and a disposed
//       scope refuses to allocate;
//   (b) building, using and disposing an LM, PM or PPO trainer returns the device's live bytes to where they were
//       (after one warm-up cycle: the device's root keeps the staging buffers and value blocks every scope shares);
//   (c) the Worker's runs: a reset RunLoop frees its run (src/worker/run-loop.ts calls the run's dispose());
//   (d) the online loop keeps the memory it holds constant from round to round (each round's PM trainer is freed,
//       the previous round's PM scorer when the new one replaces it), and frees everything on dispose().

import { beforeAll, describe, expect, it } from 'vitest';
import { splitPair, type Comparison } from '../../src/data/comparisons.ts';
import { generateSynthWorld, synthPrompts } from '../../src/data/synth.ts';
import { synthTokenizer } from '../../src/data/tokenizer-synth.ts';
import { KernelError, type Gpu } from '../../src/kernels/gpu.ts';
import { PRESETS, type GPTConfig } from '../../src/models/config.ts';
import { initParams, paramTable } from '../../src/models/params.ts';
import { DEFAULT_LM_TRAIN, LMTrainer } from '../../src/train/lm.ts';
import {
  ComparisonPool,
  goldLabeller,
  holdOut,
  OnlineRLHF,
  pmStart,
  type OnlineConfig,
} from '../../src/train/online.ts';
import { DEFAULT_PM_TRAIN, PMTrainer } from '../../src/train/pm.ts';
import { DEFAULT_PPO, PPOTrainer, type PPOConfig, type PPOTokenizer } from '../../src/train/ppo.ts';
import { createLMLoop } from '../../src/worker/lm-session.ts';
import type { WorkerEvent } from '../../src/protocol.ts';
import { testGpu } from '../helpers/gpu.ts';
import { randn } from '../helpers/random.ts';

let gpu: Gpu;
beforeAll(async () => {
  gpu = await testGpu();
});

/** Live bytes after `cycle` has run `times` times, each time after a warm-up run of it. */
async function liveAfterCycles(
  cycle: () => Promise<void>,
  times: number,
): Promise<{ before: number; after: number[] }> {
  await cycle(); // warm-up: the root's staging buffers and value blocks
  const before = gpu.counters.liveBytes;
  const after: number[] = [];
  for (let i = 0; i < times; i++) {
    await cycle();
    after.push(gpu.counters.liveBytes);
  }
  return { before, after };
}

describe('GPU scopes', () => {
  it('own what they and their child scopes allocate, and free it once', async () => {
    // a read's staging buffer stays with the device's root, for every later read of that size: make it first
    const warm = gpu.scope('warm-up');
    await warm.read(warm.tensor('w', [100]));
    warm.dispose();
    const live = gpu.counters.liveBytes;
    const run = gpu.scope('run');
    const a = run.tensor('a', [100]); // 400 bytes
    const model = run.scope('model');
    model.tensor('b', [3]); // rounded up to 16 bytes
    model.tensor('c', [1000], 'u32');
    expect(model.ownedBytes).toBe(16 + 4000);
    expect(run.ownedBytes).toBe(400 + 16 + 4000);
    expect(gpu.counters.liveBytes - live).toBe(400 + 16 + 4000);
    // the child scope shares the device and its counters; it works until disposed
    run.write(a, new Float32Array(100).fill(2));
    expect(Array.from(await model.read(a)).every((x) => x === 2)).toBe(true);

    model.dispose();
    expect(model.isDisposed).toBe(true);
    expect(run.ownedBytes).toBe(400);
    expect(() => model.tensor('d', [4])).toThrow(KernelError);
    expect(() => model.tensor('d', [4])).toThrow(/scope 'model' was disposed/);
    expect(() => model.scope('inner')).toThrow(/scope 'model' was disposed/);

    const other = run.scope('other');
    other.tensor('e', [8]);
    run.dispose();
    expect(other.isDisposed).toBe(true); // children go with their parent
    expect(run.ownedBytes).toBe(0);
    expect(gpu.counters.liveBytes).toBe(live);
    run.dispose(); // idempotent: nothing is counted twice
    expect(gpu.counters.liveBytes).toBe(live);
    expect(gpu.isDisposed).toBe(false);
  });
});

describe('trainers free their GPU memory', () => {
  const cfg: GPTConfig = { vocabSize: 40, maxSeqLen: 16, numLayers: 1, numHeads: 2, channels: 16 };
  const params = () => initParams(paramTable(cfg), cfg, (n) => randn(n, 3));

  it('LMTrainer: a step, then dispose(), leaves the device as it was', async () => {
    const train = { ...DEFAULT_LM_TRAIN, batchSize: 2, seqLen: 8, gradAccum: 1, steps: 4 };
    const tokens = Uint32Array.from({ length: 16 }, (_, i) => i % cfg.vocabSize);
    let held = 0;
    const { before, after } = await liveAfterCycles(async () => {
      const trainer = new LMTrainer(gpu, cfg, train);
      gpu.write(trainer.model.params, params());
      trainer.stepOn([{ tokens, targets: tokens, mask: new Float32Array(16).fill(1) }]);
      await trainer.metrics();
      held = trainer.gpu.ownedBytes;
      trainer.dispose();
      expect(trainer.gpu.ownedBytes).toBe(0);
    }, 2);
    expect(held).toBeGreaterThan(3 * 4 * paramTable(cfg).size); // parameters, gradients, AdamW's m and v at least
    expect(after).toEqual([before, before]);
  });

  it('PMTrainer: a step, then dispose(), leaves the device as it was', async () => {
    const train = { ...DEFAULT_PM_TRAIN, pairsPerBatch: 2, seqLen: 8, steps: 4 };
    const tokens = Uint32Array.from({ length: 32 }, (_, i) => (i * 7) % cfg.vocabSize); // 2P = 4 rows of T = 8
    const { before, after } = await liveAfterCycles(async () => {
      const trainer = new PMTrainer(gpu, cfg, train);
      gpu.write(trainer.model.params, params());
      trainer.stepOn({ tokens, eocIndex: Uint32Array.from([7, 5, 7, 3]), count: 2 });
      await trainer.metrics();
      trainer.dispose();
    }, 2);
    expect(after).toEqual([before, before]);
  });

  it('PPOTrainer: an iteration (sampler, reward, minibatch graphs), then dispose(), leaves the device as it was', async () => {
    const ppoCfg: GPTConfig = { ...PRESETS.nano, vocabSize: 6 };
    const toy: PPOTokenizer = {
      endOfText: 5,
      encode: (t) => [...t].map((ch) => 'abcde'.indexOf(ch)),
      decode: (ids) => ids.map((i) => 'abcde|'[i]).join(''),
    };
    const config: PPOConfig = {
      ...DEFAULT_PPO,
      batchSize: 4,
      minibatches: 1,
      epochs: 1,
      maxTokens: 4,
      maxPromptTokens: 4,
      stopTexts: [],
    };
    const policy = initParams(paramTable(ppoCfg), ppoCfg, (n) => randn(n, 5));
    const { before, after } = await liveAfterCycles(async () => {
      const trainer = new PPOTrainer(gpu, ppoCfg, config, { policy }, toy, async (_p, responses) =>
        responses.map((r) => r.length),
      );
      await trainer.step(['a', 'bc', 'cde', '']);
      trainer.dispose();
    }, 2);
    expect(after).toEqual([before, before]);
  });
});

describe('the Worker frees a run it resets', () => {
  it('RunLoop.reset() disposes the LM run: its scope is empty and the device is back where it was', async () => {
    const posted: WorkerEvent[] = [];
    const transcripts = [
      '\n\nHuman: Hi.\n\nAssistant: Hello!',
      '\n\nHuman: Two plus two?\n\nAssistant: Four.',
      '\n\nHuman: Bye.\n\nAssistant: Goodbye.',
    ];
    const command = {
      type: 'lm-create' as const,
      run: 'memory',
      transcripts,
      settings: {
        preset: 'nano' as const,
        steps: 3,
        batchSize: 2,
        seqLen: 16,
        lr: 1e-3,
        seed: 1,
        assistantOnly: false,
        evalInterval: 1,
      },
    };
    const cycle = async () => {
      const scope = gpu.scope('lm run');
      const loop = await createLMLoop(scope, command, (e) => posted.push(e));
      await loop.stepOnce();
      expect(scope.ownedBytes).toBeGreaterThan(0);
      await loop.reset();
      expect(scope.ownedBytes).toBe(0); // the run's dispose() freed all of it, before the scope was
      scope.dispose();
    };
    const { before, after } = await liveAfterCycles(cycle, 1);
    expect(after).toEqual([before]);
    expect(posted.some((e) => e.type === 'trainer-status' && e.status === 'none')).toBe(true);
  });
});

describe('the online loop', () => {
  it('holds the same GPU memory after every round, and none after dispose()', async () => {
    const cfg: GPTConfig = {
      vocabSize: synthTokenizer.vocabSize,
      maxSeqLen: 48,
      numLayers: 1,
      numHeads: 2,
      channels: 16,
    };
    const policy = {
      cfg,
      packed: initParams(paramTable(cfg), cfg, (n) => randn(n, 7)),
      metadata: { tokenizer: 'synth' },
      heads: {},
    };
    const world = generateSynthWorld({ seed: 4, pairs: 8 });
    const comparisons: Comparison[] = [...world.helpful, ...world.harmless].map((p, i) => {
      const split = splitPair(p.chosen, p.rejected);
      if ('error' in split) throw new Error(split.error);
      return {
        ...split,
        subset: i < world.helpful.length ? 'helpful' : 'harmless',
        source: { file: 'synth', line: i + 1 },
      };
    });
    const config: OnlineConfig = {
      labelPrompts: 4,
      sampleBatch: 4,
      iterations: 1,
      ppo: {
        ...DEFAULT_PPO,
        batchSize: 4,
        minibatches: 1,
        epochs: 1,
        maxTokens: 4,
        maxPromptTokens: 32,
        stopTexts: [],
        seed: 1,
      },
      pm: { ...DEFAULT_PM_TRAIN, pairsPerBatch: 2, seqLen: 48, steps: 2 },
      pmEpochs: 1,
      bootstrap: 10,
      seed: 1,
    };
    const prompts = synthPrompts({ seed: 5, n: 8 });
    const scope = gpu.scope('online run');
    const loop = new OnlineRLHF(
      scope,
      {
        policy,
        policyName: (r) => `round ${r}`,
        pm: pmStart(policy, 'policy', null, 1),
        labeller: goldLabeller,
        prompts,
        eloPrompts: prompts.slice(0, 4),
        pool: new ComparisonPool(holdOut(comparisons, 1)),
      },
      config,
    );
    const owned: number[] = [];
    for (let r = 1; r <= 3; r++) {
      await loop.runRound();
      owned.push(scope.ownedBytes);
    }
    // the PPO trainer and the last round's PM scorer, nothing more: each round frees what the one before left
    expect(owned[0]).toBeGreaterThan(0);
    expect(owned).toEqual([owned[0], owned[0], owned[0]]);
    loop.dispose();
    expect(scope.ownedBytes).toBe(0);
    scope.dispose();
  });
});
