import type { AnyDomainEvent } from '../events/catalog.js';
import type { JobListener } from '../jobs/listeners.js';
import type { JobPayloads } from '../jobs/queues.js';

type React = JobPayloads['sla']['react'];

/** What of an event the clocks need, or null when it cannot change them. */
export function reactionTo(event: AnyDomainEvent): React | null {
  if (!event.conversationId) return null;
  const base = {
    tenantId: event.tenantId,
    conversationId: event.conversationId,
    event: event.name,
    seq: event.seq,
    at: event.at,
  };
  switch (event.name) {
    case 'conversation.handed_off':
      return {
        ...base,
        replyBy: event.payload.replyBy,
        keywordRuleIds: event.payload.reasons.flatMap((r) => (r.code === 'keyword_rule' ? [r.ruleId] : [])),
      };
    case 'conversation.reopened':
    case 'conversation.resolved':
    case 'conversation.handed_back':
    case 'conversation.triaged':
      return base;
    case 'message.posted': {
      const { message } = event.payload;
      // The clocks measure replies the learner sees: internal notes and status lines do not count.
      if (message.author === 'learner') return { ...base, at: message.createdAt, author: 'learner' };
      if (message.author === 'admin' && !message.internal && message.kind === 'message')
        return { ...base, at: message.createdAt, author: 'staff' };
      return null;
    }
    default:
      return null;
  }
}

/** Enqueues `sla.react` for events that can change a thread's clocks (job id `sla-react-<tenant>-<seq>`). */
export const slaListener: JobListener = async (event, queues) => {
  const data = reactionTo(event);
  if (!data) return;
  // Clocks start with this event: the thread counts as running from now, before its job runs (workers may
  // be behind), so the learner messages that follow are not skipped below.
  const timers = queues.slaTimers;
  if (data.event === 'conversation.handed_off' || data.event === 'conversation.reopened')
    await timers.setActive(data.conversationId, true);
  // Most learner messages go to the bot: only a thread whose clocks run needs a job for them.
  if (data.author === 'learner' && !(await timers.isActive(data.conversationId))) return;
  await queues.enqueue('sla', 'react', data, {
    jobId: `sla-react-${data.tenantId}-${data.seq}`,
    removeOnComplete: true,
  });
};
