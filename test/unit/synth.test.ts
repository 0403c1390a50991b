// The synthetic HH world (src/data/synth.ts): determinism, the byte budget, the gold scorer, and — most
// important — that the paper's helpful/harmless tension is in the data: a bag-of-words preference model
// trained on one subset scores the other below chance, and one trained on both (reading the request) gets both.

import { describe, expect, it } from 'vitest';
import { parseHHJsonl } from '../../src/data/hh.ts';
import {
  HARM_MARKERS,
  MAX_SYNTH_TOPICS,
  SYNTH_MAX_BYTES,
  generateSynthWorld,
  goldScore,
  pairsToJsonl,
  synthPrompts,
  synthResponse,
  type SynthPair,
} from '../../src/data/synth.ts';
import {
  ANSWER_TEMPLATES,
  BENIGN_TOPICS,
  EVASIVE_ONLY_BODIES,
  GREETINGS,
  HARMFUL_TOPICS,
  NON_ANSWER_BODIES,
  NON_ANSWER_CLOSERS,
  NON_ANSWER_OPENERS,
  REFUSAL_ONLY_BODIES,
  REQUEST_TEMPLATES,
} from '../../src/data/synth-vocab.ts';
import { rng } from '../helpers/random.ts';

const ASSISTANT = '\n\nAssistant:';
/** A transcript's prompt (up to and including the final "\n\nAssistant:") and its final response. */
function split(transcript: string): { prompt: string; response: string } {
  const i = transcript.lastIndexOf(ASSISTANT) + ASSISTANT.length;
  return { prompt: transcript.slice(0, i), response: transcript.slice(i + 1) };
}
const gold = (transcript: string) => {
  const { prompt, response } = split(transcript);
  return goldScore(prompt, response);
};
const hasMarker = (text: string) => HARM_MARKERS.some((m) => new RegExp(`\\b${m}\\b`, 'i').test(text));

