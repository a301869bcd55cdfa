import { DateTime } from 'luxon';
import { Types } from 'mongoose';
import { ConversationModel } from '../conversations/conversation.model.js';
import { findInTenant } from '../db/by-id.js';
import type { AnyDomainEvent } from '../events/catalog.js';
import type { EventStore } from '../events/event-store.js';
import { packScope, summariseDay } from './day-summary.js';
import {
  courseCountsId,
  InsightCheckpointModel,
  InsightDayModel,
  InsightMonthModel,
  insightDayId,
  insightMonthId,
} from './insight-day.model.js';
import { emptyFacts, foldEvent, type ThreadFacts } from './thread-facts.js';

/** Events read per page. */
const PAGE = 1000;
/**
 * Sequence numbers are taken before the insert, so a slower writer can store seq 11 after seq 12 is
 * visible. The checkpoint stays behind events younger than this; they are read again next run, and the
 * per-thread `seq` in the facts makes that harmless.
 */
export const SETTLE_MS = 30_000;

export interface ProjectorDeps {
  events: Pick<EventStore, 'listSince'>;
  /** The tenant's time zone, whose local dates the days are. */
  timeZone: (tenantId: string) => Promise<string>;
  now?: () => number;
}

interface ThreadHome {
  date: string;
  openedAt: number;
  courseId?: string;
}

/**
 * Folds a tenant's new events into its insight days: each thread's events go to the day it started on
 * (the thread is read once by `_id` for that), each touched day is read and its changed threads written by
 * `_id`, then the checkpoint moves. Idempotent: safe to run again after a crash at any point. The caller
 * runs one at a time per tenant. Returns how many events it read.
 */
export async function projectTenant(tenantId: string, deps: ProjectorDeps): Promise<number> {
  const now = deps.now ?? Date.now;
  const tenant = new Types.ObjectId(tenantId);
  const zone = await deps.timeZone(tenantId);
  const checkpoint = await InsightCheckpointModel.findById(tenant).lean();
  let after = checkpoint?.seq ?? 0;
  let settled = after;
  let settling = true;
  let read = 0;
  const homes = new Map<string, ThreadHome | null>();
  for (;;) {
    const events = await deps.events.listSince(tenantId, after, { limit: PAGE });
    if (events.length === 0) break;
    read += events.length;
    await foldPage(tenantId, tenant, zone, events, homes, now);
    const settleBefore = now() - SETTLE_MS;
    for (const event of events) {
      if (!settling || Date.parse(event.at) > settleBefore) {
        settling = false;
        break;
      }
      settled = event.seq;
    }
    after = events[events.length - 1]?.seq ?? after;
    if (events.length < PAGE) break;
  }
  if (settled > (checkpoint?.seq ?? 0))
    await InsightCheckpointModel.updateOne({ _id: tenant }, { $set: { seq: settled } }, { upsert: true });
  return read;
}

async function foldPage(
  tenantId: string,
  tenant: Types.ObjectId,
  zone: string,
  events: readonly AnyDomainEvent[],
  homes: Map<string, ThreadHome | null>,
  now: () => number,
): Promise<void> {
  const byThread = new Map<string, AnyDomainEvent[]>();
  for (const event of events) {
    if (!event.conversationId) continue;
    const list = byThread.get(event.conversationId);
    if (list) list.push(event);
    else byThread.set(event.conversationId, [event]);
  }
  const byDate = new Map<string, { id: string; home: ThreadHome; events: AnyDomainEvent[] }[]>();
  for (const [id, threadEvents] of byThread) {
    const home = await threadHome(id, tenant, zone, homes);
    if (!home) continue;
    const list = byDate.get(home.date) ?? [];
    list.push({ id, home, events: threadEvents });
    byDate.set(home.date, list);
  }
  for (const [date, threads] of byDate) {
    const _id = insightDayId(tenantId, date);
    const day = await InsightDayModel.findById(_id).lean();
    const changed: Record<string, ThreadFacts> = {};
    for (const { id, home, events: threadEvents } of threads) {
      const before = day?.threads?.[id] ?? emptyFacts(home.openedAt, home.courseId);
      const after = threadEvents.reduce(foldEvent, before);
      if (after !== before) changed[`threads.${id}`] = after;
    }
    if (Object.keys(changed).length === 0) continue;
    await InsightDayModel.updateOne(
      { _id },
      { $set: changed, $setOnInsert: { tenantId: tenant, date } },
      { upsert: true },
    );
    const all = { ...(day?.threads ?? {}) };
    for (const [key, facts] of Object.entries(changed)) all[key.slice('threads.'.length)] = facts;
    await writeDaySummaries(tenantId, date, Object.values(all), now());
  }
}

/**
 * Replaces a day's summaries (the tenant's, and each course's that had threads that day) with ones made
 * from all the day's threads. A thread never changes course, so no course loses a day it had.
 */
export async function writeDaySummaries(
  tenantId: string,
  date: string,
  threads: readonly ThreadFacts[],
  now: number,
): Promise<void> {
  const tenant = new Types.ObjectId(tenantId);
  const month = date.slice(0, 7);
  const { all, courses } = summariseDay(threads, now);
  const courseCounts = Object.fromEntries(Object.entries(courses).map(([id, s]) => [id, s.conversations]));
  const write = (courseId: string | undefined, set: Record<string, unknown>) =>
    InsightMonthModel.updateOne(
      { _id: insightMonthId(tenantId, month, courseId) },
      { $set: set, $setOnInsert: { tenantId: tenant, month, ...(courseId ? { courseId } : {}) } },
      { upsert: true },
    );
  const counts = await InsightMonthModel.findOneAndUpdate(
    { _id: courseCountsId(tenantId, month) },
    { $set: { [`courseCounts.${date}`]: courseCounts }, $setOnInsert: { tenantId: tenant, month } },
    { upsert: true, returnDocument: 'after' },
  ).lean();
  const courseTotals: Record<string, number> = {};
  for (const day of Object.values(counts?.courseCounts ?? {}))
    for (const [id, n] of Object.entries(day)) courseTotals[id] = (courseTotals[id] ?? 0) + n;
  await write(undefined, { [`days.${date}`]: packScope(all), courseTotals });
  await Promise.all(
    Object.entries(courses).map(([courseId, s]) => write(courseId, { [`days.${date}`]: packScope(s) })),
  );
}

/** The day a thread started on, in the tenant's zone (null: not this tenant's thread, or gone). */
async function threadHome(
  id: string,
  tenant: Types.ObjectId,
  zone: string,
  homes: Map<string, ThreadHome | null>,
): Promise<ThreadHome | null> {
  const known = homes.get(id);
  if (known !== undefined) return known;
  const thread = await findInTenant(ConversationModel, id, tenant, { courseId: 1, createdAt: 1 });
  const home = thread
    ? {
        date: localDate(thread.createdAt.getTime(), zone),
        openedAt: thread.createdAt.getTime(),
        ...(thread.courseId ? { courseId: String(thread.courseId) } : {}),
      }
    : null;
  homes.set(id, home);
  return home;
}

/** A instant's calendar date in a zone (UTC when the zone is unknown). */
export function localDate(epochMs: number, zone: string): string {
  const local = DateTime.fromMillis(epochMs, { zone });
  return (local.isValid ? local : DateTime.fromMillis(epochMs, { zone: 'utc' })).toISODate() ?? '';
}
