import type { Redis } from 'ioredis';
import { Types } from 'mongoose';
import type { ConversationService } from '../conversations/conversation.service.js';
import type { Actor } from '../conversations/conversation.types.js';
import type { ConversationView, MessageView } from '../conversations/conversation.views.js';
import { CourseModel } from '../courses/course.model.js';
import { findInTenant } from '../db/by-id.js';
import { objectId } from '../events/ids.js';
import type { HandoffCard } from '../handoff/handoff.types.js';
import type { RedisStaffPresence } from '../handoff/staff-presence.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { LaunchModel } from '../lti/launch.model.js';
import { listCourseMembers } from '../lti/nrps.service.js';
import type { Session } from '../lti/session.js';
import { zoneCity } from '../sla/calendar.js';
import type { TenantSlaProvider } from '../sla/sla-plan.js';
import { tenantSlas } from '../sla/tenant-sla.js';
import { UserModel } from '../users/user.model.js';
import { AuditTrail } from './audit-trail.js';
import { firstNameOf, renderCanned } from './canned-render.js';
import {
  type AuditEntry,
  AuditModel,
  type CannedReply,
  CannedReplyModel,
  type InboxSettings,
  InboxSettingsModel,
} from './inbox.models.js';
import type { InboxIndex } from './inbox-index.js';
import type { InboxItem } from './inbox-item.js';
import {
  COUNTED_VIEWS,
  type InboxFilters,
  type InboxView,
  type IndexDoc,
  outOfInbox,
  slaOf,
} from './index-doc.js';
import { isLead } from './leads.js';
import type { InboxPresence, PresencePerson } from './presence.js';
import type { TeamService, TeamView } from './teams.js';

/** Who is working the inbox, from the session (plus name and lead permission, looked up and cached). */
export interface StaffContext {
  tenantId: string;
  userId: string;
  role: 'admin' | 'instructor';
  /** Instructors see only this course's threads. */
  courseId?: string;
  launchId: string;
  name?: string;
  isLead: boolean;
}

export type { InboxItem } from './inbox-item.js';

export interface InboxListQuery {
  view: InboxView;
  filters: InboxFilters;
  q?: string;
  cursor?: string;
  limit: number;
}

export interface Permissions {
  canReply: boolean;
  canClaim: boolean;
  canTransfer: boolean;
  canResolve: boolean;
  canHandBack: boolean;
  canReopen: boolean;
  isLead: boolean;
}

/**
 * The zone reply-by and due times are shown in: the tenant's calendar zone, named as people say it
 * ("New York time"), so the list, the thread and the learner's "we'll reply by …" all agree.
 */
export interface InboxZone {
  timeZone: string;
  name: string;
}

export interface ThreadResult {
  conversation: InboxItem & {
    handoff?: HandoffCard;
    contactEmail?: string;
    lms?: { productFamily?: string; name?: string };
    version: number;
  };
  messages: MessageView[];
  zone: InboxZone;
  viewers: PresencePerson[];
  permissions: Permissions;
}

export interface CannedView {
  id: string;
  title: string;
  text: string;
}

export interface AuditView {
  at: string;
  actor: { userId: string; name?: string };
  action: string;
  conversationId?: string;
  launchId: string;
  details: Record<string, unknown>;
}

const CACHE_MS = 30_000;

/**
 * The admin inbox: lists from the Redis index, threads and actions through the conversation service, with
 * scoping (tenant; course for instructors — anything outside is "not found"), the lead permission, unread
 * markers, presence, canned replies and the audit log. Plain inputs, no HTTP.
 */
export class InboxService {
  private readonly people = new Map<
    string,
    { at: number; value: Promise<{ name?: string; givenName?: string } | null> }
  >();
  private readonly leads = new Map<string, { at: number; value: Promise<boolean> }>();
  private readonly trail: AuditTrail;

