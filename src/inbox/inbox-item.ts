import type { ConversationStatus, Priority } from '../conversations/conversation.types.js';
import type { SlaState, SlaTargetName } from '../sla/sla.types.js';

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
