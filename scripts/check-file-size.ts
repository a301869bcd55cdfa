// Part of `npm run lint`: no source file under src/ or public/js/ grows past 500 lines (data files, named
// `*.data.ts`, excepted). A file that long holds more than one job; split it by concept instead.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const MAX_LINES = 500;
const ROOTS = ['src', 'public/js'];
const root = path.resolve(import.meta.dirname, '..');

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (/\.(ts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.data.ts')) yield full;
  }
}

const tooLong: string[] = [];
for (const base of ROOTS)
  for (const file of sourceFiles(path.join(root, base))) {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').length;
    if (lines > MAX_LINES) tooLong.push(`${path.relative(root, file)}: ${lines} lines`);
  }
if (tooLong.length) {
  console.error(`Files over ${MAX_LINES} lines (split them by concept):\n  ${tooLong.join('\n  ')}`);
  process.exit(1);
}
console.log(`file sizes: every file under ${ROOTS.join(', ')} within ${MAX_LINES} lines`);