  constructor(
    private readonly deps: {
      conversations: ConversationService;
      index: InboxIndex;
      teams: TeamService;
      presence: InboxPresence;
      /** "Is any admin watching the inbox?" (decides live vs. asynchronous handoffs). */
      staffPresence?: RedisStaffPresence;
      redis: Redis;
      prefix: string;
      logger?: Logger;
      /** Each tenant's SLA (its calendar's zone names reply-by times); default: the stored settings. */
      tenantSla?: TenantSlaProvider;
    },
  ) {
    this.trail = new AuditTrail({ logger: deps.logger });
    this.tenantSla = deps.tenantSla ?? tenantSlas();
  }

  private readonly tenantSla: TenantSlaProvider;

  /** The zone the tenant's reply-by times are shown in (its calendar's), with the name people read. */
  async zone(tenantId: string): Promise<InboxZone> {
    const timeZone = (await this.tenantSla(tenantId)).calendar.timeZone;
    const utc = timeZone === 'UTC' || timeZone === 'Etc/UTC';
    return { timeZone, name: utc ? 'UTC' : `${zoneCity(timeZone)} time` };
  }

  // ------------------------------------------------------------------ who

  /** The staff context of a session; learners are refused. */
  async context(session: Session): Promise<StaffContext> {
    if (session.role !== 'admin' && session.role !== 'instructor')
      throw new AppError('forbidden', 'The inbox is for LMS administrators and instructors.');
    const [person, lead] = await Promise.all([
      this.person(session.tenantId, session.userId),
      this.leadOf(session),
    ]);
    return {
      tenantId: session.tenantId,
      userId: session.userId,
      role: session.role,
      courseId: session.courseId,
      launchId: session.launchId,
      name: person?.name,
      isLead: lead,
    };
  }

  private person(tenantId: string, userId: string) {
    const cached = this.people.get(userId);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.value;
    const value = Types.ObjectId.isValid(userId)
      ? findInTenant(UserModel, userId, tenantId, { name: 1, givenName: 1, email: 1 }).then((user) =>
          user ? { name: user.name ?? user.email, givenName: user.givenName } : null,
        )
      : Promise.resolve(null);
    this.people.set(userId, { at: Date.now(), value });
    if (this.people.size > 10_000) this.people.delete(this.people.keys().next().value as string);
    return value;
  }

  private leadOf(session: Session): Promise<boolean> {
    if (session.role !== 'admin') return Promise.resolve(false);
    const cached = this.leads.get(session.launchId);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.value;
    const value = (async () => {
      const [launch, settings] = await Promise.all([
        Types.ObjectId.isValid(session.launchId)
          ? findInTenant(LaunchModel, session.launchId, session.tenantId, { ltiRoles: 1 })
          : null,
        this.settings(session.tenantId),
      ]);
      return isLead({
        role: session.role,
        userId: session.userId,
        ltiRoles: launch?.ltiRoles ?? [],
        settings,
      });
    })();
    this.leads.set(session.launchId, { at: Date.now(), value });
    if (this.leads.size > 10_000) this.leads.delete(this.leads.keys().next().value as string);
    value.catch(() => this.leads.delete(session.launchId));
    return value;
  }

  private actor(ctx: StaffContext): Actor {
    return { userId: ctx.userId, role: ctx.role, ...(ctx.name ? { name: ctx.name } : {}) };
  }

  private requireLead(ctx: StaffContext) {
    if (!ctx.isLead) throw new AppError('forbidden', 'Only inbox leads can do this.');
  }

  // ------------------------------------------------------------------ list

