// `rlhf online` as a user runs it (`node bin/rlhf.js online …`): two rounds of iterated online RLHF with the gold
// labeller on the synthetic world (`rlhf synth`), a nano policy, tiny settings. The files of every round exist and
// load; comparisons.jsonl holds HH lines of rounds 1 and 2 that the gold scorer agrees with, each naming the policy
// that wrote it; the report has both rounds with a leaderboard of the initial and the round policies, PM accuracies
// in [0, 1] and PPO's metrics; each round's policy differs from the one before. Bad input is named before the GPU.
//
// The policy is built here rather than pretrained (`rlhf pretrain` of a nano model takes minutes on SwiftShader and
// barely writes the world's key words, so every gold label would be a tie): a random nano model with the synth
// tokenizer whose final layer norm is a constant vector aligned with the embeddings of the benign topics' key
// words, so it answers with a bag of key words and the gold scorer tells its two answers apart on many prompts.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseHHJsonl } from '../../src/data/hh.ts';
import { BENIGN_TOPICS } from '../../src/data/synth-vocab.ts';
import { synthTokenizer } from '../../src/data/tokenizer-synth.ts';
import { checkpointBytes, loadCheckpoint } from '../../src/models/checkpoint.ts';
import { goldValue } from '../../src/train/ppo-data.ts';
import { rlhfProcess } from '../helpers/cli.ts';
import { KEY_WORD_CFG, keyWordPolicy } from '../helpers/key-word-policy.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const rlhf = (...args: string[]) => rlhfProcess(540_000, ...args);

/** A nano synth-tokenizer policy that answers with the benign topics' key words (see the header). */
const keyWordCheckpoint = () =>
  checkpointBytes(
    KEY_WORD_CFG,
    keyWordPolicy(
      BENIGN_TOPICS.flatMap((t) => t.steps.map(([word]) => word)).filter(
        (w) => synthTokenizer.encode(` ${w}`).length === 1,
      ),
    ),
    { tokenizer: 'synth', preset: 'nano' },
  );

