import type { Conversation } from '../conversations/conversation.model.js';
import type { DomainEvent } from '../events/catalog.js';

/** A learner or admin line, as a rebuild reads it (previews and words). */
export interface IndexedMessage {
  conversationId: string;
  author: 'learner' | 'admin';
  kind: string;
  text: string;
  createdAt: Date;
}

/** The records the index is derived from (the database adapter is in src/storage/inbox). */
export interface InboxIndexSource {
  /** A thread of the tenant by id, or null. */
  conversation(tenantId: string, conversationId: string): Promise<Conversation | null>;
  conversations(tenantId: string): AsyncIterable<Conversation>;
  /** The tenant's learner and admin lines, in no particular order. */
  messages(tenantId: string): AsyncIterable<IndexedMessage>;
  /** The tenant's `sla.*` events, in no particular order. */
  slaEvents(tenantId: string): AsyncIterable<DomainEvent<'sla.updated'>>;
}
