// Prints the README's configuration table from the config schema, so the two cannot drift apart.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_DIR, describeVariables } from '../src/config/env.js';

const defaults = Object.fromEntries(
  ['development', 'test', 'production'].map((env) => [
    env,
    JSON.parse(readFileSync(path.join(CONFIG_DIR, `${env}.json`), 'utf8')) as Record<string, unknown>,
  ]),
);

const show = (value: unknown) => (value === undefined ? '—' : `\`${String(value)}\``);
console.log('| Variable | Expected | development | production |');
console.log('| --- | --- | --- | --- |');
for (const { name, expected, fallback } of describeVariables()) {
  const dev = defaults.development?.[name] ?? fallback;
  const prod = defaults.production?.[name] ?? fallback;
  console.log(`| \`${name}\` | ${expected} | ${show(dev)} | ${show(prod)} |`);
}
