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
    {
      name: 'util-imports-nothing',
      comment: 'util/ is the ground floor: it imports nothing else in src.',
      severity: 'error',
      from: { path: floor('util') },
      to: { path: '^src/', pathNot: floor('util') },
    },
    {
      name: 'kernels-import-only-kernels-and-util',
      comment: 'kernels/ import nothing above them: only other kernels and util/.',
      severity: 'error',
      from: { path: floor('kernels') },
      to: { path: '^src/', pathNot: floor('kernels', 'util') },
    },
    {
      name: 'data-imports-only-data-and-util',
      comment: 'data/ is host-side text (tokenizers, datasets, batches): no GPU and no models, only data/ and util/.',
      severity: 'error',
      from: { path: floor('data') },
      to: { path: '^src/', pathNot: floor('data', 'util') },
    },
    {
      name: 'models-import-only-kernels-data-util',
      comment: 'models/ build on kernels/ and read data/ batches and tokenizers; nothing from eval/ up.',
      severity: 'error',
      from: { path: floor('models') },
      to: { path: '^src/', pathNot: floor('models', 'kernels', 'data', 'util') },
    },
    {
      name: 'eval-below-train',
      comment: 'eval/ never imports train/, worker/, cli/, ui/, store/ or the protocol (they all build on it).',
      severity: 'error',
      from: { path: floor('eval') },
      to: { path: floor('train', 'worker', 'cli', 'ui', 'store', 'protocol') },
    },
    {
      name: 'train-below-worker-and-cli',
      comment: 'train/ runs unchanged under the CLI and the Worker: it never imports worker/, cli/, ui/, store/ '
        + 'or the protocol (a run takes plain settings; the Worker translates messages into them).',
      severity: 'error',
      from: { path: floor('train') },
      to: { path: floor('worker', 'cli', 'ui', 'store', 'protocol') },
    },
    {
      name: 'protocol-imports-types-only',
      comment: 'The protocol owns every message type; payload types from lower floors come in with `import type` '
        + 'only, so the contract carries no code.',
      severity: 'error',
      from: { path: floor('protocol') },
      to: { path: '^src/', pathNot: floor('protocol'), dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'protocol-below-worker-and-ui',
      comment: 'The protocol never imports the worker, the CLI, the UI or the store: both ends import it.',
      severity: 'error',
      from: { path: floor('protocol') },
      to: { path: floor('worker', 'cli', 'ui', 'store') },
    },
    {
      name: 'worker-never-imports-ui-cli-store',
      comment: 'worker/ answers protocol commands; it never imports the UI, the CLI or the IndexedDB store.',
      severity: 'error',
      from: { path: floor('worker') },
      to: { path: floor('ui', 'cli', 'store') },
    },
    {
      name: 'cli-never-imports-worker-ui-store',
      comment: 'cli/ calls train/ and eval/ directly: never worker/, ui/ or the browser-only store/.',
      severity: 'error',
      from: { path: floor('cli') },
      to: { path: floor('worker', 'ui', 'store') },
    },
    {
      name: 'store-never-imports-compute-or-ui',
      comment: 'store/ keeps records (message payloads included, as types): never ui/, worker/, cli/, train/, '
        + 'models/ or kernels/.',
      severity: 'error',
      from: { path: floor('store') },
      to: { path: floor('ui', 'worker', 'cli', 'train', 'models', 'kernels') },
    },
    {
      name: 'ui-reaches-compute-through-the-protocol',
      comment: 'ui/ never imports train/, worker/, kernels/ or cli/: it sends protocol commands to the Worker '
        + '(started by URL in worker-client.ts, not imported) and uses pure helpers from data/, eval/ and util/.',
      severity: 'error',
      from: { path: floor('ui') },
      to: { path: floor('train', 'worker', 'kernels', 'cli') },
    },
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
