import { Types } from 'mongoose';
import { type Conversation, ConversationModel } from '../../conversations/conversation.model.js';
import { type Message, MessageModel } from '../../conversations/message.model.js';
import { findInTenant } from '../../db/by-id.js';
import type { DomainEvent } from '../../events/catalog.js';
import { EventModel, type EventRecord } from '../../events/event.model.js';
import type { InboxIndexSource, IndexedMessage } from '../../inbox/inbox-index-source.js';
import { SLA_EVENT_NAMES } from '../../inbox/index-doc.js';

const BATCH = 2000;

/** What the inbox index is rebuilt from, read from MongoDB (tenant scans, no sort: see each method). */
export class MongoInboxIndexSource implements InboxIndexSource {
  conversation(tenantId: string, conversationId: string): Promise<Conversation | null> {
    return findInTenant(ConversationModel, conversationId, tenantId);
  }

  conversations(tenantId: string): AsyncIterable<Conversation> {
    return ConversationModel.find({ tenantId: new Types.ObjectId(tenantId) })
      .lean<Conversation[]>()
      .cursor({ batchSize: BATCH });
  }

  /** One pass, no sort: FerretDB would scan and sort in memory. */
  async *messages(tenantId: string): AsyncIterable<IndexedMessage> {
    const messages = MessageModel.find(
      { tenantId: new Types.ObjectId(tenantId), author: { $in: ['learner', 'admin'] } },
      { conversationId: 1, author: 1, kind: 1, text: 1, createdAt: 1 },
    )
      .lean<Message[]>()
      .cursor({ batchSize: BATCH });
    for await (const message of messages)
      yield {
        conversationId: String(message.conversationId),
        author: message.author as 'learner' | 'admin',
        kind: message.kind,
        text: message.text,
        createdAt: message.createdAt,
      };
  }

  async *slaEvents(tenantId: string): AsyncIterable<DomainEvent<'sla.updated'>> {
    const records = EventModel.find(
      { tenantId: new Types.ObjectId(tenantId), name: { $in: [...SLA_EVENT_NAMES] } },
      { seq: 1, name: 1, conversationId: 1, payload: 1, createdAt: 1, actor: 1 },
    )
      .lean<EventRecord[]>()
      .cursor({ batchSize: BATCH });
    for await (const record of records) {
      if (!record.conversationId) continue;
      yield {
        seq: record.seq,
        tenantId,
        name: record.name,
        conversationId: String(record.conversationId),
        at: record.createdAt.toISOString(),
        actor: record.actor,
        payload: record.payload,
      } as DomainEvent<'sla.updated'>;
    }
  }
}
