import { defineConfig } from 'vite';

// The notebook is a static site: index.html + a module Worker that owns the GPU. WGSL files are
// imported as text (`?raw`). bench/kernels.html is served in dev only, for `npm run bench:kernels`.
export default defineConfig({
  worker: { format: 'es' },
  // Dependencies reached only from the Worker (loaded by `new URL(…)`, which Vite's start-up scan does not
  // follow) would be discovered on first use and reload the page: pre-bundle them up front.
  optimizeDeps: { include: ['gpt-tokenizer/encoding/r50k_base'] },
  build: { target: 'es2022', sourcemap: true },
  server: { host: 'localhost' },
});
