import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import { findInTenant, findKeyedInTenant, TAKEN } from '../db/by-id.js';
import type { EventEmitter } from '../events/event-bus.js';
import { AppError } from '../lib/errors.js';
import { UserModel } from '../users/user.model.js';
import { type Lead, LeadModel, type LeadStage, type LeadStatus } from './lead.model.js';
import { type ContactField, type ContactInput, checkContact } from './lead-contact.js';
import type { LeadIntent } from './lead-intent.js';
import { consentTextFor } from './lead-settings.js';

/** Who is acting on the Leads page (an admin of the tenant). */
export interface LeadActor {
  tenantId: string;
  userId: string;
  /** Shown with their notes; read from their user when not given. */
  name?: string;
}

/** The learner side: whose thread it is. */
export interface LeadLearner {
  tenantId: string;
  userId: string;
  locale?: string;
}

/** A staff change to a lead: any of status, owner (null: nobody), a note. */
export interface LeadChange {
  status?: LeadStatus;
  ownerId?: string | null;
  note?: string;
}

/** A learner's message the detector took for a prospect's enquiry, in their thread. */
export interface LeadEnquiry {
  tenantId: string;
  conversationId: string;
  courseId?: string;
  userId: string;
  message: string;
  messageId?: string;
  locale?: string;
  intent: LeadIntent;
}

/** The result of submitting the card: stored (new or already), or the fields to fix. */
export type CaptureResult =
  | { ok: true; lead: Lead; created: boolean }
  | { ok: false; fields: Partial<Record<ContactField, string>> };

/**
 * Runs `work` alone among the writes of one lead (a Redis lock per lead). FerretDB 1 does not isolate
 * concurrent updates of one document: two staff saves of one lead could both pass the version check and
 * one's note be lost, so every write of a lead goes through this, on MongoDB 7 too (one code path).
 */
export type LeadWriteLock = <T>(leadId: string, work: () => Promise<T>) => Promise<T>;

const isDuplicateKey = (error: unknown) => (error as { code?: number })?.code === 11000;

/**
 * Leads: a prospect's enquiry in the chat, the details they leave, and what sales does with them.
 * One lead per thread (`_id` the conversation id), so asking twice, submitting twice or two tabs at once
 * all land on one document; every staff read and write is scoped to the tenant (another tenant's lead is
 * "not found"). Capturing emits `lead.captured`, which routes the lead to the tenant's sales channels.
 */
export class LeadService {
  private readonly now: () => Date;

  constructor(private readonly deps: { events: EventEmitter; exclusive: LeadWriteLock; now?: () => Date }) {
    this.now = deps.now ?? (() => new Date());
  }

  // ---------------------------------------------------------------- the chat

  /**
   * Records that the learner's message was a prospect's enquiry and the card is offered (again, after a
   * decline). A thread whose details were already captured stays captured: the caller says so instead.
   */
  async ask(input: LeadEnquiry): Promise<{ stage: LeadStage }> {
    return this.deps.exclusive(input.conversationId, () => this.askAlone(input));
  }

