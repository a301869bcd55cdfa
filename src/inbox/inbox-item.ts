import type { ConversationStatus, Priority } from '../conversations/conversation.types.js';
import type { ConversationView } from '../conversations/conversation.views.js';
import type { SlaState, SlaTargetName } from '../sla/sla.types.js';
import { type IndexDoc, outOfInbox, slaOf } from './index-doc.js';
import type { TeamView } from './teams.js';

/** What a list item says of its SLA: the state of its most pressing clock and that clock's times (ISO). */
export interface InboxSla {
  state: SlaState;
  target?: SlaTargetName;
  dueAt?: string;
  warnAt?: string;
}

/** A row of the inbox list. */
export interface InboxItem {
  id: string;
  status: ConversationStatus;
  priority: Priority;
  category?: string;
  reasons: string[];
  learner: { userId: string; name?: string; role: string };
  course?: { id: string; title?: string };
  assignee?: { userId: string; name?: string };
  team?: { id: string; name: string };
  replyBy?: string;
  /** Absent until a clock has run for the thread. */
  sla?: InboxSla;
  lastMessageAt: string;
  preview: string;
  unread: boolean;
  /**
   * Only for a thread in no list (a lead, src/inbox/index-doc.ts outOfInbox): `[]`, so the live list
   * (public/js/inbox.js matchesView) drops or never adds it.
   */
  views?: string[];
}

/** A list item from a thread's index entry alone (no database read: see {@link IndexDoc}). */
export function itemFromIndex(
  id: string,
  doc: IndexDoc,
  readAt: number | undefined,
  teams: readonly TeamView[],
): InboxItem {
  const team = doc.t ? teams.find((t) => t.id === doc.t) : undefined;
  const sla = slaOf(doc);
  const unread = readAt === undefined ? doc.s === 'waiting' || doc.s === 'assigned' : doc.lm > readAt;
  return {
    id,
    status: doc.s,
    priority: doc.p,
    ...(doc.g ? { category: doc.g } : {}),
    reasons: doc.rs ?? [],
    learner: { userId: doc.u, ...(doc.n ? { name: doc.n } : {}), role: doc.r ?? 'learner' },
    ...(doc.c ? { course: { id: doc.c, ...(doc.ct ? { title: doc.ct } : {}) } } : {}),
    ...(doc.a ? { assignee: { userId: doc.a, ...(doc.an ? { name: doc.an } : {}) } } : {}),
    ...(team ? { team: { id: team.id, name: team.name } } : {}),
    ...(doc.rb !== undefined ? { replyBy: new Date(doc.rb).toISOString() } : {}),
    ...(sla ? { sla } : {}),
    lastMessageAt: new Date(doc.lm).toISOString(),
    preview: doc.pv ?? '',
    unread,
    ...(outOfInbox(doc) ? { views: [] } : {}),
  };
}

/**
 * A list item from the thread as the conversation service returns it, completed by its index entry
 * (preview, SLA, a routed team, activity the document has not caught up with).
 */
export function itemFromThread(
  view: ConversationView,
  doc: IndexDoc | undefined,
  readAt: number | undefined,
  teams: readonly TeamView[],
): InboxItem {
  const teamId = view.teamId ?? doc?.t;
  const team = teamId ? teams.find((t) => t.id === teamId) : undefined;
  const lastActivity = Math.max(Date.parse(view.lastMessageAt), doc?.lm ?? 0);
  const sla = doc ? slaOf(doc) : undefined;
  const unread =
    readAt === undefined ? view.status === 'waiting' || view.status === 'assigned' : lastActivity > readAt;
  return {
    id: view.id,
    status: view.status,
    priority: view.priority,
    ...(view.category ? { category: view.category } : {}),
    reasons: [...new Set((view.handoff?.reasons ?? []).map((r) => r.code))],
    learner: { userId: view.user.userId, name: view.user.name, role: view.user.role },
    ...(view.courseId ? { course: { id: view.courseId, title: view.context?.courseTitle } } : {}),
    ...(view.assigneeId ? { assignee: { userId: view.assigneeId, name: view.assigneeName } } : {}),
    ...(team ? { team: { id: team.id, name: team.name } } : {}),
    ...(view.replyBy ? { replyBy: view.replyBy } : {}),
    ...(sla ? { sla } : {}),
    lastMessageAt: new Date(lastActivity).toISOString(),
    preview: doc?.pv ?? '',
    unread,
  };
}