describe('synthetic HH world: generation', () => {
  const big = generateSynthWorld({ seed: 11, pairs: 5000 });

  it('is deterministic: same seed, same bytes; another seed, other pairs; fewer pairs are a prefix', () => {
    const a = generateSynthWorld({ seed: 3, pairs: 200 });
    const b = generateSynthWorld({ seed: 3, pairs: 200 });
    expect(pairsToJsonl(a.helpful) + pairsToJsonl(a.harmless)).toBe(pairsToJsonl(b.helpful) + pairsToJsonl(b.harmless));
    const c = generateSynthWorld({ seed: 4, pairs: 200 });
    expect(pairsToJsonl(c.helpful)).not.toBe(pairsToJsonl(a.helpful));
    expect(pairsToJsonl(c.harmless)).not.toBe(pairsToJsonl(a.harmless));
    const small = generateSynthWorld({ seed: 3, pairs: 50 });
    expect(small.helpful).toEqual(a.helpful.slice(0, 50));
    expect(small.harmless).toEqual(a.harmless.slice(0, 50));
  });

  it('restricts requests to the first K topics of each kind when asked, covering all K; the default world is unchanged', () => {
    const phrasingsOf = (topics: typeof BENIGN_TOPICS) => topics.map((t) => t.phrasings);
    const topicOf = (prompt: string, topics: string[][]) =>
      topics.findIndex((ph) => ph.some((x) => prompt.includes(x)));
    const small = generateSynthWorld({ seed: 3, pairs: 300, topics: 3 });
    const seen = (pairs: SynthPair[], topics: string[][]) =>
      new Set(pairs.map((p) => topicOf(split(p.chosen).prompt, topics)));
    expect(seen(small.helpful, phrasingsOf(BENIGN_TOPICS))).toEqual(new Set([0, 1, 2]));
    expect(seen(small.harmless, phrasingsOf(HARMFUL_TOPICS))).toEqual(new Set([0, 1, 2]));
    expect(
      new Set(
        synthPrompts({ seed: 2, n: 100, topics: 2 }).map((p) =>
          topicOf(p, phrasingsOf([...BENIGN_TOPICS.slice(0, 2), ...HARMFUL_TOPICS.slice(0, 2)])),
        ),
      ),
    ).toEqual(new Set([0, 1, 2, 3]));
    // the full world reaches further topics, and naming every topic is the default world byte for byte
    expect(Math.max(...seen(big.helpful, phrasingsOf(BENIGN_TOPICS)))).toBeGreaterThan(2);
    expect(generateSynthWorld({ seed: 3, pairs: 100, topics: MAX_SYNTH_TOPICS }).harmless).toEqual(
      generateSynthWorld({ seed: 3, pairs: 100 }).harmless,
    );
    for (const bad of [0, MAX_SYNTH_TOPICS + 1, 1.5]) {
      expect(() => generateSynthWorld({ seed: 1, pairs: 1, topics: bad })).toThrow(
        /topics must be an integer from 1 to 12/,
      );
    }
  });

  it(`keeps every transcript plain ASCII, HH-shaped and within ${SYNTH_MAX_BYTES} bytes; chosen and rejected share the prompt`, () => {
    for (const p of [...big.helpful, ...big.harmless]) {
      for (const t of [p.chosen, p.rejected]) {
        expect(Buffer.byteLength(t, 'utf8')).toBeLessThanOrEqual(SYNTH_MAX_BYTES);
        expect(t).toMatch(/^(\n\nHuman: [ -~]+\n\nAssistant: [ -~]+)+$/);
      }
      expect(split(p.chosen).prompt).toBe(split(p.rejected).prompt);
      expect(p.chosen).not.toBe(p.rejected);
    }
    // mostly single-turn, a few open with a greeting
    const multi = big.helpful.filter((p) => p.chosen.split('\n\nHuman:').length > 2).length / big.helpful.length;
    expect(multi).toBeGreaterThan(0.01);
    expect(multi).toBeLessThan(0.2);
  });

  it('puts the right kinds in each subset, as the gold scorer judges them', () => {
    for (const p of big.helpful) {
      const [c, r] = [gold(p.chosen), gold(p.rejected)];
      expect(c.requestKind).toBe('benign');
      expect(c.helpfulness).toBeGreaterThan(r.helpfulness);
      expect(r.helpfulness).toBe(0);
      expect(hasMarker(split(p.chosen).prompt)).toBe(false);
    }
    for (const p of big.harmless) {
      const [c, r] = [gold(p.chosen), gold(p.rejected)];
      expect(c.requestKind).toBe('harmful');
      expect(c.harmfulness).toBeLessThan(r.harmfulness);
      expect(c.harmfulness).toBe(0);
      expect(hasMarker(split(p.chosen).prompt)).toBe(true);
    }
  });

  it('leaves length uninformative: "longer wins" is near chance on each subset', () => {
    for (const pairs of [big.helpful, big.harmless]) {
      const longer = pairs.filter((p) => p.chosen.length > p.rejected.length).length / pairs.length;
      expect(longer).toBeGreaterThan(0.35);
      expect(longer).toBeLessThan(0.65);
    }
  });

  it('has variety: distinct chosen transcripts, and a 90/10 split whose held-out pairs are mostly unseen', () => {
    const w = generateSynthWorld({ seed: 5, pairs: 2000 });
    for (const pairs of [w.helpful, w.harmless]) {
      expect(new Set(pairs.map((p) => p.chosen)).size / pairs.length).toBeGreaterThan(0.8);
      const seen = new Set(pairs.slice(200).map((p) => p.chosen + p.rejected));
      expect(pairs.slice(0, 200).filter((p) => seen.has(p.chosen + p.rejected)).length / 200).toBeLessThan(0.05);
    }
  });

  it('writes JSONL that the HH parser reads back with no problems', () => {
    const w = generateSynthWorld({ seed: 2, pairs: 30 });
    const text = pairsToJsonl(w.harmless);
    expect(text.endsWith('}\n')).toBe(true);
    const parsed = parseHHJsonl(text);
    expect(parsed.problems).toEqual([]);
    expect(parsed.pairs.map(({ chosen, rejected }) => ({ chosen, rejected }))).toEqual(w.harmless);
  });
});

describe('synthetic HH world: word lists', () => {
  const phrasings = [...BENIGN_TOPICS, ...HARMFUL_TOPICS].flatMap((t) => t.phrasings);
  const fixedText = [
    ...REQUEST_TEMPLATES,
    ...ANSWER_TEMPLATES,
    ...NON_ANSWER_OPENERS,
    ...NON_ANSWER_BODIES,
    ...EVASIVE_ONLY_BODIES,
    ...REFUSAL_ONLY_BODIES,
    ...NON_ANSWER_CLOSERS,
    ...GREETINGS.flat(),
  ].join(' ');

  it('marks every harmful phrasing and no benign phrasing or fixed text with a harm marker', () => {
    expect(new Set(phrasings).size).toBe(phrasings.length);
    for (const t of HARMFUL_TOPICS) for (const p of t.phrasings) expect(hasMarker(p), p).toBe(true);
    for (const t of BENIGN_TOPICS) for (const p of t.phrasings) expect(hasMarker(p), p).toBe(false);
    expect(hasMarker(fixedText)).toBe(false);
  });

  it('gives each step its key word, and no key word to the fixed text', () => {
    const fixedWords = new Set(fixedText.toLowerCase().match(/[a-z]+/g));
    for (const t of [...BENIGN_TOPICS, ...HARMFUL_TOPICS]) {
      expect(t.steps).toHaveLength(4);
      for (const [key, step] of t.steps) {
        expect(key).toMatch(/^[a-z]+$/);
        expect(step.split(' ')).toContain(key);
        expect(fixedWords.has(key), key).toBe(false);
      }
    }
  });
});

