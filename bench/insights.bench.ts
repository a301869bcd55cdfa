/**
 * Insights dashboard (issue 17): a tenant with 100k conversations over a year, stored as the projector
 * stores them (one `insight_days` document per day, each thread's facts in it), beside two smaller
 * tenants, so the collection is not the tenant's alone. Then, over HTTP against a web process, the
 * dashboard for the default 30 days, for a whole year, and for one course over the year; and how fast the
 * projector folds a tenant's new events (read from the event store's Redis log, written by `_id`).
 * Standalone: `npx tsx bench/insights.bench.ts`.
 */

import { pathToFileURL } from 'node:url';
import { Types } from 'mongoose';
import { request } from 'undici';
import { ConversationModel } from '../src/conversations/conversation.model.js';
import type { AnyDomainEvent, EventName, NewEvent } from '../src/events/catalog.js';
import { EventStore } from '../src/events/event-store.js';
import type { HandoffReasonCode } from '../src/handoff/handoff.types.js';
import { insightsListener } from '../src/insights/dashboard.jobs.js';
import { InsightDayModel, insightDayId } from '../src/insights/insight-day.model.js';
import { localDate, projectTenant, writeDaySummaries } from '../src/insights/insights-projector.js';
import type { ThreadFacts } from '../src/insights/thread-facts.js';
import { Queues } from '../src/jobs/queues.js';
import { issueSessionToken } from '../src/lti/session.js';
import { connectRedis } from '../src/redis/connection.js';
import { TenantModel } from '../src/tenants/tenant.model.js';
import { benchClient, percentile, rng, round, startBenchStack } from './support.js';

const CONVERSATIONS = Number(process.env.BENCH_INSIGHTS_CONVERSATIONS ?? 100_000);
const OTHER_TENANTS = [20_000, 20_000];
const SAMPLES = Number(process.env.BENCH_INSIGHTS_SAMPLES ?? 30);
const PROJECT_THREADS = Number(process.env.BENCH_INSIGHTS_PROJECT_THREADS ?? 2_000);
const DAY = 86_400_000;
const MIN = 60_000;
const REASONS: HandoffReasonCode[] = ['human_request', 'low_confidence', 'keyword_rule', 'out_of_hours'];

const progress = (line: string) => process.stderr.write(`  insights bench: ${line}\n`);

/** A year of one tenant's threads as the projector would have stored them. */
async function seedTenant(tenantId: Types.ObjectId, total: number, now: number, seed: number) {
  const random = rng(seed);
  const courses = Array.from({ length: 50 }, () => new Types.ObjectId().toHexString());
  const teams = Array.from({ length: 8 }, () => new Types.ObjectId().toHexString());
  const admins = Array.from({ length: 20 }, () => new Types.ObjectId().toHexString());
  const perDay = Math.ceil(total / 365);
  let left = total;
  for (let d = 0; d < 365 && left > 0; d++) {
    const dayStart = now - (364 - d) * DAY;
    const date = localDate(dayStart, 'UTC');
    const threads: Record<string, ThreadFacts> = {};
    for (let i = 0; i < Math.min(perDay, left); i++) {
      const openedAt = dayStart + Math.floor(random() * 8 * 3600_000);
      const handed = random() < 0.3;
      const facts: ThreadFacts = {
        seq: d * perDay + i + 1,
        courseId: courses[Math.floor(random() * courses.length)],
        openedAt,
        answers: 1 + Math.floor(random() * 3),
        handoffs: handed ? 1 : 0,
        reasons: handed ? [REASONS[Math.floor(random() * REASONS.length)] as HandoffReasonCode] : [],
        lastLearnerAt: openedAt + Math.floor(random() * 10) * MIN,
      };
      if (handed) {
        facts.handedOffAt = openedAt + 2 * MIN;
        facts.firstReplyAt = facts.handedOffAt + Math.floor(random() * 240) * MIN;
        facts.resolvedAt = facts.firstReplyAt + Math.floor(random() * 600) * MIN;
        facts.slaTracked = true;
        facts.slaBreached = random() < 0.1;
        facts.teamId = teams[Math.floor(random() * teams.length)];
        facts.assigneeId = admins[Math.floor(random() * admins.length)];
        facts.assigneeName = `Admin ${facts.assigneeId?.slice(-4)}`;
      }
      if (random() < 0.2)
        facts.ratings = { [new Types.ObjectId().toHexString()]: random() < 0.7 ? 'up' : 'down' };
      threads[new Types.ObjectId().toHexString()] = facts;
    }
    left -= Object.keys(threads).length;
    await writeDaySummaries(String(tenantId), date, Object.values(threads), now);
    await InsightDayModel.collection.insertOne({
      _id: insightDayId(String(tenantId), date) as unknown as Types.ObjectId,
      tenantId,
      date,
      threads,
      updatedAt: new Date(),
    });
  }
  return courses;
}

