// npm run bench:compare -- --baseline <git ref> [bench words…]: runs the named benches on an earlier commit
// and on the working tree, one after the other on the same machine, and prints both side by side. A
// figure only means something beside a baseline taken in the same session, so this is how a change's
// cost is measured. The baseline is a detached git worktree sharing this checkout's installed modules.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

/** The figures a redesign must keep (within 10 %), by bench and key; `higher` marks a throughput. */
const WATCHED: Array<{ bench: string; key: string; label: string; higher?: boolean }> = [
  { bench: 'LTI launch', key: 'launchesPerSecond', label: 'launch throughput (launches/s)', higher: true },
  { bench: 'LTI launch', key: 'underLoadP95Ms', label: 'launch p95 under load (ms)' },
  { bench: 'Learner chat', key: 'pacedAnswerP50Ms', label: 'chat paced p50 (ms)' },
  { bench: 'Learner chat', key: 'pacedAnswerP95Ms', label: 'chat paced p95 (ms)' },
  { bench: 'Admin inbox', key: 'default views + counts p95 ms', label: 'inbox views p95 (ms)' },
  { bench: 'Admin inbox', key: 'claim (thread open first) p95 ms', label: 'claim p95 (ms)' },
];

const DEFAULT_BENCHES = ['LTI launch', 'Learner chat', 'Admin inbox'];

type Figures = Map<string, string[]>;

const { values, positionals } = parseArgs({
  options: { baseline: { type: 'string' }, rounds: { type: 'string', default: '1' } },
  allowPositionals: true,
});
if (!values.baseline) {
  console.error('usage: npm run bench:compare -- --baseline <git ref> [--rounds n] [bench words…]');
  process.exit(2);
}

const root = path.resolve(import.meta.dirname, '..');
const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
const sha = git('rev-parse', '--verify', `${values.baseline}^{commit}`);
const current = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? '+changes' : ''}`;
const benches = positionals.length ? positionals : DEFAULT_BENCHES;
const rounds = Math.max(1, Number(values.rounds) || 1);

const baselineDir = path.join(os.tmpdir(), `chatref-baseline-${sha.slice(0, 12)}`);
if (!existsSync(baselineDir)) git('worktree', 'add', '--detach', baselineDir, sha);
for (const shared of ['node_modules', '.tools']) {
  const target = path.join(baselineDir, shared);
  if (!existsSync(target) && existsSync(path.join(root, shared)))
    symlinkSync(path.join(root, shared), target);
}

/** Runs `bench/run.ts` in a tree and reads its "## name" sections of "  key   value" lines. */
function runBench(cwd: string): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['bench/run.ts', ...benches], {
      cwd,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench in ${cwd} exited with ${code}`));
      // Lines read "  <key padded to 32> <value>": a key of 32 characters or more is followed by a single
      // space, so sections keep their lines and a figure is found by its key.
      const figures: Figures = new Map();
      let section: string[] | undefined;
      for (const line of output.split('\n')) {
        if (line.startsWith('## ')) {
          section = [];
          figures.set(line.slice(3), section);
        } else if (section && line.startsWith('  ')) section.push(line.trim());
      }
      resolve(figures);
    });
  });
}

const figureOf = (figures: Figures, bench: string, key: string) => {
  for (const [name, lines] of figures) {
    if (!name.startsWith(bench)) continue;
    const line = lines.find((candidate) => candidate.startsWith(`${key} `));
    return line ? Number.parseFloat(line.slice(key.length)) : Number.NaN;
  }
  return Number.NaN;
};
const median = (list: number[]): number => {
  const sorted = list.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

const runs: { baseline: Figures[]; current: Figures[] } = { baseline: [], current: [] };
for (let round = 0; round < rounds; round++) {
  console.log(`\n# round ${round + 1}: baseline ${sha.slice(0, 8)}`);
  runs.baseline.push(await runBench(baselineDir));
  console.log(`\n# round ${round + 1}: current ${current}`);
  runs.current.push(await runBench(root));
}

const rows = WATCHED.filter((w) => benches.some((b) => w.bench.toLowerCase().includes(b.toLowerCase())));
console.log(
  `\n## Baseline ${sha.slice(0, 8)} vs current ${current} — ${os.cpus().length} cores, median of ${rounds} round(s)`,
);
console.log(`| figure | baseline | current | change | within 10 % |`);
console.log(`|---|---|---|---|---|`);
let worse = 0;
for (const row of rows) {
  const before = median(runs.baseline.map((f) => figureOf(f, row.bench, row.key)));
  const after = median(runs.current.map((f) => figureOf(f, row.bench, row.key)));
  const change = ((after - before) / before) * 100;
  const ok = row.higher ? after >= before * 0.9 : after <= before * 1.1;
  if (!ok) worse++;
  console.log(
    `| ${row.label} | ${before} | ${after} | ${Number.isFinite(change) ? `${change >= 0 ? '+' : ''}${change.toFixed(1)} %` : 'n/a'} | ${ok ? '✓' : '✗'} |`,
  );
}
process.exit(worse ? 1 : 0);
