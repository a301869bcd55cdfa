import type { LaunchContext, MessageCitation, Priority } from '../conversations/conversation.types.js';
import type { ProductRole } from '../users/user.model.js';

/**
 * Why a thread went to people; every handoff records one or more. `out_of_hours` and `no_staff_online`
 * never start a handoff on their own: they record why it became asynchronous.
 */
export type HandoffReason =
  | { code: 'human_request'; via: 'button' | 'message'; phrase?: string }
  | { code: 'low_confidence'; streak: number; threshold: number; confidence: number }
  | {
      code: 'keyword_rule';
      ruleId: string;
      ruleName?: string;
      category: string;
      priority: Priority;
      matched: string;
    }
  | { code: 'urgent_rule'; ruleName: string }
  | { code: 'out_of_hours' }
  | { code: 'no_staff_online' };

export type HandoffReasonCode = HandoffReason['code'];

/** `live`: staff are in hours and watching the inbox; `async`: the reply comes later (email confirmed). */
export type HandoffMode = 'live' | 'async';

/** A person or channel to tell about a handoff (delivery comes with the notifications work). */
export interface NotifyTarget {
  /** email: an address; slack, teams, webhook: an http(s) URL; user: a user id of the tenant. */
  type: 'email' | 'slack' | 'teams' | 'webhook' | 'user';
  target: string;
}

/** Everything an admin needs to understand a handoff in seconds, stored with the thread. */
export interface HandoffCard {
  /** What the user asked (the message that led to the handoff, or their last question). */
  question: string;
  /** What the bot answered last, if anything. */
  botAnswer?: { text: string; citations: MessageCitation[]; confidence?: number };
  reasons: HandoffReason[];
  mode: HandoffMode;
  user: { userId: string; role: ProductRole; name?: string; email?: string };
  course?: { courseId?: string; title?: string; label?: string };
  lms: LaunchContext & { locale?: string };
  /** 2–4 short lines: who, what, what the bot tried, why it escalated. */
  summary: string[];
  /** Whether a model or the extractive summariser wrote the summary. */
  summarySource: 'extractive' | 'model';
  createdAt: Date;
}