/** Projector throughput: threads opened, answered, handed off, replied to and resolved, as events. */
async function benchProjector(stack: Awaited<ReturnType<typeof startBenchStack>>) {
  const redis = await connectRedis(stack.config.REDIS_URL ?? '', 'producer', stack.logger);
  try {
    const store = new EventStore({
      redis,
      prefix: stack.config.REDIS_PREFIX,
      logger: stack.logger,
      logLimit: PROJECT_THREADS * 6 + 10,
    });
    const tenantId = new Types.ObjectId();
    const tenant = String(tenantId);
    await TenantModel.collection.insertOne({
      _id: tenantId,
      name: 'Projector U',
      timeZone: 'UTC',
      locale: 'en',
      adminRoles: [],
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    const now = Date.now() - 3600_000;
    const threads = Array.from({ length: PROJECT_THREADS }, () => new Types.ObjectId());
    await ConversationModel.collection.insertMany(
      threads.map((_id, i) => ({
        _id,
        tenantId,
        user: { userId: new Types.ObjectId(), role: 'learner' },
        status: 'resolved',
        priority: 'normal',
        openKey: `closed:${String(_id)}`,
        lastMessageAt: new Date(now),
        createdAt: new Date(now + i),
        updatedAt: new Date(now),
      })),
    );
    const first = await store.nextSeq(tenant, PROJECT_THREADS * 6);
    const events: AnyDomainEvent[] = [];
    let seq = first - PROJECT_THREADS * 6;
    const at = (i: number, minutes: number) => new Date(now + i + minutes * MIN).toISOString();
    const message = (author: string, extra: Record<string, unknown> = {}) => ({
      message: {
        id: new Types.ObjectId().toHexString(),
        author,
        kind: 'message',
        internal: false,
        text: 'x',
        ...extra,
      },
    });
    threads.forEach((_id, i) => {
      const base = {
        tenantId: tenant,
        conversationId: String(_id),
        visibility: 'public',
        actor: { role: 'system' },
      };
      const add = (name: string, minutes: number, payload: unknown) =>
        events.push({ ...base, seq: ++seq, name, at: at(i, minutes), payload } as unknown as AnyDomainEvent);
      add('conversation.opened', 0, { status: 'bot', priority: 'normal', userId: 'u', role: 'learner' });
      add('message.posted', 0, message('learner'));
      add('message.posted', 1, message('bot', { confidence: 0.4 }));
      add('conversation.handed_off', 2, { reasons: [{ code: 'human_request', via: 'button' }] });
      add('message.posted', 20, message('admin'));
      add('conversation.resolved', 30, {});
    });
    await store.addToLog(events);
    const started = performance.now();
    const read = await projectTenant(tenant, { events: store, timeZone: async () => 'UTC' });
    const seconds = (performance.now() - started) / 1000;
    return {
      events: read,
      eventsPerSecond: round(read / seconds, 0),
      threadsPerSecond: round(PROJECT_THREADS / seconds, 0),
    };
  } finally {
    redis.disconnect();
  }
}

/** Times a non-JSON download (the CSV export) the same way. */
async function timeRaw(href: string, token: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i <= SAMPLES; i++) {
    const started = performance.now();
    const response = await request(href, { headers: { authorization: `Bearer ${token}` } });
    const text = await response.body.text();
    if (response.statusCode !== 200)
      throw new Error(`CSV export: ${response.statusCode} ${text.slice(0, 200)}`);
    if (i > 0) times.push(performance.now() - started);
  }
  return times;
}

/**
 * How soon a handoff shows on the dashboard: a thread's opening and handoff are stored through the event
 * store, the listener's job is enqueued as the product's listener does, a worker process runs it, and the
 * dashboard is polled until it counts one more handoff. Five times, seconds each.
 */
async function benchRefresh(
  stack: Awaited<ReturnType<typeof startBenchStack>>,
  tenantId: Types.ObjectId,
  client: ReturnType<typeof benchClient>,
): Promise<number[]> {
  await stack.startProcess('worker');
  const redis = await connectRedis(stack.config.REDIS_URL ?? '', 'producer', stack.logger);
  const queues = new Queues(redis, stack.config.REDIS_PREFIX);
  try {
    const store = new EventStore({ redis, prefix: stack.config.REDIS_PREFIX, logger: stack.logger });
    const tenant = String(tenantId);
    const handedOff = async () =>
      (await client.get<{ data: { handedOff: number } }>('/api/insights')).data.handedOff;
    const seconds: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = await handedOff();
      const _id = new Types.ObjectId();
      const at = new Date();
      await ConversationModel.collection.insertOne({
        _id,
        tenantId,
        user: { userId: new Types.ObjectId(), role: 'learner' },
        status: 'waiting',
        priority: 'normal',
        openKey: `open:${String(_id)}`,
        lastMessageAt: at,
        createdAt: at,
        updatedAt: at,
      });
      const started = performance.now();
      const base = { tenantId: tenant, conversationId: String(_id), actor: { role: 'system' as const } };
      const logged = async <N extends EventName>(input: NewEvent<N>) => {
        const { event } = await store.record(input);
        await store.addToLog([event as AnyDomainEvent]);
        return event;
      };
      await logged({
        ...base,
        name: 'conversation.opened',
        payload: { status: 'bot', priority: 'normal', userId: 'u', role: 'learner' },
      });
      const event = await logged({
        ...base,
        name: 'conversation.handed_off',
        payload: {
          from: 'bot',
          to: 'waiting',
          action: 'handoff',
          version: 1,
          priority: 'normal',
          replyBy: at.toISOString(),
          mode: 'async',
          reasons: [{ code: 'human_request', via: 'button' }],
          notify: [],
          summary: [],
        },
      } as never);
      await insightsListener(event as AnyDomainEvent, queues);
      for (;;) {
        if ((await handedOff()) > before) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      seconds.push((performance.now() - started) / 1000);
    }
    return seconds;
  } finally {
    await queues.close?.();
    redis.disconnect();
  }
}

export async function benchInsights(): Promise<Record<string, number | string>> {
  const stack = await startBenchStack('insights');
  try {
    const now = Date.now();
    const tenantId = new Types.ObjectId();
    await TenantModel.collection.insertOne({
      _id: tenantId,
      name: 'Bench University',
      timeZone: 'UTC',
      locale: 'en',
      adminRoles: [],
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    const seedStarted = performance.now();
    const courses = await seedTenant(tenantId, CONVERSATIONS, now, 1);
    for (const [i, total] of OTHER_TENANTS.entries())
      await seedTenant(new Types.ObjectId(), total, now, i + 2);
    progress(
      `seeded ${CONVERSATIONS} + ${OTHER_TENANTS.join(' + ')} threads in ${round((performance.now() - seedStarted) / 1000)} s`,
    );

    const { url } = await stack.startProcess('web');
    const token = await issueSessionToken(
      {
        launchId: new Types.ObjectId().toHexString(),
        tenantId: String(tenantId),
        userId: new Types.ObjectId().toHexString(),
        role: 'admin',
        locale: 'en',
      },
      stack.config.LTI_ENCRYPTION_KEY,
    );
    const client = benchClient(url, token);
    const to = localDate(now, 'UTC');
    const yearFrom = localDate(now - 364 * DAY, 'UTC');
    const time = async (path: string) => {
      await client.get(path);
      const times: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const started = performance.now();
        await client.get(path);
        times.push(performance.now() - started);
      }
      return times;
    };
    const health: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const started = performance.now();
      await client.get('/healthz');
      health.push(performance.now() - started);
    }
    const month = await time('/api/insights');
    progress(`30 days p50 ${round(percentile(month, 50))} ms`);
    const year = await time(`/api/insights?from=${yearFrom}&to=${to}`);
    progress(`365 days p50 ${round(percentile(year, 50))} ms`);
    const quarter = await time(`/api/insights?from=${localDate(now - 89 * DAY, 'UTC')}&to=${to}`);
    const course = await time(`/api/insights?from=${yearFrom}&to=${to}&course=${courses[0]}`);
    const csv = await timeRaw(`${url}/api/insights/export.csv?table=daily&from=${yearFrom}&to=${to}`, token);
    const check = await client.get<{ data: { conversations: number } }>(
      `/api/insights?from=${yearFrom}&to=${to}`,
    );
    const projector = await benchProjector(stack);
    const refresh = await benchRefresh(stack, tenantId, client);
    return {
      conversationsInTenant: check.data.conversations,
      samples: SAMPLES,
      '/healthz p50 ms': round(percentile(health, 50)),
      'dashboard 30 days p50 / p95 ms': `${round(percentile(month, 50))} / ${round(percentile(month, 95))}`,
      'dashboard 90 days p50 / p95 ms': `${round(percentile(quarter, 50))} / ${round(percentile(quarter, 95))}`,
      'dashboard 365 days p50 / p95 ms': `${round(percentile(year, 50))} / ${round(percentile(year, 95))}`,
      'one course, 365 days p50 / p95 ms': `${round(percentile(course, 50))} / ${round(percentile(course, 95))}`,
      'CSV by day, 365 days p50 / p95 ms': `${round(percentile(csv, 50))} / ${round(percentile(csv, 95))}`,
      'projector events read': projector.events,
      'projector events/s': projector.eventsPerSecond,
      'projector threads/s (6 events each)': projector.threadsPerSecond,
      'handoff to dashboard, s (each of 5)': refresh.map((r) => round(r, 1)).join(', '),
    };
  } finally {
    await stack.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await benchInsights();
  for (const [key, value] of Object.entries(figures)) console.log(`${key.padEnd(36)} ${value}`);
  process.exit(0);
}
