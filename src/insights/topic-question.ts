import { Types } from 'mongoose';
import { type Conversation, ConversationModel } from '../conversations/conversation.model.js';
import type { MessageView } from '../conversations/conversation.views.js';
import { type Message, MessageModel } from '../conversations/message.model.js';
import { findInTenant } from '../db/by-id.js';
import type { TopicReason } from './topic.model.js';

/** The question a trigger is about, and where it was asked. */
export interface TriggerQuestion {
  tenantId: Types.ObjectId;
  conversationId: Types.ObjectId;
  courseId?: Types.ObjectId;
  messageId?: Types.ObjectId;
  text: string;
}

/** Why a trigger carries no question to give a topic (the job then does nothing). */
export type NoQuestion = 'not_found' | 'no_question' | 'not_low_confidence';

const isAnswer = (m: Pick<Message, 'author' | 'kind' | 'clientId'>) =>
  m.author === 'bot' && m.kind === 'message' && m.clientId.startsWith('bot:');

/**
 * Reads the question behind a trigger, scoped to the tenant: a handoff's is the one its card shows the
 * admin; a rated or low-confidence answer's is the learner message it replied to (the chat stores an
 * answer as `bot:<question client id>`). A low-confidence trigger is checked against what was stored
 * (declined, or below the tenant's threshold when it was answered).
 */
export async function findTriggerQuestion(
  input: { tenantId: string; conversationId: string; trigger: TopicReason; messageId?: string },
  lowConfidenceThreshold: () => Promise<number>,
  recentMessages?: () => Promise<readonly MessageView[]>,
): Promise<TriggerQuestion | NoQuestion> {
  if (!Types.ObjectId.isValid(input.tenantId) || !Types.ObjectId.isValid(input.conversationId))
    return 'not_found';
  const tenantId = new Types.ObjectId(input.tenantId);
  // By `_id` alone, the tenant (and for the answer, the thread) checked in code: FerretDB scans otherwise.
  const conversation = await findInTenant<Conversation>(ConversationModel, input.conversationId, tenantId, {
    _id: 1,
    courseId: 1,
    handoff: 1,
  });
  if (!conversation) return 'not_found';
  const where = { tenantId, conversationId: conversation._id, courseId: conversation.courseId };

  if (input.trigger === 'handoff') {
    const text = conversation.handoff?.question?.trim() ?? '';
    return text ? { ...where, text } : 'no_question';
  }
  if (!input.messageId || !Types.ObjectId.isValid(input.messageId)) return 'not_found';
  const answer = await findInTenant<Message>(MessageModel, input.messageId, tenantId);
  if (!answer?.conversationId.equals(conversation._id) || !isAnswer(answer)) return 'not_found';
  if (input.trigger === 'low_confidence') {
    const low =
      answer.answer?.notCovered === true ||
      (typeof answer.confidence === 'number' && answer.confidence < (await lowConfidenceThreshold()));
    if (!low) return 'not_low_confidence';
  }
  const clientId = answer.clientId.slice('bot:'.length);
  // The thread's recent messages first (its Redis copy, fresh right after an answer); the query by client
  // id, a scan of the messages on FerretDB 1, only when the question is not among them or the read failed.
  const thread = await recentMessages?.().catch(() => undefined);
  const recent = thread?.find((m) => m.clientId === clientId);
  if (recent && Types.ObjectId.isValid(recent.id)) {
    const text = recent.author === 'learner' ? recent.text.trim() : '';
    return text ? { ...where, messageId: new Types.ObjectId(recent.id), text } : 'no_question';
  }
  const question = await MessageModel.findOne({
    tenantId,
    conversationId: conversation._id,
    clientId,
  }).lean<Message>();
  const text = question?.author === 'learner' ? question.text.trim() : '';
  return text ? { ...where, messageId: question?._id, text } : 'no_question';
}
