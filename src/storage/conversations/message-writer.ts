import type { Collection } from 'mongodb';
import { Types } from 'mongoose';
import type { Conversation } from '../../conversations/conversation.model.js';
import { toMessageView } from '../../conversations/conversation.presenters.js';
import type { MessageCitation } from '../../conversations/conversation.types.js';
import type { Appended, AppendOptions, NewMessage } from '../../conversations/conversation-store.js';
import { type Message, MessageModel } from '../../conversations/message.model.js';
import { checkMessage } from '../../conversations/message-rules.js';
import type { EventEmitter } from '../../events/event-bus.js';
import { InsertBatcher } from '../../lib/insert-batcher.js';
import type { ConversationCache } from './thread-cache.js';

const AUTHORS = new Set(['learner', 'bot', 'admin', 'system']);
const KINDS = new Set(['message', 'note', 'event']);
export const isDuplicateKey = (error: unknown) => (error as { code?: number })?.code === 11000;

/**
 * A message document built directly, for the fields this domain itself produces (a mongoose document
 * costs about a millisecond of CPU per message). Returns undefined for anything the schema might refuse
 * or reshape, so the caller falls back to the schema's own validation and errors.
 */
function plainMessage(conversation: Conversation, fields: NewMessage): Message | undefined {
  const kind = fields.kind ?? 'message';
  if (
    !AUTHORS.has(fields.author) ||
    !KINDS.has(kind) ||
    typeof fields.text !== 'string' ||
    !fields.text ||
    typeof fields.clientId !== 'string' ||
    !fields.clientId ||
    fields.clientId.length > 100 ||
    !(fields.createdAt instanceof Date) ||
    (fields.authorId !== undefined && !(fields.authorId instanceof Types.ObjectId)) ||
    (fields.confidence !== undefined && typeof fields.confidence !== 'number') ||
    (fields.feedback !== undefined && fields.feedback !== 'up' && fields.feedback !== 'down')
  )
    return undefined;
  return {
    _id: new Types.ObjectId(),
    tenantId: conversation.tenantId,
    conversationId: conversation._id,
    author: fields.author,
    authorId: fields.authorId,
    authorName: fields.authorName === undefined ? undefined : String(fields.authorName),
    kind,
    text: fields.text,
    citations: (fields.citations ?? []).map((c) => ({
      index: c.index === undefined ? undefined : Number(c.index),
      title: c.title === undefined ? undefined : String(c.title),
      url: c.url === undefined ? undefined : String(c.url),
      path: c.path === undefined ? undefined : String(c.path),
      heading: c.heading === undefined ? undefined : String(c.heading),
    })) as MessageCitation[],
    confidence: fields.confidence,
    clientId: fields.clientId,
    internal: fields.internal ?? false,
    answer: fields.answer,
    feedback: fields.feedback,
    createdAt: fields.createdAt,
  };
}

/** A message built and checked by its mongoose schema (the path for anything {@link plainMessage} declines). */
async function validatedMessage(conversation: Conversation, fields: NewMessage): Promise<Message> {
  const created = new MessageModel({
    citations: [],
    internal: false,
    kind: 'message',
    ...fields,
    tenantId: conversation.tenantId,
    conversationId: conversation._id,
  });
  await created.validate();
  return created.toObject() as Message;
}

/**
 * The one writer of messages. Idempotency rests on the unique (conversation, clientId) index: insert
 * first, and a clash means "already written" (a lookup first would read the whole collection on
 * FerretDB, and costs a query on the hot path). Concurrent messages (many learners at once) go to the
 * database together through the insert batcher.
 */
export class MessageWriter {
  private readonly inserts = new InsertBatcher(() => MessageModel.collection as unknown as Collection);

  constructor(
    private readonly cache: ConversationCache,
    private readonly events: EventEmitter,
    private readonly maxChars: number,
  ) {}

  async append(conversation: Conversation, fields: NewMessage, options: AppendOptions): Promise<Appended> {
    checkMessage(fields, this.maxChars);
    try {
      return { message: await this.store(conversation, fields, options), duplicate: false };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // The message exists (a retry): its cause still has to be told.
      if (options.cause) await this.events.emit(options.cause);
      const first = await MessageModel.findOne({
        tenantId: conversation.tenantId,
        conversationId: conversation._id,
        clientId: fields.clientId,
      }).lean<Message>();
      if (!first) throw error;
      return { message: toMessageView(first), duplicate: true };
    }
  }

  /**
   * Stores a message and the events that tell of it side by side (one wait, not two); the events go out
   * only once both are stored (see `EventBus.emitAlongside`). A duplicate client id throws the database's
   * duplicate-key error, and nothing is published.
   */
  private async store(conversation: Conversation, fields: NewMessage, options: AppendOptions) {
    const message = plainMessage(conversation, fields) ?? (await validatedMessage(conversation, fields));
    const view = toMessageView(message);
    const inserted = this.inserts.insert(message);
    const stored = options.alongside ? this.storedWith(inserted, options.alongside, message) : inserted;
    const events = [...(options.cause ? [options.cause] : []), ...options.events(view)];
    // The cached list gets the message beside the event log (one round trip), before anyone hears of it.
    await this.events.emitAlongside(events, stored, () => this.cache.append(view));
    return view;
  }

  /**
   * A message stored side by side with the write it belongs to: should that write fail, the message is
   * taken back (nobody has seen it) and the write's error thrown.
   */
  private async storedWith(inserted: Promise<void>, alongside: Promise<unknown>, message: Message) {
    const [own, other] = await Promise.allSettled([inserted, alongside]);
    if (other.status === 'rejected') {
      if (own.status === 'fulfilled')
        await MessageModel.collection.deleteOne({ _id: message._id }).catch(() => undefined);
      throw other.reason;
    }
    if (own.status === 'rejected') throw own.reason;
  }
}
