import type { Conversation } from '../conversations/conversation.model.js';
import type { MessageView } from '../conversations/conversation.views.js';
import type { AnyDomainEvent, DomainEvent } from '../events/catalog.js';
import type { Logger } from '../lib/logger.js';
import type { InboxIndexSource } from './inbox-index-source.js';
import type { InboxIndexStore, StoredEntry } from './inbox-index-store.js';
import {
  type IndexDoc,
  listsOf,
  previewOf,
  SLA_FIELDS,
  searchTokens,
  sortMember,
  withSla,
} from './index-doc.js';
import type { TeamRouting } from './teams.js';

const ms = (date?: Date | string) => (date ? new Date(date).getTime() : undefined);

/** Whether a stored entry comes from a later reading of the thread than `next` (another process raced us). */
const newerThan = (previous: IndexDoc | null, next: IndexDoc) =>
  previous !== null && (previous.v > next.v || (previous.v === next.v && previous.up > next.up));

/**
 * Keeps the inbox index in step with domain events (see {@link handleEvent}): each change is a
 * compare-and-set of the thread's entry, retried when another process changed it in between. Events carry
 * what most changes need; the thread's document is read (by `_id`) only when they do not.
 */
export class IndexProjection {
  constructor(
    private readonly deps: {
      store: InboxIndexStore;
      source: InboxIndexSource;
      teams: TeamRouting;
      logger?: Logger;
    },
  ) {}

  /** The index entry of a conversation document (preview fields come from the entry it replaces). */
  async docFromConversation(c: Conversation, previous?: IndexDoc | null): Promise<IndexDoc> {
    const tenantId = String(c.tenantId);
    const doc: IndexDoc = {
      v: c.version ?? 0,
      up: ms(c.updatedAt) ?? ms(c.lastMessageAt) ?? 0,
      s: c.status,
      p: c.priority,
      lm: ms(c.lastMessageAt) ?? 0,
      u: String(c.user.userId),
    };
    if (c.replyBy) doc.rb = ms(c.replyBy);
    if (c.resolvedAt) doc.ra = ms(c.resolvedAt);
    if (c.user.name) doc.n = c.user.name;
    if (c.user.role) doc.r = c.user.role;
    if (c.courseId) doc.c = String(c.courseId);
    const courseTitle = c.context?.courseTitle ?? c.handoff?.course?.title;
    if (courseTitle) doc.ct = courseTitle;
    if (c.category) doc.g = c.category;
    if (c.assigneeId) doc.a = String(c.assigneeId);
    if (c.assigneeName) doc.an = c.assigneeName;
    // A prospect's enquiry later than any handoff: the thread is a lead, out of every list (IndexDoc.ld).
    const leadAt = ms(c.leadAt);
    if (leadAt !== undefined && leadAt > (ms(c.handoff?.createdAt) ?? 0)) doc.ld = leadAt;
    const reasons = [...new Set((c.handoff?.reasons ?? []).map((r) => r.code))];
    if (reasons.length) doc.rs = reasons;
    const team = c.teamId
      ? String(c.teamId)
      : await this.deps.teams.route(tenantId, { courseId: doc.c, category: doc.g });
    if (team) doc.t = team;
    if (previous?.pt !== undefined) {
      doc.pv = previous.pv;
      doc.pa = previous.pa;
      doc.pt = previous.pt;
      doc.lm = Math.max(doc.lm, previous.lm);
    }
    // The SLA snapshot is not on the conversation document: it comes from `sla.*` events only.
    if (previous)
      for (const field of SLA_FIELDS)
        if (previous[field] !== undefined) (doc[field] as unknown) = previous[field];
    return doc;
  }

  /** Stores `next` for a thread if its entry is still `previous` (null: absent). */
  private apply(
    tenantId: string,
    id: string,
    previous: StoredEntry | null,
    next: IndexDoc | null,
  ): Promise<boolean> {
    const old = previous?.doc ?? null;
    const oldMember = old ? sortMember(id, old) : '';
    const newMember = next ? sortMember(id, next) : '';
    const oldLists = old ? listsOf(old) : [];
    const newLists = next ? listsOf(next) : [];
    const same = oldMember === newMember;
    return this.deps.store.write(tenantId, {
      id,
      expected: previous?.token ?? '',
      next,
      oldMember,
      newMember,
      leave: same ? oldLists.filter((list) => !newLists.includes(list)) : oldLists,
      join: same ? newLists.filter((list) => !oldLists.includes(list)) : newLists,
    });
  }

  private async entry(tenantId: string, id: string): Promise<StoredEntry | null> {
    return (await this.deps.store.entries(tenantId, [id]))[0] ?? null;
  }

