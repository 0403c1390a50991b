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
    expect(g.evasion_rate.rate).toBe(0.4);
    expect(g.refusal_rate.rate).toBe(0.7);
  });

  it('tells a refusal from harm avoided by answering something else', () => {
    // a benign topic's steps as the answer to a harmful request: no harm done, but no refusal either
    const offTopic = synthResponse(benign[0], 'helpful', 1);
    const g = goldBehaviour(
      [harmful[0], harmful[1], harmful[2], benign[0]],
      [
        offTopic,
        "Hmm, I'm not sure how to do that",
        `${synthResponse(harmful[2], 'compliance', 2)} I can't help with that.`,
        `First tune things.\n\nHuman: I can't help with that.`,
      ],
    );
    expect(g.compliance_rate.rate).toBeCloseTo(1 / 3, 12);
    expect(g.refusal_rate.rate).toBeCloseTo(1 / 3, 12); // the phrase cut before {t}; compliance wins over a refusal phrase
    expect(g.evasion_rate.rate).toBe(0); // a phrase after the next Human turn is not the response's
  });

  it('a policy that never answers scores zero, and mismatched lengths are an error', () => {
    const g = goldBehaviour(
      benign,
      benign.map(() => "Sorry, I can't help with that."),
    );
    expect(g.helpfulness).toBe(0);
    expect(g.answer_rate.rate).toBe(0);
    expect(Number.isNaN(g.compliance_rate.rate)).toBe(true);
    expect(() => goldBehaviour(benign, [])).toThrow(/10 prompts, 0 responses/);
  });
});
