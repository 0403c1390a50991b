// `rlhf <command> [options]`: the notebook's trainers on the command line (Node + Dawn).

import { UsageError } from './args.ts';
import { info } from './info.ts';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<void>; summary: string }> = {
  info: { run: info, summary: 'the WebGPU adapter in use and its limits [--json]' },
};

function usage(): string {
  return `usage: rlhf <command> [options]\n\ncommands:\n${Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
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