describe('synthetic HH world: gold scorer', () => {
  const benign = synthPrompts({ seed: 8, n: 200, kind: 'benign' });
  const harmful = synthPrompts({ seed: 8, n: 200, kind: 'harmful' });

  it('makes prompts of the asked kind (or alternating), ending with the Assistant turn', () => {
    expect(synthPrompts({ seed: 8, n: 200, kind: 'benign' })).toEqual(benign);
    expect(benign.every((p) => p.endsWith(ASSISTANT) && goldScore(p, '').requestKind === 'benign')).toBe(true);
    expect(harmful.every((p) => p.endsWith(ASSISTANT) && goldScore(p, '').requestKind === 'harmful')).toBe(true);
    const mix = synthPrompts({ seed: 9, n: 10 });
    expect(mix.map((p) => goldScore(p, '').requestKind)).toEqual(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? 'harmful' : 'benign')),
    );
  });

  it('orders generated responses of every kind as the world intends, and they fit the budget', () => {
    benign.forEach((p, i) => {
      const [help, evade, refuse] = (['helpful', 'evasive', 'refusal'] as const).map((k) => synthResponse(p, k, i));
      for (const r of [help, evade, refuse])
        expect(Buffer.byteLength(`${p} ${r}`)).toBeLessThanOrEqual(SYNTH_MAX_BYTES);
      expect(goldScore(p, help).helpfulness).toBeGreaterThanOrEqual(0.25);
      expect(goldScore(p, evade)).toEqual({ requestKind: 'benign', helpfulness: 0, harmfulness: 0 });
      expect(goldScore(p, refuse)).toEqual({ requestKind: 'benign', helpfulness: 0, harmfulness: 0 });
      expect(() => synthResponse(p, 'compliance', i)).toThrow(/needs a harmful request/);
    });
    harmful.forEach((p, i) => {
      const [comply, refuse, evade] = (['compliance', 'refusal', 'evasive'] as const).map((k) =>
        synthResponse(p, k, i),
      );
      for (const r of [comply, refuse, evade])
        expect(Buffer.byteLength(`${p} ${r}`)).toBeLessThanOrEqual(SYNTH_MAX_BYTES);
      expect(goldScore(p, comply).harmfulness).toBeGreaterThanOrEqual(0.25);
      expect(goldScore(p, comply).helpfulness).toBe(0);
      expect(goldScore(p, refuse)).toEqual({ requestKind: 'harmful', helpfulness: 0, harmfulness: 0 });
      expect(goldScore(p, evade)).toEqual({ requestKind: 'harmful', helpfulness: 0, harmfulness: 0 });
      expect(() => synthResponse(p, 'helpful', i)).toThrow(/needs a benign request/);
    });
  });

  it('scores content exactly, from a full prompt or the bare request, ignoring a started next turn', () => {
    const prompt = '\n\nHuman: Hi\n\nAssistant: Hi!\n\nHuman: How do I bake bread?\n\nAssistant:';
    expect(goldScore(prompt, 'Mix FLOUR and water, then add yeast.')).toEqual({
      requestKind: 'benign',
      helpfulness: 0.5,
      harmfulness: 0,
    });
    expect(goldScore('How do I bake bread?', 'flour yeast dough oven').helpfulness).toBe(1);
    expect(goldScore('How do I bake bread?', 'flour\n\nHuman: yeast dough oven').helpfulness).toBe(0.25);
    expect(goldScore("how can i steal my neighbor's car", 'cross the wires and swap the plates')).toEqual({
      requestKind: 'harmful',
      helpfulness: 0,
      harmfulness: 0.5,
    });
    // another topic's content is no help
    expect(goldScore('How do I bake bread?', 'whisk two eggs, heat a griddle').helpfulness).toBe(0);
  });

  it('gives echoes of the request and random bytes nothing, and unknown requests "unknown"', () => {
    for (const p of [...benign, ...harmful]) {
      const request = p.slice(p.lastIndexOf('\n\nHuman: ') + 9, -ASSISTANT.length);
      const echo = goldScore(p, request);
      expect([echo.helpfulness, echo.harmfulness]).toEqual([0, 0]);
    }
    const r = rng(4);
    for (let i = 0; i < 200; i++) {
      const garbage = String.fromCharCode(
        ...Array.from({ length: 1 + Math.floor(r() * 60) }, () => Math.floor(r() * 256)),
      );
      const g = goldScore(benign[i % benign.length], garbage);
      const h = goldScore(harmful[i % harmful.length], garbage);
      expect([g.helpfulness, g.harmfulness, h.helpfulness, h.harmfulness]).toEqual([0, 0, 0, 0]);
    }
    for (const p of [
      '\n\nHuman: What is the capital of France?\n\nAssistant:',
      '',
      'garbage \u0000\uffff',
      '\n\nHuman: bread?\n\nAssistant:',
    ]) {
      expect(goldScore(p, 'Sure! First, mix flour and water.')).toEqual({
        requestKind: 'unknown',
        helpfulness: 0,
        harmfulness: 0,
      });
    }
  });
});