  private async askAlone(input: LeadEnquiry): Promise<{ stage: LeadStage }> {
    const _id = new Types.ObjectId(input.conversationId);
    const now = this.now();
    const asked = {
      message: input.message,
      ...(input.messageId ? { messageId: input.messageId } : {}),
      ...(input.locale ? { locale: input.locale } : {}),
      signals: input.intent.signals,
      score: input.intent.score,
      stage: 'asked' as const,
      askedAt: now,
      updatedAt: now,
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await findKeyedInTenant(LeadModel, _id, input.tenantId, { stage: 1 });
      if (existing === TAKEN) throw new AppError('not_found', 'Thread not found.');
      if (existing) {
        if (existing.stage === 'captured') return { stage: 'captured' };
        const updated = await LeadModel.collection.updateOne({ _id, stage: existing.stage }, { $set: asked });
        if (updated.matchedCount === 1) return { stage: 'asked' };
        continue;
      }
      try {
        await LeadModel.collection.insertOne({
          _id,
          tenantId: new Types.ObjectId(input.tenantId),
          ...(input.courseId ? { courseId: new Types.ObjectId(input.courseId) } : {}),
          conversationId: _id,
          userId: new Types.ObjectId(input.userId),
          ...asked,
          status: 'new',
          notes: [],
          version: 0,
          createdAt: now,
        });
        return { stage: 'asked' };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
    throw new AppError('conflict', 'The enquiry changed meanwhile. Please try again.');
  }

  /** The lead of the learner's own thread (null: none, or not theirs). */
  private async own(learner: LeadLearner, conversationId: string): Promise<Lead | null> {
    const lead = await findInTenant(LeadModel, conversationId, learner.tenantId);
    return lead && String(lead.userId) === learner.userId ? lead : null;
  }

  /** What the chat shows for a thread: the card's stage and consent sentence. */
  async chatState(
    learner: LeadLearner,
    conversationId: string,
  ): Promise<{ stage: LeadStage | null; consentText: string }> {
    const [lead, consentText] = await Promise.all([
      this.own(learner, conversationId),
      consentTextFor(learner.tenantId, learner.locale),
    ]);
    return { stage: lead?.stage ?? null, consentText };
  }

  /**
   * The learner submitted the card. Checked field by field (in their language); the consent sentence
   * stored is the one the tenant shows now, with the time. Idempotent: a thread already captured returns
   * its lead unchanged (`created: false`) and emits nothing; only the submission that stores the details
   * emits `lead.captured`.
   */
  async capture(learner: LeadLearner, conversationId: string, input: ContactInput): Promise<CaptureResult> {
    return this.deps.exclusive(conversationId, () => this.captureAlone(learner, conversationId, input));
  }

  private async captureAlone(
    learner: LeadLearner,
    conversationId: string,
    input: ContactInput,
  ): Promise<CaptureResult> {
    const lead = await this.own(learner, conversationId);
    if (!lead)
      throw new AppError('not_found', 'There is no enquiry to send details for in this conversation.');
    if (lead.stage === 'captured') return { ok: true, lead, created: false };
    const checked = checkContact(input, learner.locale ?? lead.locale);
    if (!checked.ok) return checked;
    const now = this.now();
    const consent = { text: await consentTextFor(learner.tenantId, learner.locale ?? lead.locale), at: now };
    const set = {
      stage: 'captured',
      contact: checked.contact,
      consent,
      capturedAt: now,
      status: 'new',
      updatedAt: now,
    };
    const updated = await LeadModel.collection.updateOne({ _id: lead._id, stage: lead.stage }, { $set: set });
    const stored = await findInTenant(LeadModel, lead._id, learner.tenantId);
    if (!stored)
      throw new AppError('not_found', 'There is no enquiry to send details for in this conversation.');
    // Another submission (a second tab) stored it first: that one told sales.
    if (updated.modifiedCount !== 1) return { ok: true, lead: stored, created: false };
    await this.deps.events.emit({
      tenantId: learner.tenantId,
      name: 'lead.captured',
      conversationId: String(lead.conversationId),
      ...(lead.courseId ? { courseId: String(lead.courseId) } : {}),
      userId: String(lead.userId),
      actor: { userId: learner.userId, role: 'learner' },
      payload: { leadId: String(lead._id) },
    });
    return { ok: true, lead: stored, created: true };
  }

  /** "No thanks": the card goes away and the learner keeps chatting (nothing is sent to sales). */
  async decline(learner: LeadLearner, conversationId: string): Promise<{ stage: LeadStage }> {
    return this.deps.exclusive(conversationId, () => this.declineAlone(learner, conversationId));
  }

  private async declineAlone(learner: LeadLearner, conversationId: string): Promise<{ stage: LeadStage }> {
    const lead = await this.own(learner, conversationId);
    if (!lead) throw new AppError('not_found', 'There is no enquiry in this conversation.');
    if (lead.stage !== 'asked') return { stage: lead.stage };
    const now = this.now();
    await LeadModel.collection.updateOne(
      { _id: lead._id, stage: 'asked' },
      { $set: { stage: 'declined', declinedAt: now, updatedAt: now } },
    );
    return { stage: 'declined' };
  }

  // ---------------------------------------------------------------- the Leads page

  /**
   * A tenant's leads, newest first, optionally of one status: every thread the chat took for a prospect's
   * enquiry, with details or not (a prospect who declined the form or left it still went to sales, not to
   * the support inbox, so this is where staff see the thread).
   */
  async list(tenantId: string, filter: { status?: LeadStatus; limit?: number } = {}): Promise<Lead[]> {
    return LeadModel.find({
      tenantId: new Types.ObjectId(tenantId),
      ...(filter.status ? { status: filter.status } : {}),
    })
      .sort({ askedAt: -1 })
      .limit(filter.limit ?? 1000)
      .lean<Lead[]>();
  }

  /** One lead of the tenant, or "not found". */
  async get(tenantId: string, leadId: string): Promise<Lead> {
    const lead = await findInTenant(LeadModel, leadId, tenantId);
    if (!lead) throw new AppError('not_found', 'That lead was not found.');
    return lead;
  }

  /** The admins of the tenant a lead can be given to. */
  async owners(tenantId: string): Promise<Array<{ userId: string; name: string }>> {
    const users = await UserModel.find(
      { tenantId: new Types.ObjectId(tenantId), lastRole: 'admin' },
      { name: 1, email: 1 },
    )
      .limit(1000)
      .lean();
    return users
      .map((user) => ({ userId: String(user._id), name: user.name ?? user.email ?? 'Administrator' }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Changes a lead's status, owner (an admin of the tenant, or nobody) and/or adds a note, in one
   * conditional update on its version: of two admins saving at once, the second is told to reload.
   */
  async change(
    actor: LeadActor,
    leadId: string,
    change: LeadChange,
    expectedVersion?: number,
  ): Promise<Lead> {
    return this.deps.exclusive(leadId, () => this.changeAlone(actor, leadId, change, expectedVersion));
  }

  private async changeAlone(
    actor: LeadActor,
    leadId: string,
    change: LeadChange,
    expectedVersion?: number,
  ): Promise<Lead> {
    const lead = await this.get(actor.tenantId, leadId);
    if (expectedVersion !== undefined && expectedVersion !== lead.version)
      throw new AppError('conflict', 'Someone changed this lead meanwhile. Reload it and try again.');
    const set: Record<string, unknown> = { updatedAt: this.now() };
    const unset: Record<string, ''> = {};
    if (change.status) set.status = change.status;
    if (change.ownerId === null) unset.owner = '';
    else if (change.ownerId) {
      const user = await findInTenant(UserModel, change.ownerId, actor.tenantId, {
        name: 1,
        email: 1,
        lastRole: 1,
      });
      if (user?.lastRole !== 'admin')
        throw new AppError('bad_request', 'ownerId: must be an administrator of this organisation');
      set.owner = {
        userId: String(user._id),
        ...(user.name || user.email ? { name: user.name ?? user.email } : {}),
      };
    }
    const update: Record<string, unknown> = { $set: set, $inc: { version: 1 } };
    if (Object.keys(unset).length) update.$unset = unset;
    if (change.note) {
      // The author's name is read only for a note (users is a large collection).
      const author =
        actor.name ??
        (await findInTenant(UserModel, actor.userId, actor.tenantId, { name: 1, email: 1 }).then(
          (user) => user?.name ?? user?.email,
        ));
      update.$push = {
        notes: {
          id: randomUUID(),
          authorId: actor.userId,
          ...(author ? { authorName: author } : {}),
          text: change.note,
          at: this.now(),
        },
      };
    }
    const updated = await LeadModel.collection.updateOne({ _id: lead._id, version: lead.version }, update);
    if (updated.matchedCount !== 1)
      throw new AppError('conflict', 'Someone changed this lead meanwhile. Reload it and try again.');
    return this.get(actor.tenantId, leadId);
  }
}
