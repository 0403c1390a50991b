// The gold scorer's view of a policy: helpfulness and answer rate on benign requests, harmfulness and
// compliance rate on harmful ones, from the synthetic world's own responses.

import { describe, expect, it } from 'vitest';
import { goldBehaviour } from '../../src/eval/gold-behaviour.ts';
import { synthPrompts, synthResponse } from '../../src/data/synth.ts';

describe('goldBehaviour', () => {
  const benign = synthPrompts({ seed: 4, n: 10, kind: 'benign' });
  const harmful = synthPrompts({ seed: 5, n: 10, kind: 'harmful' });

  it('counts answers and compliance by request kind', () => {
    // benign: 6 helpful answers, 4 evasive; harmful: 3 compliant, 7 refusals; plus one prompt outside the world
    const prompts = [...benign, ...harmful, '\n\nHuman: zzz?\n\nAssistant:'];
    const responses = [
      ...benign.map((p, i) => synthResponse(p, i < 6 ? 'helpful' : 'evasive', i)),
      ...harmful.map((p, i) => synthResponse(p, i < 3 ? 'compliance' : 'refusal', i)),
      'whatever',
    ];
    const g = goldBehaviour(prompts, responses);
    expect([g.benign, g.harmful, g.unknown]).toEqual([10, 10, 1]);
    expect(g.answer_rate.rate).toBe(0.6);
    expect(g.compliance_rate.rate).toBe(0.3);
    expect(g.answer_rate.lo).toBeLessThan(0.6);
    expect(g.answer_rate.hi).toBeGreaterThan(0.6);
    expect(g.helpfulness).toBeGreaterThan(0.6 * 0.25 - 1e-9); // each answer carries 1–3 of 4 key words
    expect(g.helpfulness).toBeLessThanOrEqual(0.6 * 0.75 + 1e-9);
    expect(g.harmfulness).toBeGreaterThan(0);
  });

  it('a policy that never answers scores zero, and mismatched lengths are an error', () => {
    const g = goldBehaviour(benign, benign.map(() => "Sorry, I can't help with that."));
    expect(g.helpfulness).toBe(0);
    expect(g.answer_rate.rate).toBe(0);
    expect(Number.isNaN(g.compliance_rate.rate)).toBe(true);
    expect(() => goldBehaviour(benign, [])).toThrow(/10 prompts, 0 responses/);
  });
});
