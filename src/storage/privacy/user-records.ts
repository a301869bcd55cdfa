import mongoose, { type Types } from 'mongoose';

/** A person's profile row as the privacy tools show it. */
export interface UserRow {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  subject: string;
  issuer: string;
  name?: string;
  email?: string;
  lastRole: string;
  lastLaunchAt: Date;
  preferences?: { followUpEmail?: boolean };
  [field: string]: unknown;
}

/** The name shown in place of an erased person's on records kept for others (staff replies, audit). */
export const ERASED_NAME = 'Deleted user';

const db = () => {
  const handle = mongoose.connection.db;
  if (!handle) throw new Error('MongoDB is not connected');
  return handle;
};
const col = (name: string) => db().collection(name);
const rows = (name: string, filter: Record<string, unknown>, sort: Record<string, 1 | -1> = { _id: 1 }) =>
  col(name).find(filter).sort(sort).toArray();

/** One person of a tenant by id, or the people of a tenant with this email (a scan: admin action only). */
export async function findUsers(
  tenantId: Types.ObjectId,
  by: { userId?: Types.ObjectId; email?: string },
): Promise<UserRow[]> {
  if (by.userId) {
    const user = await col('users').findOne({ _id: by.userId });
    return user && String(user.tenantId) === String(tenantId) ? [user as unknown as UserRow] : [];
  }
  if (!by.email) return [];
  const escaped = by.email.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const found = await col('users')
    .find({ tenantId, email: { $regex: `^${escaped}$`, $options: 'i' } })
    .limit(20)
    .toArray();
  return found as unknown as UserRow[];
}

/** How many unresolved threads a staff member owns (they are transferred before the person is erased). */
export function openAssignments(tenantId: Types.ObjectId, userId: Types.ObjectId): Promise<number> {
  return col('conversations').countDocuments({ tenantId, assigneeId: userId, status: { $ne: 'resolved' } });
}

/**
 * Everything stored about a person in a tenant, beyond the threads (read separately): profile with follow-up
 * preferences, launches, their threads' messages and notes, messages they wrote in other people's threads
 * (staff replies), leads, labelled misses and topic questions from their threads, notifications addressed to
 * them. Raw values: the export is a JSON file for the person, not a page.
 */
export async function userRecords(tenantId: Types.ObjectId, user: UserRow, threadIds: Types.ObjectId[]) {
  const userId = user._id;
  const inThreads = { tenantId, conversationId: { $in: threadIds } };
  const [launches, conversations, messages, authored, leads, misses, topics, notifications] =
    await Promise.all([
      rows('lti_launches', { tenantId, userId }, { createdAt: 1 }),
      rows('conversations', { tenantId, _id: { $in: threadIds } }, { createdAt: 1 }),
      rows('messages', inThreads, { createdAt: 1 }),
      rows('messages', { tenantId, authorId: userId, conversationId: { $nin: threadIds } }, { createdAt: 1 }),
      rows('leads', { tenantId, $or: [{ userId }, { conversationId: { $in: threadIds } }] }),
      rows('labelled_misses', inThreads),
      rows('topic_assignments', inThreads),
      rows('notification_deliveries', { tenantId: String(tenantId), 'recipient.userId': String(userId) }),
    ]);
  return { launches, conversations, messages, authored, leads, misses, topics, notifications };
}

/**
 * Erases a person's own records that are not part of their threads (those go with eraseThreadRecords):
 * launches, leads, events about them, notifications addressed to them and single-use thread links, their
 * LTI session tokens, their team memberships; their name comes off staff replies they wrote in other
 * people's threads and off the audit log (the text and the action stay: they belong to the other person's
 * thread and to the institution's record of who did what), and the profile goes last.
 */
export async function eraseUserRecords(
  tenantId: Types.ObjectId,
  user: UserRow,
): Promise<{ removed: Record<string, number>; touched: string[] }> {
  const removed: Record<string, number> = {};
  const userId = user._id;
  // Other people's threads that show this person's name (replies written, threads owned): their Redis
  // copies are dropped by the caller, so the thread is read again without the name.
  const touched = new Set<string>([
    ...(await col('messages').distinct('conversationId', { tenantId, authorId: userId })).map(String),
    ...(await col('conversations').distinct('_id', { tenantId, assigneeId: userId })).map(String),
  ]);
  const drop = async (name: string, filter: Record<string, unknown>) => {
    removed[name] = (removed[name] ?? 0) + (await col(name).deleteMany(filter)).deletedCount;
  };
  const change = async (name: string, filter: Record<string, unknown>, update: Record<string, unknown>) => {
    removed[`${name} (name removed)`] =
      (removed[`${name} (name removed)`] ?? 0) + (await col(name).updateMany(filter, update)).modifiedCount;
  };
  await drop('lti_launches', { tenantId, userId });
  await drop('leads', { tenantId, userId });
  await drop('events', { tenantId, userId });
  await drop('notification_deliveries', { tenantId: String(tenantId), 'recipient.userId': String(userId) });
  await drop('notification_links', { tenantId: String(tenantId), userId: String(userId) });
  await change(
    'messages',
    { tenantId, authorId: userId },
    { $set: { authorName: ERASED_NAME }, $unset: { authorId: '' } },
  );
  await change(
    'conversations',
    { tenantId, assigneeId: userId },
    { $set: { assigneeName: ERASED_NAME }, $unset: { assigneeId: '' } },
  );
  await change(
    'inbox_audit',
    { tenantId, 'actor.userId': String(userId) },
    { $set: { 'actor.userId': 'deleted', 'actor.name': ERASED_NAME } },
  );
  await change('inbox_teams', { tenantId, memberIds: userId }, { $pull: { memberIds: userId } });
  // ltijs keeps the launch's ID token (name, email, roles) for a day, by issuer and subject. Its context
  // tokens carry no issuer (a subject alone could name someone of another platform): the retention purge
  // removes them within a day.
  await drop('idtokens', { iss: user.issuer, user: user.subject });
  await drop('users', { _id: userId, tenantId });
  return { removed, touched: [...touched] };
}
