// kassa-core compiled to wasm for Node (built by `make build-core-js`).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const core = require('../core-js/pkg/kassa_core_js.js');