  /** A page of a view with the counts of every view (under the same filters). */
  async list(
    ctx: StaffContext,
    query: InboxListQuery,
  ): Promise<{
    items: InboxItem[];
    nextCursor?: string;
    counts: Record<string, number>;
    zone: InboxZone;
  }> {
    const filters = { ...query.filters };
    // Read beside the list (a cold settings cache costs a database read, which the list need not wait for).
    const zoneRead = this.zone(ctx.tenantId);
    zoneRead.catch(() => undefined);
    if (ctx.role === 'instructor') {
      // An instructor's inbox is their course's threads; another course is simply empty.
      if (!ctx.courseId || (filters.courseId && filters.courseId !== ctx.courseId))
        return {
          items: [],
          counts: Object.fromEntries(COUNTED_VIEWS.map((view) => [view, 0])),
          zone: await zoneRead,
        };
      filters.courseId = ctx.courseId;
    }
    await this.deps.index.ensureBuilt(ctx.tenantId);
    const input = { view: query.view, userId: ctx.userId, filters, cursor: query.cursor, limit: query.limit };
    const [page, counts] = await Promise.all([
      query.q?.trim()
        ? this.deps.index.search(ctx.tenantId, { ...input, q: query.q })
        : this.deps.index.page(ctx.tenantId, input),
      this.deps.index.counts(ctx.tenantId, ctx.userId, filters),
    ]);
    const [items, zone] = await Promise.all([this.items(ctx, page.ids), zoneRead]);
    return { items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}), counts, zone };
  }

  /**
   * List items for thread ids, in that order, from the index alone (no database read: see
   * {@link IndexDoc}); threads outside the admin's scope are left out.
   */
  async items(ctx: StaffContext, ids: readonly string[]): Promise<InboxItem[]> {
    if (!ids.length) return [];
    const [docs, reads, teams] = await Promise.all([
      this.deps.index.docs(ctx.tenantId, ids),
      this.deps.redis.hmget(this.readKey(ctx), ...ids),
      this.deps.teams.list(ctx.tenantId),
    ]);
    const items: InboxItem[] = [];
    ids.forEach((id, i) => {
      const doc = docs.get(id);
      if (!doc) return;
      if (ctx.role === 'instructor' && doc.c !== ctx.courseId) return;
      items.push(this.docItem(id, doc, reads[i], teams));
    });
    return items;
  }

  private docItem(
    id: string,
    doc: IndexDoc,
    readAt: string | null | undefined,
    teams: readonly TeamView[],
  ): InboxItem {
    const team = doc.t ? teams.find((t) => t.id === doc.t) : undefined;
    const sla = slaOf(doc);
    const unread =
      readAt === null || readAt === undefined
        ? doc.s === 'waiting' || doc.s === 'assigned'
        : doc.lm > Number(readAt);
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

  /** One list item, as the live channel sends it (undefined when outside the admin's scope). */
  async itemById(ctx: StaffContext, conversationId: string): Promise<InboxItem | undefined> {
    return (await this.items(ctx, [conversationId]))[0];
  }

  private toItem(
    view: ConversationView,
    doc: IndexDoc | undefined,
    readAt: string | null | undefined,
    teams: readonly TeamView[],
  ): InboxItem {
    const teamId = view.teamId ?? doc?.t;
    const team = teamId ? teams.find((t) => t.id === teamId) : undefined;
    const lastActivity = Math.max(Date.parse(view.lastMessageAt), doc?.lm ?? 0);
    const sla = doc ? slaOf(doc) : undefined;
    const unread =
      readAt === null || readAt === undefined
        ? view.status === 'waiting' || view.status === 'assigned'
        : lastActivity > Number(readAt);
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

  private readKey(ctx: StaffContext) {
    return `${this.deps.prefix}:inbox:${ctx.tenantId}:read:${ctx.userId}`;
  }

  /** Marks a thread read for this admin (opening it, or acting on it). */
  async markRead(ctx: StaffContext, conversationId: string): Promise<void> {
    await this.deps.redis.hset(this.readKey(ctx), conversationId, String(Date.now()));
  }

  // ------------------------------------------------------------------ thread

  /** A thread in scope, or "not found" (another tenant, another course for instructors, or no such id). */
  private async load(ctx: StaffContext, conversationId: string): Promise<ConversationView> {
    // Through the conversation service: its Redis copy of the thread, which opening the thread warms
    // for the take-over that usually follows.
    const view = await this.deps.conversations.get({
      tenantId: ctx.tenantId,
      actor: this.actor(ctx),
      conversationId: objectId(conversationId, 'Conversation').toHexString(),
    });
    if (ctx.role === 'instructor' && (!ctx.courseId || (view.courseId ?? '') !== ctx.courseId))
      throw new AppError('not_found', 'Conversation was not found.');
    return view;
  }

  /**
   * The scope check of an action that needs nothing else up front: an instructor is held to their
   * course (from the index); an admin's tenant is enforced on the document by the conversation service.
   */
  private async checkScope(ctx: StaffContext, conversationId: string): Promise<void> {
    objectId(conversationId, 'Conversation');
    if (ctx.role === 'instructor') await this.scoped(ctx, conversationId);
  }

  /**
   * Scope and ownership before an action, from the index (a document read costs a scan on FerretDB);
   * the document itself when the index has no entry. The conversation service enforces the tenant, the
   * status and ownership again on the document, so an index a moment behind can only refuse, never allow.
   */
  private async scoped(
    ctx: StaffContext,
    conversationId: string,
  ): Promise<Pick<ConversationView, 'status' | 'assigneeId' | 'assigneeName' | 'courseId'>> {
    objectId(conversationId, 'Conversation');
    const doc = (await this.deps.index.docs(ctx.tenantId, [conversationId])).get(conversationId);
    if (!doc) return this.load(ctx, conversationId);
    if (ctx.role === 'instructor' && (!ctx.courseId || doc.c !== ctx.courseId))
      throw new AppError('not_found', 'Conversation was not found.');
    return { status: doc.s, assigneeId: doc.a, assigneeName: doc.an, courseId: doc.c };
  }

  permissions(ctx: StaffContext, view: ConversationView): Permissions {
    const owner = view.status === 'assigned' && view.assigneeId === ctx.userId;
    const ownerOrLead = view.status === 'assigned' && (owner || ctx.isLead);
    return {
      canReply: owner,
      canClaim: view.status === 'waiting',
      canTransfer: ownerOrLead,
      canResolve: ownerOrLead,
      canHandBack: ownerOrLead,
      canReopen: view.status === 'resolved',
      isLead: ctx.isLead,
    };
  }

  /** The thread with its handoff card, full history (notes and status lines included) and presence. */
  async thread(ctx: StaffContext, conversationId: string): Promise<ThreadResult> {
    const view = await this.load(ctx, conversationId);
    const [messages, launch, teams, doc, zone] = await Promise.all([
      this.deps.conversations.history({
        tenantId: ctx.tenantId,
        actor: this.actor(ctx),
        conversationId,
        forLearner: false,
        limit: 500,
      }),
      view.context?.launchId
        ? findInTenant(LaunchModel, view.context.launchId, ctx.tenantId, { platform: 1 })
        : null,
      this.deps.teams.list(ctx.tenantId),
      this.deps.index.docs(ctx.tenantId, [conversationId]),
      this.zone(ctx.tenantId),
    ]);
    await this.markRead(ctx, conversationId);
    const presence = await this.deps.presence.touch({
      tenantId: ctx.tenantId,
      conversationId,
      courseId: view.courseId,
      person: { userId: ctx.userId, ...(ctx.name ? { name: ctx.name } : {}) },
      typing: false,
    });
    const item = this.toItem(view, doc.get(conversationId), String(Date.now()), teams);
    return {
      conversation: {
        ...item,
        ...(view.handoff ? { handoff: view.handoff } : {}),
        ...((view.contactEmail ?? view.user.email)
          ? { contactEmail: view.contactEmail ?? view.user.email }
          : {}),
        lms: {
          productFamily: view.context?.productFamily ?? launch?.platform?.productFamily,
          name: launch?.platform?.name,
        },
        version: view.version,
      },
      messages,
      zone,
      viewers: presence.viewers,
      permissions: this.permissions(ctx, view),
    };
  }

  // ------------------------------------------------------------------ actions

  /**
   * An admin action and, once it succeeded, its audit entry (written behind: see {@link AuditTrail}). The
   * thread is then marked read for the admin while `present` shapes the answer.
   */
  private async audited<T, R = T>(
    ctx: StaffContext,
    action: string,
    conversationId: string,
    details: Record<string, unknown>,
    work: () => Promise<T>,
    present: (done: T) => R | Promise<R> = (done) => done as unknown as R,
  ): Promise<R> {
    const done = await work();
    this.audit(ctx, action, conversationId, details);
    const [answer] = await Promise.all([present(done), this.markRead(ctx, conversationId)]);
    return answer;
  }

  /** {@link audited} for an action that changes the thread: answers with its new list item. */
  private async changeThread(
    ctx: StaffContext,
    action: string,
    conversationId: string,
    details: Record<string, unknown>,
    work: () => Promise<ConversationView>,
  ): Promise<InboxItem> {
    return this.audited(ctx, action, conversationId, details, work, (view) => this.itemOf(ctx, view));
  }

  private async itemOf(ctx: StaffContext, view: ConversationView): Promise<InboxItem> {
    const [docs, teams] = await Promise.all([
      this.deps.index.docs(ctx.tenantId, [view.id]),
      this.deps.teams.list(ctx.tenantId),
    ]);
    return this.toItem(view, docs.get(view.id), String(Date.now()), teams);
  }

  /** Takes a waiting thread (atomic; a conflict names the owner). */
  async claim(ctx: StaffContext, conversationId: string): Promise<InboxItem> {
    await this.checkScope(ctx, conversationId);
    return this.changeThread(ctx, 'claim', conversationId, {}, () =>
      this.deps.conversations.claim({ tenantId: ctx.tenantId, actor: this.actor(ctx), conversationId }),
    );
  }

  /** The owner's reply to the learner. */
  async reply(ctx: StaffContext, conversationId: string, input: { clientId: string; text: string }) {
    await this.checkScope(ctx, conversationId);
    return this.audited(ctx, 'reply', conversationId, { clientId: input.clientId }, () =>
      this.deps.conversations.postAdminReply({
        tenantId: ctx.tenantId,
        actor: this.actor(ctx),
        conversationId,
        ...input,
      }),
    );
  }

  /** An internal note (any staff member in scope). */
  async note(ctx: StaffContext, conversationId: string, input: { clientId: string; text: string }) {
    await this.checkScope(ctx, conversationId);
    return this.audited(ctx, 'note', conversationId, { clientId: input.clientId }, () =>
      this.deps.conversations.addNote({
        tenantId: ctx.tenantId,
        actor: this.actor(ctx),
        conversationId,
        ...input,
      }),
    );
  }

  /** Gives an owned thread to another staff member and/or team (owner, or a lead). */
  async transfer(
    ctx: StaffContext,
    conversationId: string,
    input: { toUserId?: string; teamId?: string; note?: string },
  ): Promise<InboxItem> {
    const current = await this.scoped(ctx, conversationId);
    const asLead = this.ownerOrLead(ctx, current);
    if (input.teamId) await this.deps.teams.get(ctx.tenantId, input.teamId);
    let work: () => Promise<ConversationView>;
    if (input.toUserId) {
      const target = await findInTenant(UserModel, objectId(input.toUserId, 'User'), ctx.tenantId);
      if (!target || target.lastRole === 'learner')
        throw new AppError(
          'unprocessable',
          'Conversations can only be transferred to staff of this institution.',
        );
      const to = { userId: input.toUserId, name: target.name ?? target.email };
      work = () =>
        this.deps.conversations.transfer({
          tenantId: ctx.tenantId,
          actor: this.actor(ctx),
          conversationId,
          to,
          teamId: input.teamId,
          note: input.note,
          asLead,
        });
    } else if (input.teamId) {
      const teamId = input.teamId;
      work = () =>
        this.deps.conversations.release({
          tenantId: ctx.tenantId,
          actor: this.actor(ctx),
          conversationId,
          teamId,
          note: input.note,
          asLead,
        });
    } else throw new AppError('bad_request', 'Choose a person or a team to transfer to.');
    const details = {
      toUserId: input.toUserId,
      teamId: input.teamId,
      ...(input.note ? { note: input.note.slice(0, 500) } : {}),
      asLead,
    };
    return this.changeThread(ctx, 'transfer', conversationId, details, work);
  }

  /** Returns the thread to the bot (owner, or a lead). */
  async handBack(ctx: StaffContext, conversationId: string, input: { note?: string }): Promise<InboxItem> {
    const current = await this.scoped(ctx, conversationId);
    const asLead = this.ownerOrLead(ctx, current);
    return this.changeThread(ctx, 'hand_back', conversationId, { asLead }, () =>
      this.deps.conversations.handBack({
        tenantId: ctx.tenantId,
        actor: this.actor(ctx),
        conversationId,
        note: input.note,
        asLead,
      }),
    );
  }

  /** Closes the thread with an optional resolution category (owner, or a lead). */
  async resolve(
    ctx: StaffContext,
    conversationId: string,
    input: { resolution?: string },
  ): Promise<InboxItem> {
    const current = await this.scoped(ctx, conversationId);
    const asLead = this.ownerOrLead(ctx, current);
    return this.changeThread(ctx, 'resolve', conversationId, { resolution: input.resolution, asLead }, () =>
      this.deps.conversations.resolve({
        tenantId: ctx.tenantId,
        actor: this.actor(ctx),
        conversationId,
        resolution: input.resolution,
        asLead,
      }),
    );
  }

  /** Reopens a resolved thread (back to the queue). */
  async reopen(ctx: StaffContext, conversationId: string, input: { note?: string }): Promise<InboxItem> {
    await this.checkScope(ctx, conversationId);
    return this.changeThread(ctx, 'reopen', conversationId, {}, () =>
      this.deps.conversations.reopen({
        tenantId: ctx.tenantId,
        actor: this.actor(ctx),
        conversationId,
        note: input.note,
      }),
    );
  }

  /** The owner acts as such; anyone else needs the lead permission (refused otherwise, naming the owner). */
  private ownerOrLead(
    ctx: StaffContext,
    view: Pick<ConversationView, 'status' | 'assigneeId' | 'assigneeName'>,
  ): boolean {
    if (view.status !== 'assigned' || view.assigneeId === ctx.userId) return false;
    if (ctx.isLead) return true;
    throw new AppError(
      'forbidden',
      `${view.assigneeName ?? 'Another admin'} owns this conversation; ask them or an inbox lead.`,
    );
  }

  /**
   * An admin has the inbox open (live channel connected, or a heartbeat): handoffs are live while one
   * is. Instructors do not count (they watch one course, not the institution's queue).
   */
  async watching(ctx: StaffContext, open: boolean): Promise<void> {
    if (ctx.role !== 'admin' || !this.deps.staffPresence) return;
    try {
      if (open) await this.deps.staffPresence.touch(ctx.tenantId, ctx.userId);
      else await this.deps.staffPresence.leave(ctx.tenantId, ctx.userId);
    } catch (error) {
      this.deps.logger?.warn({ err: error }, 'staff presence not recorded');
    }
  }

  /** A heartbeat from an open thread (viewing, typing). */
  async presence(ctx: StaffContext, conversationId: string, typing: boolean) {
    await this.watching(ctx, true);
    const view = await this.scoped(ctx, conversationId);
    return this.deps.presence.touch({
      tenantId: ctx.tenantId,
      conversationId,
      courseId: view.courseId,
      person: { userId: ctx.userId, ...(ctx.name ? { name: ctx.name } : {}) },
      typing,
    });
  }

  // ------------------------------------------------------------------ staff, canned replies, teams

  /** Transfer targets: the tenant's admins (and, for instructors, nobody outside their scope is hidden). */
  async staff(
    ctx: StaffContext,
  ): Promise<{ staff: PresencePerson[]; teams: Array<{ id: string; name: string }> }> {
    const [users, teams] = await Promise.all([
      UserModel.find(
        { tenantId: objectId(ctx.tenantId, 'Tenant'), lastRole: { $in: ['admin', 'instructor'] } },
        { name: 1, email: 1 },
      )
        .limit(1000)
        .lean(),
      this.deps.teams.list(ctx.tenantId),
    ]);
    return {
      staff: users
        .map((u) => ({ userId: String(u._id), name: u.name ?? u.email }))
        .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '')),
      teams: teams.map((t) => ({ id: t.id, name: t.name })),
    };
  }

  async cannedReplies(ctx: StaffContext): Promise<CannedView[]> {
    const rows = await CannedReplyModel.find({ tenantId: objectId(ctx.tenantId, 'Tenant') })
      .limit(500)
      .lean<CannedReply[]>();
    return rows
      .map((r) => ({ id: String(r._id), title: r.title, text: r.text }))
      .sort((a, b) => a.title.localeCompare(b.title));
  }

  async createCanned(ctx: StaffContext, input: { title: string; text: string }): Promise<CannedView> {
    this.requireLead(ctx);
    const row = await CannedReplyModel.create({ tenantId: objectId(ctx.tenantId, 'Tenant'), ...input });
    this.audit(ctx, 'canned_reply.create', undefined, { id: String(row._id), title: input.title });
    return { id: String(row._id), title: row.title, text: row.text };
  }

  async updateCanned(
    ctx: StaffContext,
    id: string,
    input: { title: string; text: string },
  ): Promise<CannedView> {
    this.requireLead(ctx);
    const result = await CannedReplyModel.updateOne(
      { _id: objectId(id, 'Canned reply'), tenantId: objectId(ctx.tenantId, 'Tenant') },
      { $set: input },
    );
    if (!result.matchedCount) throw new AppError('not_found', 'Canned reply was not found.');
    this.audit(ctx, 'canned_reply.update', undefined, { id, title: input.title });
    return { id, ...input };
  }

  async deleteCanned(ctx: StaffContext, id: string): Promise<void> {
    this.requireLead(ctx);
    const result = await CannedReplyModel.deleteOne({
      _id: objectId(id, 'Canned reply'),
      tenantId: objectId(ctx.tenantId, 'Tenant'),
    });
    if (!result.deletedCount) throw new AppError('not_found', 'Canned reply was not found.');
    this.audit(ctx, 'canned_reply.delete', undefined, { id });
  }

  /** A canned reply with the thread's learner, course and this admin filled in. */
  async renderCanned(ctx: StaffContext, id: string, conversationId: string): Promise<{ text: string }> {
    const [row, view] = await Promise.all([
      findInTenant(CannedReplyModel, objectId(id, 'Canned reply'), ctx.tenantId),
      this.load(ctx, conversationId),
    ]);
    if (!row) throw new AppError('not_found', 'Canned reply was not found.');
    const learner = await this.person(ctx.tenantId, view.user.userId);
    const name = view.user.name ?? learner?.name;
    return {
      text: renderCanned(row.text, {
        learner: { firstName: learner?.givenName ?? firstNameOf(name), name },
        course: { title: view.context?.courseTitle ?? view.handoff?.course?.title },
        admin: { name: ctx.name },
      }),
    };
  }

  async teams(_ctx: StaffContext): Promise<TeamView[]> {
    return this.deps.teams.list(_ctx.tenantId);
  }

  async createTeam(ctx: StaffContext, input: Parameters<TeamService['create']>[1]) {
    this.requireLead(ctx);
    const team = await this.deps.teams.create(ctx.tenantId, input);
    this.audit(ctx, 'team.create', undefined, { id: team.id, name: team.name });
    return team;
  }

  async updateTeam(ctx: StaffContext, id: string, input: Parameters<TeamService['update']>[2]) {
    this.requireLead(ctx);
    const team = await this.deps.teams.update(ctx.tenantId, id, input);
    this.audit(ctx, 'team.update', undefined, { id, name: team.name });
    return team;
  }

  /**
   * A course's instructor team from the LMS member list (NRPS): named after the course, its members the
   * course's instructors (who reach the inbox when they next launch), its threads routed to it.
   */
  async syncCourseTeam(ctx: StaffContext, courseId: string) {
    this.requireLead(ctx);
    const course = await findInTenant(CourseModel, courseId, ctx.tenantId);
    if (!course) throw new AppError('not_found', 'That course was not found.');
    const members = await listCourseMembers({ tenantId: ctx.tenantId, courseId });
    const instructors = members.filter((m) => m.role === 'instructor' && m.status !== 'Inactive');
    const title = course.title ?? course.label ?? 'Course';
    const team = await this.deps.teams.syncCourseTeam(ctx.tenantId, {
      courseId,
      name: `${title} instructors`.slice(0, 100),
      memberIds: instructors.map((m) => m.userId),
    });
    this.audit(ctx, 'team.sync_course', undefined, {
      id: team.id,
      courseId,
      members: instructors.length,
    });
    return { team, instructors: instructors.map((m) => ({ userId: m.userId, name: m.name ?? m.subject })) };
  }

  async deleteTeam(ctx: StaffContext, id: string) {
    this.requireLead(ctx);
    await this.deps.teams.remove(ctx.tenantId, id);
    this.audit(ctx, 'team.delete', undefined, { id });
  }

  // ------------------------------------------------------------------ settings and audit

  private settings(tenantId: string): Promise<InboxSettings | null> {
    return InboxSettingsModel.findOne({ _id: new Types.ObjectId(tenantId) }).lean<InboxSettings>();
  }

  async getSettings(ctx: StaffContext) {
    this.requireLead(ctx);
    const settings = await this.settings(ctx.tenantId);
    return { leadRoles: settings?.leadRoles ?? [], leadUserIds: settings?.leadUserIds ?? [] };
  }

  /** Who is a lead. A lead cannot remove their own permission by mistake (they stay listed). */
  async putSettings(ctx: StaffContext, input: { leadRoles: string[]; leadUserIds: string[] }) {
    this.requireLead(ctx);
    const leadUserIds = [...new Set(input.leadUserIds)];
    const leadRoles = [...new Set(input.leadRoles.map((r) => r.trim()).filter(Boolean))];
    await InboxSettingsModel.updateOne(
      { _id: new Types.ObjectId(ctx.tenantId) },
      { $set: { leadRoles, leadUserIds, updatedAt: new Date() } },
      { upsert: true },
    );
    this.leads.clear();
    this.audit(ctx, 'settings.update', undefined, { leadRoles, leadUserIds });
    return { leadRoles, leadUserIds };
  }

  /** Records an admin action that happened: who, what, when, from which launch (stored within moments). */
  audit(
    ctx: StaffContext,
    action: string,
    conversationId: string | undefined,
    details: Record<string, unknown>,
  ): void {
    const clean = Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined));
    this.trail.record({
      _id: new Types.ObjectId(),
      tenantId: new Types.ObjectId(ctx.tenantId),
      at: new Date(),
      actor: { userId: ctx.userId, role: ctx.role, ...(ctx.name ? { name: ctx.name } : {}) },
      action,
      ...(conversationId ? { conversationId: new Types.ObjectId(conversationId) } : {}),
      launchId: ctx.launchId,
      details: clean,
    });
  }

  /** Stores the audit entries still pending (at shutdown). */
  drainAudit(): Promise<void> {
    return this.trail.drain();
  }

  /** The audit log, newest first (leads only). */
  async auditLog(
    ctx: StaffContext,
    cursor?: string,
    limit = 50,
  ): Promise<{ entries: AuditView[]; nextCursor?: string }> {
    this.requireLead(ctx);
    // This process's entries still on their way are in the answer too (a lead's own last action).
    await this.trail.drain();
    const filter: Record<string, unknown> = { tenantId: objectId(ctx.tenantId, 'Tenant') };
    if (cursor) filter._id = { $lt: objectId(cursor, 'Cursor') };
    const rows = await AuditModel.find(filter)
      .sort({ _id: -1 })
      .limit(limit + 1)
      .lean<AuditEntry[]>();
    const entries = rows.slice(0, limit).map((row) => ({
      at: row.at.toISOString(),
      actor: { userId: row.actor.userId, ...(row.actor.name ? { name: row.actor.name } : {}) },
      action: row.action,
      ...(row.conversationId ? { conversationId: String(row.conversationId) } : {}),
      launchId: row.launchId,
      details: row.details ?? {},
    }));
    const last = rows[limit - 1];
    return rows.length > limit && last ? { entries, nextCursor: String(last._id) } : { entries };
  }
}
