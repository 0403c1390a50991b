#!/usr/bin/env node
// The `rlhf` command line: runs src/cli/main.ts on Node with Dawn, the same compute code as the
// notebook's Worker. TypeScript through tsx; `?raw` WGSL imports through scripts/raw-loader.mjs.
import { register } from 'node:module';

register('../scripts/raw-loader.mjs', import.meta.url);
const { register: registerTsx } = await import('tsx/esm/api');
registerTsx();
await import('../src/cli/main.ts');
