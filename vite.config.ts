import { defineConfig } from 'vite';

// The notebook is a static site: index.html + a module Worker that owns the GPU. WGSL files are
// imported as text (`?raw`). bench/kernels.html is served in dev only, for `npm run bench:kernels`.
export default defineConfig({
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  server: { host: 'localhost' },
});