  /** Re-reads a thread by _id and updates its entry (newer readings win; retried when raced). */
  private async refresh(tenantId: string, conversationId: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const [conversation, stored] = await Promise.all([
        this.deps.source.conversation(tenantId, conversationId),
        this.entry(tenantId, conversationId),
      ]);
      if (!conversation) {
        if (!stored || (await this.apply(tenantId, conversationId, stored, null))) return;
        continue;
      }
      const next = await this.docFromConversation(conversation, stored?.doc ?? null);
      if (newerThan(stored?.doc ?? null, next)) return;
      if (await this.apply(tenantId, conversationId, stored, next)) return;
    }
    this.deps.logger?.warn({ tenantId, conversationId }, 'inbox index: gave up refreshing a busy thread');
  }

  /** A new message: last activity, preview (learner/admin lines) and the word index. */
  private async applyMessage(tenantId: string, message: MessageView): Promise<void> {
    const id = message.conversationId;
    const searchable = message.author === 'learner' || message.author === 'admin';
    if (searchable) await this.deps.store.addWords(tenantId, id, searchTokens(message.text));
    // Last activity follows the document's lastMessageAt: learner and admin messages and bot answers
    // (client id `bot:…`), not notes, status lines or the bot's own announcements.
    const activity = searchable || (message.author === 'bot' && message.clientId.startsWith('bot:'));
    if (message.kind !== 'message' || !activity) return;
    const at = ms(message.createdAt) ?? Date.now();
    for (let attempt = 0; attempt < 5; attempt++) {
      const stored = await this.entry(tenantId, id);
      if (!stored) {
        // Not indexed yet (the index was rebuilt meanwhile): read the thread whole.
        await this.refresh(tenantId, id);
        if (!(await this.deps.store.has(tenantId, id))) return;
        continue;
      }
      const old = stored.doc;
      const next: IndexDoc = { ...old, lm: Math.max(old.lm, at) };
      if (searchable && message.kind === 'message' && at >= (old.pt ?? 0)) {
        next.pv = previewOf(message.text);
        next.pa = message.author as 'learner' | 'admin';
        next.pt = at;
      }
      if (await this.apply(tenantId, id, stored, next)) return;
    }
  }

  /**
   * Keeps the index in step with a domain event. Called in-process, before the event is published, by
   * every process that writes conversations, so a list read after an action (or after its live event)
   * already shows it.
   */
  async handleEvent(event: AnyDomainEvent): Promise<void> {
    const { tenantId, conversationId } = event;
    if (!conversationId) return;
    switch (event.name) {
      case 'message.posted':
      case 'note.added':
        return this.applyMessage(tenantId, event.payload.message);
      case 'conversation.contact_updated':
        return;
      case 'conversation.marked_lead':
        return this.applyLead(event);
      case 'sla.updated':
      case 'sla.warned':
      case 'sla.breached':
      case 'sla.escalated':
        return this.applySla(event);
      case 'conversation.opened':
        return this.applyOpened(event);
      case 'conversation.handed_off':
        // On the learner's path: patched at once from the event; the document (course title, a routed
        // team) is read in the background.
        if (await this.patchTransition(event)) {
          void this.refresh(tenantId, conversationId).catch((error) =>
            this.deps.logger?.warn({ err: error }, 'inbox index refresh failed'),
          );
          return;
        }
        return this.refresh(tenantId, conversationId);
      case 'conversation.claimed':
      case 'conversation.transferred':
      case 'conversation.released':
      case 'conversation.handed_back':
      case 'conversation.resolved':
        if (await this.patchTransition(event)) return;
        return this.refresh(tenantId, conversationId);
      default:
        return this.refresh(tenantId, conversationId);
    }
  }

  /** A new thread's entry, built from the event (no read: opening a thread is on the learner's first-message path). */
  private async applyOpened(event: DomainEvent<'conversation.opened'>): Promise<void> {
    const { tenantId, conversationId } = event;
    if (!conversationId) return;
    const at = ms(event.at) ?? Date.now();
    const doc: IndexDoc = {
      v: 0,
      up: at,
      s: event.payload.status,
      p: event.payload.priority,
      lm: at,
      u: event.payload.userId,
    };
    if (event.actor.name) doc.n = event.actor.name;
    if (event.payload.role) doc.r = event.payload.role;
    if (event.courseId) doc.c = event.courseId;
    const team = await this.deps.teams.route(tenantId, { courseId: doc.c });
    if (team) doc.t = team;
    if (doc.n) await this.deps.store.addWords(tenantId, conversationId, searchTokens(doc.n));
    if (!(await this.apply(tenantId, conversationId, null, doc)))
      await this.refresh(tenantId, conversationId);
  }

  /**
   * A thread became a lead (`conversation.marked_lead`): out of every list, count and search at once
   * (IndexDoc.ld), patched from the event without reading the document. `up` moves to the enquiry's time,
   * so a reading of the document from before the mark (another process racing) cannot put it back; a
   * reading from after it carries `leadAt` and keeps the mark. Not indexed yet: the document is read.
   */
  private async applyLead(event: DomainEvent<'conversation.marked_lead'>): Promise<void> {
    const { tenantId, conversationId } = event;
    if (!conversationId) return;
    const at = ms(event.payload.leadAt) ?? ms(event.at) ?? Date.now();
    for (let attempt = 0; attempt < 5; attempt++) {
      const stored = await this.entry(tenantId, conversationId);
      if (!stored) return this.refresh(tenantId, conversationId);
      const old = stored.doc;
      if (old.ld !== undefined && old.ld >= at) return;
      const next: IndexDoc = { ...old, ld: at, up: Math.max(old.up, at) };
      if (await this.apply(tenantId, conversationId, stored, next)) return;
    }
    this.deps.logger?.warn({ tenantId, conversationId }, 'inbox index: gave up marking a lead');
  }

  /**
   * A thread's SLA snapshot from an `sla.*` event (every one carries it): state and times, and so its
   * place in the At risk and Breached views. An older event (lower sequence) never overwrites a newer one.
   * For `sla.updated` the document is read too (by `_id`): the timers move the thread's reply-by to the
   * running response clock without an event of its own, just before they tell of the new snapshot.
   * Warnings, breaches and escalations change no reply-by: their entry is patched without a read.
   */
  private async applySla(
    event: DomainEvent<'sla.updated' | 'sla.warned' | 'sla.breached' | 'sla.escalated'>,
  ): Promise<void> {
    const { tenantId, conversationId } = event;
    if (!conversationId) return;
    const read = event.name === 'sla.updated';
    for (let attempt = 0; attempt < 5; attempt++) {
      const [conversation, stored] = await Promise.all([
        read ? this.deps.source.conversation(tenantId, conversationId) : undefined,
        this.entry(tenantId, conversationId),
      ]);
      if (conversation === null) return;
      const previous = stored?.doc ?? null;
      if (!conversation && !previous) {
        // Not indexed (yet): read the thread whole, then apply the snapshot to that entry.
        await this.refresh(tenantId, conversationId);
        if (!(await this.deps.store.has(tenantId, conversationId))) return;
        continue;
      }
      const fresh = conversation
        ? await this.docFromConversation(conversation, previous)
        : (previous as IndexDoc);
      // An entry from a later reading (another process raced us) keeps its other fields.
      const base = newerThan(previous, fresh) ? (previous as IndexDoc) : fresh;
      const next = withSla(base, event.payload.sla, event.seq);
      if (next === previous) return;
      if (await this.apply(tenantId, conversationId, stored, next)) return;
    }
    this.deps.logger?.warn({ tenantId, conversationId }, 'inbox index: gave up applying an SLA change');
  }

  /**
   * Staff actions carry everything their entry needs: applied to the entry of the version just before,
   * without reading the document (reads cost a scan on FerretDB). False when the entry is not that
   * version (the caller then reads the document).
   */
  private async patchTransition(event: AnyDomainEvent): Promise<boolean> {
    const { tenantId, conversationId } = event;
    if (!conversationId || !('version' in event.payload)) return false;
    const payload = event.payload as {
      to: IndexDoc['s'];
      version: number;
      assignee?: { userId: string; name?: string };
      teamId?: string;
    };
    const stored = await this.entry(tenantId, conversationId);
    if (!stored) return false;
    const old = stored.doc;
    if (old.v !== payload.version - 1) return false;
    const at = ms(event.at) ?? Date.now();
    // `up` stays: a later reading of the document (same version, newer updatedAt) must still win.
    const next: IndexDoc = { ...old, s: payload.to, v: payload.version };
    if (payload.assignee) {
      next.a = payload.assignee.userId;
      if (payload.assignee.name) next.an = payload.assignee.name;
      else delete next.an;
    } else if (event.name !== 'conversation.resolved') {
      delete next.a;
      delete next.an;
    }
    if (payload.teamId) next.t = payload.teamId;
    if (event.name === 'conversation.handed_back') delete next.rb;
    if (event.name === 'conversation.handed_off') {
      const handoff = event.payload;
      next.p = handoff.priority;
      if (handoff.category) next.g = handoff.category;
      // A genuine handoff brings a lead thread into the inbox.
      delete next.ld;
      next.rb = ms(handoff.replyBy);
      next.rs = [...new Set(handoff.reasons.map((r) => r.code))];
      if (!next.t) {
        const team = await this.deps.teams.route(tenantId, { courseId: next.c, category: next.g });
        if (team) next.t = team;
      }
    }
    if (event.name === 'conversation.resolved') next.ra = at;
    return this.apply(tenantId, conversationId, stored, next);
  }
}
