import mongoose from 'mongoose';
import { threadPointerId } from '../../src/conversations/thread-pointer.model.js';
import { stableObjectId } from '../../src/lib/ids.js';

export interface VolumeOptions {
  /** Tenants to spread the records over (the first gets any remainder). */
  tenantIds: string[];
  /** People in all; each has one thread in one of the courses, and two messages in it. */
  users: number;
  /** Courses in all (default: one per 25 people). */
  courses?: number;
  /** The LMS the records come from: the issuer a launch that should meet them carries. */
  issuer: string;
}

const BATCH = 1000;

/**
 * Stores people, courses, threads and messages the way launches and chats write them (ids derived from
 * the natural keys, the same fields), straight through the driver so thousands take seconds. Subjects are
 * `volume-user-<n>` in courses `volume-course-<n mod courses>`; every fourth thread is resolved.
 */
export async function seedVolume(options: VolumeOptions): Promise<{ users: number; conversations: number }> {
  const db = mongoose.connection.db;
  if (!db) throw new Error('connect mongoose before seeding');
  const { issuer } = options;
  const courses = options.courses ?? Math.max(1, Math.ceil(options.users / 25));
  const now = Date.now();
  const empty = () => ({
    users: [] as object[],
    courses: [] as object[],
    conversations: [] as object[],
    thread_pointers: [] as object[],
    messages: [] as object[],
  });
  let batch = empty();
  const flush = async () => {
    await Promise.all(
      Object.entries(batch)
        .filter(([, docs]) => docs.length)
        .map(([name, docs]) => db.collection(name).insertMany(docs as never[], { ordered: false })),
    );
    batch = empty();
  };
  const seenCourses = new Set<string>();
  for (let n = 0; n < options.users; n++) {
    const tenant = options.tenantIds[n % options.tenantIds.length] as string;
    const tenantId = new mongoose.Types.ObjectId(tenant);
    const subject = `volume-user-${n}`;
    const contextId = `volume-course-${n % courses}`;
    const userId = stableObjectId(tenant, issuer, subject);
    const courseId = stableObjectId(tenant, issuer, contextId);
    const at = new Date(now - (n % 10_000) * 60_000);
    batch.users.push({
      _id: userId,
      tenantId,
      issuer,
      subject,
      name: `Learner ${n}`,
      email: `learner${n}@example.edu`,
      lastRole: 'learner',
      lastLaunchAt: at,
      createdAt: at,
      updatedAt: at,
    });
    // A course's first member brings it (per tenant: the same context in two tenants is two courses).
    if (!seenCourses.has(String(courseId))) {
      seenCourses.add(String(courseId));
      batch.courses.push({
        _id: courseId,
        tenantId,
        issuer,
        contextId,
        title: `Course ${n % courses}`,
        label: `C${n % courses}`,
        lastLaunchAt: at,
        createdAt: at,
        updatedAt: at,
      });
    }
    const conversationId = new mongoose.Types.ObjectId();
    const resolved = n % 4 === 3;
    batch.conversations.push({
      _id: conversationId,
      tenantId,
      courseId,
      user: { userId, role: 'learner', name: `Learner ${n}` },
      status: resolved ? 'resolved' : n % 4 === 1 ? 'waiting' : 'bot',
      priority: 'normal',
      openKey: resolved ? `closed:${conversationId}` : `open:${userId}:${courseId}`,
      lastMessageAt: at,
      lowConfidenceStreak: 0,
      version: 1,
      locale: 'en',
      context: {},
      createdAt: at,
      updatedAt: at,
      ...(resolved ? { resolvedAt: at } : {}),
    });
    batch.thread_pointers.push({
      _id: threadPointerId(tenant, String(userId), String(courseId)),
      tenantId,
      userId,
      courseId,
      conversationId,
      updatedAt: at,
    });
    batch.messages.push(
      {
        tenantId,
        conversationId,
        author: 'learner',
        authorId: userId,
        kind: 'message',
        text: `Question ${n} about my course`,
        citations: [],
        clientId: `volume-${n}-q`,
        internal: false,
        createdAt: at,
      },
      {
        tenantId,
        conversationId,
        author: 'bot',
        kind: 'message',
        text: `Answer ${n}`,
        citations: [],
        clientId: `volume-${n}-a`,
        internal: false,
        createdAt: at,
      },
    );
    if (batch.users.length >= BATCH) await flush();
  }
  await flush();
  return { users: options.users, conversations: options.users };
}
