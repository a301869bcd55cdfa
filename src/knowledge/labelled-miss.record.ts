import { Types } from 'mongoose';
import { type Conversation, ConversationModel } from '../conversations/conversation.model.js';
import { type Message, MessageModel } from '../conversations/message.model.js';
import { findEachInTenant, findInTenant } from '../db/by-id.js';
import type { EventEmitter } from '../events/event-bus.js';
import { detectQuestionLanguage } from './eval-language.js';
import { KnowledgeSourceModel } from './knowledge.models.js';
import { findMisses, type MissFinding, ratingCanCount, type ThreadItem } from './labelled-miss.decision.js';
import { type LabelledMiss, LabelledMissModel, type MissSource } from './labelled-miss.model.js';

/** How far back a thread is read: the stretch before a handoff is a handful of turns, never hundreds. */
const THREAD_LINES = 120;
/** Closest sources kept for a declined answer (it cited none). */
const CLOSEST_SOURCES = 3;

const isDuplicateKey = (error: unknown) => (error as { code?: number })?.code === 11000;

/** A bot answer to a learner question (the chat stores it as `bot:<question client id>`). */
const isAnswer = (m: Message) => m.author === 'bot' && m.kind === 'message' && m.clientId.startsWith('bot:');

/** A thread's lines as the miss decision reads them (oldest first). */
export function threadItems(
  messages: readonly Message[],
  latestHandoff: Conversation['handoff'],
): ThreadItem[] {
  const items: ThreadItem[] = [];
  let lastHandoff = -1;
  for (const m of messages) {
    if (m.internal || m.kind === 'note') continue;
    if (isAnswer(m)) items.push({ kind: 'answer', id: String(m._id), feedback: m.feedback });
    else if (m.author === 'learner') items.push({ kind: 'learner' });
    else if (m.clientId.startsWith('offer:')) items.push({ kind: 'offer' });
    else if (m.clientId.startsWith('handoff:')) {
      lastHandoff = items.length;
      items.push({ kind: 'handoff' });
    } else if (m.clientId.startsWith('sys:hand_back:') || m.clientId.startsWith('sys:resolve:'))
      items.push({ kind: 'back_to_bot' });
  }
  // Only the latest handoff's card is kept: it says whether the learner asked for a person, and how.
  const request = latestHandoff?.reasons.find((r) => r.code === 'human_request');
  if (lastHandoff >= 0 && request?.code === 'human_request')
    items[lastHandoff] = { kind: 'handoff', humanRequest: request.via };
  return items;
}

/** What a recording run did (for the job's result and tests). */
export interface RecordOutcome {
  found: number;
  recorded: string[];
}

/**
 * Reads a thread after a handoff or a rating and stores each labelled miss it holds (see
 * {@link findMisses}), then emits `knowledge.miss_recorded` for each. Idempotent: a miss's id is its
 * answer's id, so a second run stores nothing new; a miss stored by a run that failed before its event
 * went out gets the event from the next run.
 */
export async function recordMisses(
  input: {
    tenantId: string;
    conversationId: string;
    trigger: 'handoff' | 'rating';
    messageId?: string;
  },
  events: EventEmitter,
  now: () => Date = () => new Date(),
): Promise<RecordOutcome> {
  if (!Types.ObjectId.isValid(input.conversationId)) return { found: 0, recorded: [] };
  const tenantId = new Types.ObjectId(input.tenantId);
  const conversation = await findInTenant(ConversationModel, input.conversationId, tenantId);
  if (!conversation) return { found: 0, recorded: [] };
  // Most thumbs-downs come while the bot still has the thread: nothing to find, so the thread (a
  // conversationId filter, a scan on FerretDB) is not read.
  if (input.trigger === 'rating' && !ratingCanCount(conversation.status)) return { found: 0, recorded: [] };
  const newest = await MessageModel.find({ tenantId, conversationId: conversation._id })
    .sort({ createdAt: -1, _id: -1 })
    .limit(THREAD_LINES)
    .lean<Message[]>();
  const messages = newest.reverse();
  const findings = findMisses({
    trigger: input.trigger,
    status: conversation.status,
    items: threadItems(messages, conversation.handoff),
    ratedAnswerId: input.messageId,
  });
  const recorded: string[] = [];
  for (const finding of findings) {
    const answer = messages.find((m) => String(m._id) === finding.answerId);
    if (!answer) continue;
    const miss = await storeMiss(conversation, messages, answer, finding, now());
    if (!miss || miss.announcedAt) continue;
    // One run announces: the one whose conditional write claims it (two runs at once, e.g. the handoff's
    // and a rating's, both see it unannounced). A failed emit gives the claim back for the retry.
    const claimed = await LabelledMissModel.updateOne(
      { _id: miss._id, announcedAt: null },
      { $set: { announcedAt: now() } },
    );
    if (claimed.modifiedCount !== 1) continue;
    try {
      await events.emit({
        tenantId: input.tenantId,
        name: 'knowledge.miss_recorded',
        conversationId: String(conversation._id),
        courseId: conversation.courseId ? String(conversation.courseId) : undefined,
        userId: String(conversation.user.userId),
        actor: { role: 'system' },
        payload: { missId: String(miss._id), messageId: finding.answerId },
      });
    } catch (error) {
      await LabelledMissModel.updateOne({ _id: miss._id }, { $set: { announcedAt: null } }).catch(
        () => undefined,
      );
      throw error;
    }
    recorded.push(String(miss._id));
  }
  return { found: findings.length, recorded };
}

