import type { ConversationStatus, Priority } from '../conversations/conversation.types.js';

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
  lastMessageAt: string;
  preview: string;
  unread: boolean;
}
