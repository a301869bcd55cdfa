import { Types } from 'mongoose';
import { findInTenant } from '../db/by-id.js';
import type { EventEmitter } from '../events/event-bus.js';
import { notFound } from '../lib/errors.js';
import { ConversationModel } from './conversation.model.js';
import { toMessageView } from './conversation.presenters.js';
import type { MessageView } from './conversation.views.js';
import { MessageModel } from './message.model.js';

/**
 * Records a learner's thumbs up or down on a bot answer in their own thread. Both lookups are by `_id`
 * (the fast path on FerretDB); anything not theirs is "not found". Returns the answer as it now is
 * (callers holding a cache of the thread's messages replace it: see `ConversationService.recordFeedback`).
 * A changed rating emits `answer.rated` (staff only): a thumbs-down around a handoff becomes a labelled
 * miss for review (src/knowledge/labelled-miss.*); pressing the same thumb again emits nothing.
 */
export async function recordAnswerFeedback(
  input: {
    tenantId: string;
    userId: string;
    messageId: string;
    value: 'up' | 'down';
  },
  events: EventEmitter,
): Promise<MessageView> {
  if (!Types.ObjectId.isValid(input.messageId)) throw notFound('That answer');
  const message = await findInTenant(MessageModel, input.messageId, input.tenantId);
  if (message?.author !== 'bot') throw notFound('That answer');
  const conversation = await findInTenant(ConversationModel, message.conversationId, input.tenantId);
  if (!conversation || String(conversation.user.userId) !== input.userId) throw notFound('That answer');
  if (message.feedback === input.value) return toMessageView(message);
  // The rating and its event are stored side by side; the event goes out once both are.
  await events.emitAlongside(
    [
      {
        tenantId: input.tenantId,
        name: 'answer.rated',
        conversationId: String(conversation._id),
        courseId: conversation.courseId ? String(conversation.courseId) : undefined,
        userId: input.userId,
        actor: { userId: input.userId, role: conversation.user.role, name: conversation.user.name },
        payload: { messageId: String(message._id), value: input.value },
      },
    ],
    MessageModel.updateOne({ _id: message._id }, { $set: { feedback: input.value } }).exec(),
  );
  return toMessageView({ ...message, feedback: input.value });
}