/** Stores one miss unless it exists; returns the stored one either way. */
async function storeMiss(
  conversation: Conversation,
  messages: readonly Message[],
  answer: Message,
  finding: MissFinding,
  at: Date,
): Promise<LabelledMiss | null> {
  const existing = await findInTenant(LabelledMissModel, answer._id, conversation.tenantId);
  if (existing) return existing;
  const question = await questionOf(conversation, messages, answer);
  const doc: LabelledMiss = {
    _id: answer._id,
    tenantId: conversation.tenantId,
    ...(conversation.courseId ? { courseId: conversation.courseId } : {}),
    conversationId: conversation._id,
    question,
    language: detectQuestionLanguage(question),
    askerRole: conversation.user.role,
    answer: {
      text: answer.text,
      ...(typeof answer.confidence === 'number' ? { confidence: answer.confidence } : {}),
      notCovered: answer.answer?.notCovered ?? false,
      sources: await sourcesOf(conversation.tenantId, answer),
      answeredAt: answer.createdAt,
    },
    signal: finding.signal,
    handoffReasons: conversation.handoff?.reasons ?? [],
    ...(conversation.handoff?.createdAt ? { handedOffAt: new Date(conversation.handoff.createdAt) } : {}),
    recordedAt: at,
    label: null,
    announcedAt: null,
  };
  try {
    await LabelledMissModel.collection.insertOne(doc);
    return doc;
  } catch (error) {
    // Another run stored it first: theirs stands.
    if (!isDuplicateKey(error)) throw error;
    return findInTenant(LabelledMissModel, answer._id, conversation.tenantId);
  }
}

/** The learner message the answer replied to (its client id is in the answer's), else the one before it. */
async function questionOf(conversation: Conversation, messages: readonly Message[], answer: Message) {
  const clientId = answer.clientId.slice('bot:'.length);
  const byId =
    messages.find((m) => m.author === 'learner' && m.clientId === clientId) ??
    (await MessageModel.findOne({
      tenantId: conversation.tenantId,
      conversationId: conversation._id,
      clientId,
    }).lean<Message>());
  if (byId) return byId.text;
  const index = messages.indexOf(answer);
  const before = messages
    .slice(0, Math.max(0, index))
    .reverse()
    .find((m) => m.author === 'learner' && m.kind === 'message');
  return before?.text ?? '';
}

/**
 * The sources behind the answer: the ones it cited (title, file, section), with their ids; for a
 * declined answer, the closest few retrieval found (it cited none).
 */
async function sourcesOf(tenantId: Types.ObjectId, answer: Message): Promise<MissSource[]> {
  const passageIds = [...new Set((answer.answer?.passages ?? []).map((p) => p.sourceId))].filter((id) =>
    Types.ObjectId.isValid(id),
  );
  const known = (
    await findEachInTenant(KnowledgeSourceModel, passageIds, tenantId, { title: 1, path: 1 })
  ).filter((s) => s !== null);
  if (answer.citations.length > 0)
    return answer.citations.map((c) => {
      const source = known.find((s) => (c.path ? s.path === c.path : s.title === c.title));
      return {
        ...(source ? { sourceId: String(source._id) } : {}),
        title: c.title,
        ...(c.path ? { path: c.path } : source ? { path: source.path } : {}),
        ...(c.heading ? { heading: c.heading } : {}),
        cited: true,
      };
    });
  return passageIds.slice(0, CLOSEST_SOURCES).flatMap((id) => {
    const source = known.find((s) => String(s._id) === id);
    return source ? [{ sourceId: id, title: source.title, path: source.path, cited: false }] : [];
  });
}
