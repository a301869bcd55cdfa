import { Types } from 'mongoose';
import type { Queues } from '../jobs/queues.js';
import { AppError } from '../lib/errors.js';
import { forgetRecentProfile } from '../lti/launch.service.js';
import { type ThreadRef, threadBatches } from '../storage/privacy/thread-records.js';
import {
  eraseUserRecords,
  findUsers,
  openAssignments,
  type UserRow,
  userRecords,
} from '../storage/privacy/user-records.js';
import { dropThreadCopies, eraseUserFromRedis } from '../storage/privacy/user-redis.js';
import { TenantModel } from '../tenants/tenant.model.js';
import { addReport, type ErasureReport, emptyReport, eraseThreads } from './erase-threads.js';

/** Who an admin or operator means: a user id, or an email address. */
export type UserLookup = { userId: string } | { email: string };

/** A person as the privacy tools list them before an export or erasure (no LTI subject). */
export interface UserSummary {
  id: string;
  name: string | null;
  email: string | null;
  role: string;
  lastLaunchAt: string;
  threads: number;
}

async function tenantOf(tenantId: string) {
  if (!Types.ObjectId.isValid(tenantId)) throw new AppError('not_found', 'Tenant was not found.');
  const tenant = await TenantModel.findById(tenantId, { _id: 1, timeZone: 1 }).lean();
  if (!tenant) throw new AppError('not_found', `Tenant ${tenantId} was not found.`);
  return tenant;
}

async function usersOf(tenantId: Types.ObjectId, lookup: UserLookup): Promise<UserRow[]> {
  if ('userId' in lookup) {
    if (!Types.ObjectId.isValid(lookup.userId) || lookup.userId.length !== 24) return [];
    return findUsers(tenantId, { userId: new Types.ObjectId(lookup.userId) });
  }
  return findUsers(tenantId, { email: lookup.email });
}

/** The person's threads (all of them: open, waiting, resolved), oldest first. */
async function threadsOf(tenantId: Types.ObjectId, userId: Types.ObjectId): Promise<ThreadRef[]> {
  const threads: ThreadRef[] = [];
  for await (const batch of threadBatches(tenantId, { 'user.userId': userId }, 500)) threads.push(...batch);
  return threads;
}

/** The people of a tenant a lookup names (none, one, or several sharing an email), with thread counts. */
export async function findPeople(tenantId: string, lookup: UserLookup): Promise<UserSummary[]> {
  const tenant = await tenantOf(tenantId);
  const users = await usersOf(tenant._id, lookup);
  return Promise.all(
    users.map(async (user) => ({
      id: String(user._id),
      name: user.name ?? null,
      email: user.email ?? null,
      role: user.lastRole,
      lastLaunchAt: new Date(user.lastLaunchAt).toISOString(),
      threads: (await threadsOf(tenant._id, user._id)).length,
    })),
  );
}

async function onePerson(tenantId: string, userId: string) {
  const tenant = await tenantOf(tenantId);
  const [user] = await usersOf(tenant._id, { userId });
  if (!user) throw new AppError('not_found', 'That person was not found in this institution.');
  return { tenant, user };
}

/**
 * Refuses to erase a staff member who still owns unresolved threads: their learners wait on them, so the
 * threads are transferred (or resolved) first.
 */
export async function assertErasable(tenantId: string, userId: string): Promise<void> {
  const { tenant, user } = await onePerson(tenantId, userId);
  const owned = await openAssignments(tenant._id, user._id);
  if (owned)
    throw new AppError(
      'conflict',
      `This person owns ${owned} open conversation${owned === 1 ? '' : 's'}: transfer or resolve ${owned === 1 ? 'it' : 'them'} first.`,
    );
}

/**
 * Everything stored about one person in a tenant, as one JSON document: profile (with follow-up email
 * preference), launches, threads with their messages (internal staff notes included, marked `internal`),
 * the ratings they gave, leads, questions kept for review and topics, messages they wrote in other people's
 * threads, and notifications addressed to them.
 */
export async function exportPerson(tenantId: string, userId: string) {
  const { tenant, user } = await onePerson(tenantId, userId);
  const threads = await threadsOf(tenant._id, user._id);
  const records = await userRecords(
    tenant._id,
    user,
    threads.map((thread) => thread.id),
  );
  const messagesOf = (id: unknown) =>
    records.messages.filter((message) => String(message.conversationId) === String(id));
  const { subject: _subject, issuer, ...profile } = user;
  return {
    format: 'chatref-user-export/1',
    exportedAt: new Date().toISOString(),
    tenantId,
    profile: { ...profile, platform: issuer, followUpEmail: user.preferences?.followUpEmail !== false },
    launches: records.launches,
    conversations: records.conversations.map((conversation) => ({
      ...conversation,
      messages: messagesOf(conversation._id),
    })),
    feedback: records.messages
      .filter((message) => message.feedback)
      .map((message) => ({
        conversationId: message.conversationId,
        messageId: message._id,
        rating: message.feedback,
        answer: message.text,
        at: message.createdAt,
      })),
    leads: records.leads,
    questionsKeptForReview: records.misses,
    topicQuestions: records.topics,
    messagesInOtherThreads: records.authored,
    notifications: records.notifications,
  };
}

/**
 * Erases one person from a tenant: their threads and everything kept about them (eraseThreads: database,
 * Redis copies, inbox entries, queued timers and follow-ups), then their own records (launches, leads,
 * events, notifications, profile; their name off records kept for others), then Redis keys naming them and
 * their presence. A later launch by the same person creates a new profile and starts with no thread.
 */
export async function erasePerson(queues: Queues, tenantId: string, userId: string): Promise<ErasureReport> {
  await assertErasable(tenantId, userId);
  const { tenant, user } = await onePerson(tenantId, userId);
  const threads = await threadsOf(tenant._id, user._id);
  const report = emptyReport();
  for (let i = 0; i < threads.length; i += 100)
    addReport(report, await eraseThreads(queues, tenant, threads.slice(i, i + 100)));
  const own = await eraseUserRecords(tenant._id, user);
  addReport(report, {
    ...emptyReport(),
    collections: own.removed,
    redis: { namedThreadCopies: await dropThreadCopies(queues.redis, queues.prefix, own.touched) },
  });
  forgetRecentProfile(String(user._id));
  addReport(report, {
    ...emptyReport(),
    redis: await eraseUserFromRedis(queues.redis, queues.prefix, tenantId, String(user._id)),
  });
  return report;
}
