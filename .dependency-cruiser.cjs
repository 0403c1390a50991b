// The layer rules of src/, checked by dependency-cruiser (`npm run lint:deps`, and `npm test` before vitest).
//
// The floors, lowest first; each imports only from its own floor and those below it:
//   util      host helpers with no dependencies (seeded random numbers, formatting)
//   kernels   the WebGPU runtime (gpu.ts) and the WGSL kernels with their launchers and float64 references
//   data      host-side text: tokenizers, HH parsing, the synthetic world, batches (no GPU, no models)
//   models    GPT, heads, preference model, sampler, checkpoints (they read data's batches and tokenizers)
//   eval      metrics and evaluation runs over models and data
//   train     trainers and runs (one settings object -> trainer), shared by the CLI and the Worker
//   protocol  the typed commands and events between the notebook and its Worker (types only from below)
//   worker    the Web Worker: translates protocol commands into train/ and eval/ calls
//   cli       the `rlhf` command line: parses arguments, calls train/ and eval/, writes files
//   store     the notebook's IndexedDB records
//   ui        Lit elements: reach compute only through the protocol and pure helpers in data, eval and util
//
// Type-only imports count (tsPreCompilationDeps): a type that points upward still ties a lower floor to a
// higher one, and `import type` cycles are the ones this project had. The protocol is the one place where
// the kind of import matters: it may name payload types from lower floors, but only with `import type`.

/** A folder of src/ (`protocol` is src/protocol.ts or a src/protocol/ folder). */
const floor = (...names) => `^src/(${names.join('|')})(/|\\.ts$)`;

/** A floor that imports from src only `allowed` (itself included in the list). */
const onlyFrom = (name, comment, from, allowed) =>
  ({ name, comment, severity: 'error', from: { path: floor(from) }, to: { path: '^src/', pathNot: floor(...allowed) } });

/** A floor that never imports `banned`. */
const never = (name, comment, from, banned) =>
  ({ name, comment, severity: 'error', from: { path: floor(from) }, to: { path: floor(...banned) } });

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'No import cycle anywhere in src, type-only imports included: every floor must be buildable alone.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    onlyFrom('util-imports-nothing', 'util/ is the ground floor: it imports nothing else in src.', 'util', ['util']),
    onlyFrom('kernels-import-only-kernels-and-util', 'kernels/ import nothing above them: only other kernels and util/.',
      'kernels', ['kernels', 'util']),
    onlyFrom('data-imports-only-data-and-util',
      'data/ is host-side text (tokenizers, datasets, batches): no GPU and no models, only data/ and util/.',
      'data', ['data', 'util']),
    onlyFrom('models-import-only-kernels-data-util',
      'models/ build on kernels/ and read data/ batches and tokenizers; nothing from eval/ up.',
      'models', ['models', 'kernels', 'data', 'util']),
    never('eval-below-train',
      'eval/ never imports train/, worker/, cli/, ui/, store/ or the protocol (they all build on it).',
      'eval', ['train', 'worker', 'cli', 'ui', 'store', 'protocol']),
    never('train-below-worker-and-cli',
      'train/ runs unchanged under the CLI and the Worker: it never imports worker/, cli/, ui/, store/ or the '
        + 'protocol (a run takes plain settings; the Worker translates messages into them).',
      'train', ['worker', 'cli', 'ui', 'store', 'protocol']),
    {
      name: 'protocol-imports-types-only',
      comment: 'The protocol owns every message type; payload types from lower floors come in with `import type` '
        + 'only, so the contract carries no code.',
      severity: 'error',
      from: { path: floor('protocol') },
      to: { path: '^src/', pathNot: floor('protocol'), dependencyTypesNot: ['type-only'] },
    },
    never('protocol-below-worker-and-ui',
      'The protocol never imports the worker, the CLI, the UI or the store: both ends import it.',
      'protocol', ['worker', 'cli', 'ui', 'store']),
    never('worker-never-imports-ui-cli-store',
      'worker/ answers protocol commands; it never imports the UI, the CLI or the IndexedDB store.',
      'worker', ['ui', 'cli', 'store']),
    never('cli-never-imports-worker-ui-store',
      'cli/ calls train/ and eval/ directly: never worker/, ui/ or the browser-only store/.',
      'cli', ['worker', 'ui', 'store']),
    never('store-never-imports-compute-or-ui',
      'store/ keeps records (message payloads included, as types): never ui/, worker/, cli/, train/, models/ or '
        + 'kernels/.',
      'store', ['ui', 'worker', 'cli', 'train', 'models', 'kernels']),
    never('ui-reaches-compute-through-the-protocol',
      'ui/ never imports train/, worker/, kernels/ or cli/: it sends protocol commands to the Worker (started by URL '
        + 'in worker-client.ts, not imported) and uses pure helpers from data/, eval/ and util/.',
      'ui', ['train', 'worker', 'kernels', 'cli']),
    {
      name: 'src-never-imports-tests-or-tools',
      comment: 'Nothing in src imports test/, bench/ or scripts/.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'no-unresolvable-imports',
      comment: 'An import that resolves to nothing is a typo or a deleted file (tsc catches most; this catches all).',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Only src/ is layered; node_modules is never followed (its insides are not ours to check).
    includeOnly: '^src/',
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
    // `?raw` WGSL imports (Vite) are files, not modules with imports.
    exclude: { path: '\\.wgsl$' },
  },
};
