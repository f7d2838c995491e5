// Writes .dev.vars from .dev.vars.example, replacing each <generate:KIND> placeholder with
// fresh random bytes, so every checkout gets its own local secrets.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const [example, out] = process.argv.slice(2);
const kinds = {
  hex32: () => randomBytes(32).toString('hex'),
  base64url32: () => randomBytes(32).toString('base64url'),
};
const text = readFileSync(example, 'utf8').replace(/<generate:(\w+)>/g, (_, kind) => {
  if (!kinds[kind]) throw new Error(`unknown generator ${kind} in ${example}`);
  return kinds[kind]();
});
writeFileSync(out, text, { mode: 0o600 });