describe('rlhf online', () => {
  const dir = tempDir('online');
  const policy = join(dir, 'policy.safetensors');
  writeFileSync(policy, keyWordCheckpoint());
  const helpful = join(dir, 'synth-helpful.jsonl');
  const harmless = join(dir, 'synth-harmless.jsonl');
  beforeAll(() => {
    const synth = rlhf('synth', '--out', dir, '--pairs', '12', '--seed', '2');
    expect(synth.code, synth.stderr).toBe(0);
  });

  it("runs two rounds: sample, label with the gold scorer, retrain the PM, PPO, Elo; writes every round's files and the report", () => {
    const out = join(dir, 'run');
    const report = join(dir, 'online.json');
    const r = rlhf(
      'online',
      '--policy',
      policy,
      '--prompts',
      helpful,
      '--train',
      helpful,
      harmless,
      '--labeller',
      'gold',
      '--rounds',
      '2',
      '--iterations',
      '1',
      '--n-label',
      '8',
      '--n-elo',
      '8',
      '--batch',
      '4',
      '--minibatches',
      '1',
      '--epochs',
      '1',
      '--max-tokens',
      '6',
      '--lr',
      '0.001',
      '--pm-steps',
      '3',
      '--pm-batch',
      '4',
      '--bootstrap',
      '20',
      '--seed',
      '3',
      '--out',
      out,
      '--report',
      report,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/online 8\/8 100%.*ETA/);
    const rounds = [1, 2].map((n) => ({
      policy: loadCheckpoint(readFileSync(join(out, `round-${n}`, 'policy.safetensors')), `round ${n} policy`),
      pm: loadCheckpoint(readFileSync(join(out, `round-${n}`, 'pm.safetensors')), `round ${n} PM`),
    }));
    const initial = loadCheckpoint(readFileSync(policy), policy);
    for (const [n, { policy: p, pm }] of rounds.entries()) {
      expect(p.heads.value_head).toBeDefined();
      expect(p.metadata).toMatchObject({
        kind: 'policy',
        tokenizer: 'synth',
        online_round: String(n + 1),
        ppo_iterations: String(n + 1),
      });
      expect(pm.heads.reward_head).toBeDefined();
      expect(pm.metadata).toMatchObject({ kind: 'preference-model', tokenizer: 'synth', seq_len: '32' });
      expect(pm.cfg).toEqual(initial.cfg); // the PM follows the policy's architecture
    }
    // PPO moved the policy in each round, continuing from the round before
    expect(rounds[0].policy.packed).not.toEqual(initial.packed);
    expect(rounds[1].policy.packed).not.toEqual(rounds[0].policy.packed);
    expect(rounds[1].pm.packed).not.toEqual(rounds[0].pm.packed);

    // comparisons.jsonl: HH lines of both rounds, chosen by the gold scorer, with their provenance
    const text = readFileSync(join(out, 'comparisons.jsonl'), 'utf8');
    expect(parseHHJsonl(text).problems).toEqual([]);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(new Set(lines.map((l) => l.round))).toEqual(new Set([1, 2]));
    const prompt = (t: string) => t.slice(0, t.lastIndexOf('\n\nAssistant:') + '\n\nAssistant:'.length);
    for (const l of lines) {
      expect(prompt(l.chosen)).toBe(prompt(l.rejected));
      const [c, rj] = [
        goldValue(prompt(l.chosen), l.chosen.slice(prompt(l.chosen).length)),
        goldValue(prompt(l.rejected), l.rejected.slice(prompt(l.rejected).length)),
      ];
      expect(c).toBeGreaterThan(rj);
      expect(l.scores).toEqual([c, rj]);
      expect(l).toMatchObject({
        labeller: 'gold',
        subset: 'helpful',
        policy: l.round === 1 ? policy : join(out, 'round-1', 'policy.safetensors'),
      });
    }

    // the report: per round, comparisons, labelling, PM accuracy, PPO's last metrics, the leaderboard
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.done).toBe(true);
    expect(rep.adapter.runtime).toBe('node-dawn');
    expect(rep.rounds).toHaveLength(2);
    for (const [i, round] of rep.rounds.entries()) {
      const n = i + 1;
      expect(round.round).toBe(n);
      expect(round.comparisons_added).toBe(lines.filter((l) => l.round === n).length);
      expect(round.comparisons_added + round.labelling.ties + round.labelling.identical).toBe(8);
      expect(round.labelling.agreement_with_gold).toEqual({ n: round.comparisons_added, rate: 1, ties: 0 });
      expect(round.labelling.agreement_with_previous_pm === null).toBe(n === 1);
      for (const acc of [
        round.pm.eval.accuracy,
        ...Object.values(round.pm.eval.by_origin).map((g) => (g as { accuracy: number }).accuracy),
      ]) {
        expect(acc).toBeGreaterThanOrEqual(0);
        expect(acc).toBeLessThanOrEqual(1);
      }
      expect(Object.keys(round.pm.eval.by_origin)).toContain('initial');
      expect(round.pm.train_pairs).toBe(
        rep.data.initial_train +
          rep.rounds
            .slice(0, n)
            .reduce(
              (s: number, x: { comparisons_added: number; labelling: { heldout: number } }) =>
                s + x.comparisons_added - x.labelling.heldout,
              0,
            ),
      );
      expect(round.ppo.iterations).toHaveLength(1);
      expect(round.ppo.last.iteration).toBe(n); // one trainer: iterations count on across rounds
      for (const name of [
        'objective/scores',
        'objective/kl',
        'policy/approxkl',
        'loss/policy',
        'loss/value',
        'gold/scores',
      ])
        expect(Number.isFinite(round.ppo.last[name]), name).toBe(true);
      const elo = round.elo;
      expect(elo.judge).toBe('gold');
      expect(elo.policies).toEqual([
        policy,
        ...Array.from({ length: n }, (_, k) => join(out, `round-${k + 1}`, 'policy.safetensors')),
      ]);
      expect(elo.elo).toHaveLength(n + 1);
      expect(elo.behaviour).toHaveLength(n + 1);
      expect(elo.elo.reduce((s: number, x: number) => s + x, 0)).toBeCloseTo(0, 6);
    }
    // the same prompts and sampling seed every round: the earlier policies keep their scores
    expect(rep.rounds[1].elo.meanScore.slice(0, 2)).toEqual(rep.rounds[0].elo.meanScore);
  }, 600_000);

  it('names bad input before the GPU starts', () => {
    const base = [
      '--policy',
      policy,
      '--prompts',
      helpful,
      '--rounds',
      '1',
      '--iterations',
      '1',
      '--out',
      join(dir, 'bad'),
    ];
    const notPM = rlhf('online', ...base, '--labeller', policy);
    expect(notPM.code).toBe(2);
    expect(notPM.stderr).toContain(`--labeller ${policy} is not a preference model`);
    const missing = rlhf('online', ...base, '--labeller', join(dir, 'missing.safetensors'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing\.safetensors/);
    const outside = join(dir, 'real.jsonl');
    writeFileSync(
      outside,
      `${JSON.stringify({ chosen: '\n\nHuman: What is 2+2?\n\nAssistant: 4', rejected: '\n\nHuman: What is 2+2?\n\nAssistant: 5' })}\n`,
    );
    const gold = rlhf('online', ...base.slice(0, 2), '--prompts', outside, ...base.slice(4), '--labeller', 'gold');
    expect(gold.code).toBe(2);
    expect(gold.stderr).toMatch(/--labeller gold judges synthetic-world prompts only/);
    const rounds = rlhf('online', ...base.slice(0, 4), '--rounds', '0', ...base.slice(6), '--labeller', 'gold');
    expect(rounds.code).toBe(2);
    expect(rounds.stderr).toMatch(/--rounds must be a positive integer/);
  }, 120_000);
});
