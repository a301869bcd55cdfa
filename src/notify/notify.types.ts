import type { NotifyTarget } from '../handoff/handoff.types.js';

/** What a notification is about; tenants choose channels per kind. */
export type NotificationKind =
  | 'handoff_new'
  | 'handoff_urgent'
  | 'assigned'
  | 'learner_replied'
  | 'sla_warning'
  | 'sla_breach'
  | 'sla_escalation'
  | 'digest'
  | 'learner_followup'
  /** A prospect left their details in the chat: the tenant's sales destinations hear of it. */
  | 'lead_new';

/** A row of a digest: one thread waiting for people. */
export interface DigestRow {
  conversationId: string;
  learner?: string;
  course?: string;
  reason?: string;
  /** SLA state and due time (ISO) of the thread's running clock. */
  state?: string;
  dueAt?: string;
}

/** A staff reply quoted in a learner follow-up. */
export interface QuotedReply {
  author?: string;
  text: string;
  /** ISO time it was posted. */
  at: string;
}

/** A ready email (subject, plain text and escaped HTML), sent as is. */
export interface ReadyEmail {
  subject: string;
  text: string;
  html: string;
}

/**
 * A request to tell people something. Deliveries are stored one per recipient with an id derived from
 * `key` and the recipient, so asking twice (a retried job, two workers) never sends twice.
 */
export interface NotificationRequest {
  tenantId: string;
  kind: NotificationKind;
  /** Idempotency basis, e.g. `breach-<conversation>-first_response-0`. */
  key: string;
  /** The thread it is about: messages name its learner, course, reason and summary and link to it. */
  conversationId?: string;
  /** Explicit recipients; absent: the tenant's channels for `kind`. */
  recipients?: NotifyTarget[];
  /** Kind-specific text: the SLA target and due time, the digest rows, the follow-up replies. */
  details?: {
    target?: string;
    dueAt?: string;
    step?: string;
    rows?: DigestRow[];
    /** Staff replies of a learner follow-up, oldest first. */
    replies?: QuotedReply[];
    /** Learner follow-ups: the link back to the course in the LMS (never a Chatref session link). */
    courseUrl?: string;
    /**
     * Learner follow-ups: the email as the learner reads it (their language, every value escaped), from
     * `renderFollowUpEmail` in src/notify/follow-up-message.ts; the email channel sends it as is.
     */
    email?: ReadyEmail;
    /** New leads: what the prospect left (sent to sales; never to the learner). */
    lead?: LeadFacts;
  };
}

/** A captured lead as sales channels show it (and a CRM webhook receives it). */
export interface LeadFacts {
  leadId: string;
  name: string;
  email: string;
  /** The address is at a free-mail provider. */
  freeMail: boolean;
  organisation: string;
  role?: string;
  interest?: string;
  /** The learner's message the detector saw as a prospect's enquiry. */
  message: string;
  course?: string;
  signals: string[];
  consent: { text: string; at: string };
  capturedAt: string;
}
