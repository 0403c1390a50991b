// Fails when a line of the project's code is longer than 120 characters, naming each file:line. The formatter
// (Biome, lineWidth 120) wraps code but leaves strings, templates and comments as written; this checks them too.
// Usage: node scripts/check-line-length.mjs  (run by `npm test` and `npm run lint`)

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX = 120;
const roots = ['src', 'test', 'scripts', 'bench', '*.ts', '*.cjs', '*.mjs'];
const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', ...roots], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => /\.(ts|mjs|cjs|js|wgsl)$/.test(f));

const long = [];
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // listed by git but deleted in the work tree
  }
  text.split('\n').forEach((line, i) => {
    if ([...line].length > MAX) long.push(`${file}:${i + 1}: ${[...line].length} characters`);
  });
}
if (long.length) {
  console.error(
    `${long.length} line${long.length > 1 ? 's are' : ' is'} longer than ${MAX} characters:\n${long.join('\n')}`,
  );
  process.exit(1);
}
console.log(`line length: ${files.length} files, every line at most ${MAX} characters`);
