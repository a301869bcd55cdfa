/**
 * In-process costs the tests used to assert against a clock (issue 19 item 16: performance belongs here,
 * not in tests):
 * - the live hub: registering 10,000 idle learner subscriptions (time, heap they hold), and closing them;
 * - keyword rules: one safe regex rule (`a+b`) over hostile input (4,000 × "a" then "!") at the length
 *   cap, the worst case the 8,000-character bound allows, p50/p99 of 50 runs;
 * - shutdown: a resource that never closes, with a 200 ms shutdown budget: how long the exit takes.
 * Nothing here needs a database or Redis. Standalone: `npx tsx bench/in-process.bench.ts`.
 */
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { EventStore } from '../src/events/event-store.js';
import { compileRules, matchKeywordRules } from '../src/handoff/keyword-rules.js';
import { Lifecycle } from '../src/lib/lifecycle.js';
import { createLogger } from '../src/lib/logger.js';
import type { LiveBus } from '../src/live/live-bus.js';
import { LiveHub } from '../src/live/live-hub.js';
import { percentile, round } from './support.js';

const SUBSCRIPTIONS = 10_000;

/** A full collection, when the process can be asked for one (heap figures are noise without it). */
function collect(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (() => void) | undefined;
  gc?.();
}

function liveHubFigures(): Record<string, number> {
  // Registration touches neither the bus nor the store (only a replay would read the store).
  const hub = new LiveHub({ bus: {} as LiveBus, store: {} as EventStore });
  collect();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = process.hrtime.bigint();
  const registrations = Array.from({ length: SUBSCRIPTIONS }, (_, i) =>
    hub.register(
      { tenantId: 'bench-tenant', audience: 'learner', conversationId: `c${i % 5000}`, userId: `u${i}` },
      () => undefined,
    ),
  );
  const registerMs = Number(process.hrtime.bigint() - started) / 1e6;
  collect();
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
  const closing = process.hrtime.bigint();
  for (const registration of registrations) registration.close();
  const closeMs = Number(process.hrtime.bigint() - closing) / 1e6;
  hub.close();
  return {
    liveHubSubscriptions: SUBSCRIPTIONS,
    liveHubRegisterMs: round(registerMs),
    liveHubHeapMb: round(heapMb),
    liveHubCloseMs: round(closeMs),
  };
}

function keywordFigures(): Record<string, number> {
  const rules = compileRules([
    {
      id: 'hostile',
      kind: 'regex',
      pattern: 'a+b',
      category: 'Bench',
      priority: 'normal',
      notify: [],
      enabled: true,
    },
  ]);
  const hostile = `${'a'.repeat(4000)}!`;
  const capped = `${'a'.repeat(8000)}!`;
  const time = (text: string) => {
    const samples: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = process.hrtime.bigint();
      matchKeywordRules(text, rules);
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return samples;
  };
  const short = time(hostile);
  const long = time(capped);
  return {
    keywordHostile4kP50Ms: round(percentile(short, 50), 2),
    keywordHostile4kP99Ms: round(percentile(short, 99), 2),
    keywordHostileAtCapP50Ms: round(percentile(long, 50), 2),
    keywordHostileAtCapP99Ms: round(percentile(long, 99), 2),
  };
}

async function shutdownFigures(): Promise<Record<string, number>> {
  const lifecycle = new Lifecycle(createLogger({ level: 'silent' }), 200);
  lifecycle.onShutdown('database', () => undefined);
  lifecycle.onShutdown('stuck', () => new Promise(() => undefined));
  const started = process.hrtime.bigint();
  await lifecycle.shutdown('bench');
  return {
    shutdownBudgetMs: 200,
    shutdownWithStuckResourceMs: round(Number(process.hrtime.bigint() - started) / 1e6),
  };
}

export async function benchInProcess(): Promise<Record<string, number | string>> {
  return {
    ...liveHubFigures(),
    ...keywordFigures(),
    ...(await shutdownFigures()),
    targets:
      'live hub: 10k registrations < 1 s and < 50 MB; keyword rule on hostile input < 200 ms; shutdown within its budget (+ one timer tick)',
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await benchInProcess();
  for (const [key, value] of Object.entries(figures)) console.log(`  ${key.padEnd(28)} ${value}`);
  process.exit(0);
}
