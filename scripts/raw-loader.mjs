// Node module hooks so that `import code from './x.wgsl?raw'` works outside Vite (the `rlhf` command
// line, Node benchmarks), exactly as it does in Vite: the default export is the file's text.
import { readFile } from 'node:fs/promises';

export async function resolve(specifier, context, next) {
  if (specifier.endsWith('?raw')) {
    const { url } = await next(specifier.slice(0, -4), context);
    return { url: `${url}?raw`, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.endsWith('?raw')) {
    const text = await readFile(new URL(url.slice(0, -4)), 'utf8');
    return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
  }
  return next(url, context);
}