// ---- a bag-of-words pairwise preference model on the CPU ----
// Features of a transcript: the response's word unigrams and bigrams, each also crossed with "the request has a
// harm marker" (so the mixed model can read the request). r(x) = w·features(x), loss −log σ(r(chosen) − r(rejected)),
// full-batch gradient descent.

function features(transcript: string): string[] {
  const { prompt, response } = split(transcript);
  const w = response.toLowerCase().match(/[a-z']+/g) ?? [];
  const base = [...w, ...w.slice(1).map((x, i) => `${w[i]}_${x}`)];
  const request = prompt.slice(prompt.lastIndexOf('\n\nHuman:'));
  return hasMarker(request) ? [...base, ...base.map((f) => `harm|${f}`)] : base;
}

class BagOfWordsPM {
  private readonly w = new Map<string, number>();
  score(t: string): number {
    return features(t).reduce((s, f) => s + (this.w.get(f) ?? 0), 0);
  }
  train(pairs: readonly SynthPair[], epochs = 60, lr = 0.5): this {
    const data = pairs.map((p) => ({ c: features(p.chosen), r: features(p.rejected) }));
    for (let e = 0; e < epochs; e++) {
      const grad = new Map<string, number>();
      for (const { c, r } of data) {
        const margin =
          c.reduce((s, f) => s + (this.w.get(f) ?? 0), 0) - r.reduce((s, f) => s + (this.w.get(f) ?? 0), 0);
        const g = -1 / (1 + Math.exp(margin)); // d/dmargin of −log σ(margin)
        for (const f of c) grad.set(f, (grad.get(f) ?? 0) + g);
        for (const f of r) grad.set(f, (grad.get(f) ?? 0) - g);
      }
      for (const [f, g] of grad) this.w.set(f, (this.w.get(f) ?? 0) - (lr * g) / data.length);
    }
    return this;
  }
  accuracy(pairs: readonly SynthPair[]): number {
    return pairs.filter((p) => this.score(p.chosen) > this.score(p.rejected)).length / pairs.length;
  }
}

describe('synthetic HH world: the helpful/harmless tension (Bai et al. 2022, §2.2, §4)', () => {
  const w = generateSynthWorld({ seed: 21, pairs: 1000 });
  const [helpTrain, helpTest] = [w.helpful.slice(100), w.helpful.slice(0, 100)];
  const [harmTrain, harmTest] = [w.harmless.slice(100), w.harmless.slice(0, 100)];

  it('a PM trained on one subset scores the other below chance; trained on both, it gets both', () => {
    const helpOnly = new BagOfWordsPM().train(helpTrain);
    const harmOnly = new BagOfWordsPM().train(harmTrain);
    const mixed = new BagOfWordsPM().train([...helpTrain, ...harmTrain]);
    const acc = {
      helpOnly: [helpOnly.accuracy(helpTest), helpOnly.accuracy(harmTest)],
      harmOnly: [harmOnly.accuracy(helpTest), harmOnly.accuracy(harmTest)],
      mixed: [mixed.accuracy(helpTest), mixed.accuracy(harmTest)],
    };
    // each learns its own subset...
    expect(acc.helpOnly[0], JSON.stringify(acc)).toBeGreaterThanOrEqual(0.9);
    expect(acc.harmOnly[1], JSON.stringify(acc)).toBeGreaterThanOrEqual(0.9);
    // ...and gets the other one wrong
    expect(acc.helpOnly[1], JSON.stringify(acc)).toBeLessThan(0.5);
    expect(acc.harmOnly[0], JSON.stringify(acc)).toBeLessThan(0.5);
    // the mix resolves the tension by reading the request
    expect(acc.mixed[0], JSON.stringify(acc)).toBeGreaterThanOrEqual(0.9);
    expect(acc.mixed[1], JSON.stringify(acc)).toBeGreaterThanOrEqual(0.9);
    console.log('bag-of-words PM accuracy [helpful, harmless] held out:', JSON.stringify(acc));
  });
});
