// `node --import ./scripts/register-raw.mjs …`: installs raw-loader.mjs (`?raw` text imports).
import { register } from 'node:module';

register('./raw-loader.mjs', import.meta.url);
