// `rlhf <command> [options]`: the notebook's trainers on the command line (Node + Dawn).

import { UsageError } from './args.ts';
import { elo } from './elo.ts';
import { info } from './info.ts';
import { lmEval } from './lm-eval.ts';
import { logits } from './logits.ts';
import { ood } from './ood.ts';
import { online } from './online.ts';
import { pm } from './pm.ts';
import { pmCrossfit } from './pm-crossfit.ts';
import { pmEval } from './pm-eval.ts';
import { ppo } from './ppo.ts';
import { pretrain } from './pretrain.ts';
import { sample } from './sample.ts';
import { synth } from './synth.ts';
import { tension } from './tension.ts';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<void>; summary: string }> = {
  info: { run: info, summary: 'the WebGPU adapter in use and its limits [--json]' },
  pretrain: {
    run: pretrain,
    summary:
      'train a language model on HH transcripts: --data FILE… --preset NAME [--init MODEL] --steps N --out MODEL.safetensors [--report R.json]',
  },
  pm: {
    run: pm,
    summary:
      'train a preference model on HH comparisons: --train FILE… [--eval FILE…] [--init MODEL] --preset NAME --out PM.safetensors [--report R.json]',
  },
  'pm-crossfit': {
    run: pmCrossfit,
    summary:
      'pool the reports of rlhf pm --fold 1/K … K/K: every pair scored by the PM that never trained on it: --reports R1.json … [--report R.json]',
  },
  'pm-eval': {
    run: pmEval,
    summary: 'evaluate a preference model: --pm PM.safetensors --data FILE… [--report R.json]',
  },
  ppo: {
    run: ppo,
    summary:
      'RLHF with PPO against a preference model: --policy MODEL --pm PM [--test-pm PM2] --prompts FILE… --iterations N --out POLICY.safetensors [--report R.json]',
  },
  online: {
    run: online,
    summary:
      'iterated online RLHF: sample, label, retrain the PM, PPO, Elo, per round: --policy MODEL --prompts FILE… --labeller gold|PM --rounds N --iterations K --out DIR [--report R.json]',
  },
  tension: {
    run: tension,
    summary:
      'the helpful-vs-harmless tension explorer: helpful-only, harmless-only and mixed PMs, PPO against each, their answers: --base MODEL --helpful FILE --harmless FILE --out DIR',
  },
  elo: {
    run: elo,
    summary:
      'Elo leaderboard of policies judged by a PM and/or the gold scorer: --policies P1 P2 … (--pm PM | --gold) --prompts FILE… [--report R.json]',
  },
  'lm-eval': {
    run: lmEval,
    summary:
      'held-out LM loss of checkpoints on the same batches (the alignment tax): --models M0 M1 … --data FILE… [--sides both --batch B --seq T --seed S] [--report R.json]',
  },
  ood: {
    run: ood,
    summary:
      'detect harmful prompts from activations (Mahalanobis AUROC): --model M --fit FILE… --eval-in FILE… --eval-out FILE… [--layer L --pool last|mean --expose K] [--report R.json]',
  },
  logits: {
    run: logits,
    summary: 'next-token logits after token ids, for parity checks: --model MODEL --tokens 1,2,3 [--json]',
  },
  sample: {
    run: sample,
    summary: 'continue a prompt: --model MODEL --prompt TEXT [--n K --max-tokens M --temperature T --top-k K --seed S]',
  },
  synth: {
    run: synth,
    summary:
      'write the synthetic HH world: --out DIR [--seed S --pairs N --topics K] → DIR/synth-helpful.jsonl, DIR/synth-harmless.jsonl',
  },
};

function usage(): string {
  return `usage: rlhf <command> [options]\n\ncommands:\n${Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(11)} ${c.summary}`)
    .join('\n')}\n`;
}

const [name, ...argv] = process.argv.slice(2);
const command = name ? COMMANDS[name] : undefined;
if (!command) {
  process.stderr.write(name && name !== '--help' ? `rlhf: unknown command "${name}"\n\n${usage()}` : usage());
  process.exit(name && name !== '--help' ? 2 : 0);
}
try {
  await command.run(argv);
  process.exit(0);
} catch (e) {
  process.stderr.write(`rlhf ${name}: ${(e as Error).message}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
}
