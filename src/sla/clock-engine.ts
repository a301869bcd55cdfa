import type { Conversation } from '../conversations/conversation.model.js';
import type { JobServices } from '../jobs/job-services.js';
import type { JobPayloads } from '../jobs/queues.js';
import {
  applyClockInput,
  type ClockInput,
  type ClockState,
  emptyClock,
  nextDueAt,
  plannedEscalations,
  plannedTimers,
  sameClocks,
  snapshotOf,
} from './clock.js';
import type { ClockStore, LoadedClock } from './clock-store.js';
import type { SlaSnapshot } from './sla.types.js';
import type { EscalationSettings, SlaMatch, TenantSla, TenantSlaProvider } from './sla-plan.js';
import { type TimerJob, TimerScheduler, timerJobId } from './timer-scheduler.js';
import type { TimerSets } from './timer-sets.js';

type React = JobPayloads['sla']['react'];

/** A timer firing more than this after its time is reported `late` (every worker was down, or the queue backed up). */
export const LATE_AFTER_MS = 5000;
/** A timer running this much before its time finds its clock moved later (a re-timed job that was already running). */
export const EARLY_BY_MS = 1000;

/** Every timer job a thread's clocks want. */
export function timersOf(state: ClockState, escalation: EscalationSettings): TimerJob[] {
  return [
    ...plannedTimers(state).map((timer) => ({ kind: 'fire' as const, ...timer })),
    ...plannedEscalations(state, escalation).map((timer) => ({ kind: 'escalate' as const, ...timer })),
  ];
}

/** The attributes SLA rules choose a policy by, from the thread as it is now. */
export function matchOf(conversation: Conversation, keywordRuleIds?: string[]): SlaMatch {
  return {
    priority: conversation.priority,
    ...(conversation.category ? { category: conversation.category } : {}),
    role: conversation.user.role,
    ...(conversation.courseId ? { courseId: String(conversation.courseId) } : {}),
    ...(keywordRuleIds?.length ? { keywordRuleIds } : {}),
  };
}

/**
 * The SLA clocks of every thread, driven by the `sla` queue's jobs: reconciles clocks with events (react),
 * stores them, keeps their BullMQ timers in line and tells the inbox (`sla.updated`). The fire, escalate,
 * retime and sweep handlers (clock-fire.ts, escalation.ts, sweep.ts) build on it.
 */
export class SlaEngine {
  readonly store: ClockStore;
  readonly timers: TimerSets;
  readonly scheduler: TimerScheduler;
  readonly slas: TenantSlaProvider;

  /** Its storage is the services' SLA ports (clocks, timer sets). */
  constructor(
    readonly services: JobServices,
    slas: TenantSlaProvider,
  ) {
    this.store = services.slaPorts.clocks;
    this.timers = services.slaPorts.timers;
    this.scheduler = new TimerScheduler(services.queues, this.timers);
    this.slas = slas;
  }

  /** A thread of the tenant, or null: through the conversation service's Redis copy, as its own reads are. */
  conversation(tenantId: string, conversationId: string): Promise<Conversation | null> {
    return this.services.conversations.service.findForSystem(tenantId, conversationId);
  }

  /** Brings a thread's clocks in line with one event (see {@link ClockInput} for what each event does). */
  async react(data: React, options: { retry?: boolean } = {}): Promise<string> {
    const conversation = await this.conversation(data.tenantId, data.conversationId);
    if (!conversation) return 'no thread';
    const sla = await this.slas(data.tenantId);
    return this.store.withClock(data.conversationId, async (loaded) => {
      const current = loaded?.state ?? emptyClock(data.conversationId, data.tenantId, matchOf(conversation));
      const input = inputFor(data, conversation, current);
      if (!input) return 'ignored';
      const next = applyClockInput(current, input, sla);
      if (sameClocks(current, next)) {
        // A retry whose first attempt stored the change but failed before its jobs were all in place.
        if (options.retry && loaded) await this.resync(loaded, sla);
        return 'unchanged';
      }
      await this.commit(conversation, loaded, next, sla);
      return input.kind;
    });
  }

  /**
   * Stores new clocks and makes everything follow: timer jobs moved, the pending and active sets, the
   * thread's reply-by, and `sla.updated` when what the inbox shows changed. Callers hold the thread's SLA lock.
   */
  async commit(
    conversation: Conversation,
    loaded: LoadedClock | null,
    next: ClockState,
    sla: TenantSla,
    options: { tell?: boolean } = {},
  ): Promise<void> {
    const { tenantId, conversationId } = next;
    const before = loaded ? timersOf(loaded.state, sla.escalation) : [];
    const after = timersOf(next, sla.escalation);
    const nextAt = nextDueAt(next, sla.escalation);
    await this.store.save(next, loaded?.version ?? 0, nextAt);
    await Promise.all([
      this.scheduler.sync(tenantId, conversationId, before, after, nextAt),
      this.timers.setActive(conversationId, next.active),
    ]);
    await this.followReplyBy(conversation, next);
    const snapshot = snapshotOf(next);
    const previous = loaded ? snapshotOf(loaded.state) : undefined;
    // A thread whose clocks never ran (a reply seen before its handoff's job) has nothing to show yet.
    const shown = loaded !== null || next.active;
    if (options.tell !== false && shown && !sameSnapshot(previous, snapshot))
      await this.tell(conversation, snapshot);
  }

  /** Checks every timer job of a thread's clocks against them (adding or re-timing what is missing). */
  async resync(loaded: LoadedClock, sla: TenantSla): Promise<void> {
    const { tenantId, conversationId } = loaded.state;
    const timers = timersOf(loaded.state, sla.escalation);
    await this.scheduler.sync(
      tenantId,
      conversationId,
      timers,
      timers,
      nextDueAt(loaded.state, sla.escalation),
      {
        full: true,
      },
    );
    await this.timers.setActive(conversationId, loaded.state.active);
  }

  /** `sla.updated` for a thread (staff only: the inbox shows the state and time left). */
  async tell(conversation: Conversation, sla: SlaSnapshot): Promise<void> {
    await this.services.conversations.bus.emit({
      tenantId: String(conversation.tenantId),
      name: 'sla.updated',
      conversationId: String(conversation._id),
      courseId: conversation.courseId ? String(conversation.courseId) : undefined,
      userId: String(conversation.user.userId),
      actor: { role: 'system' },
      payload: { sla },
    });
  }

  /** The thread's reply-by follows the running response clock (next response started, priority changed). */
  private async followReplyBy(conversation: Conversation, state: ClockState): Promise<void> {
    const response = [state.targets.first_response, state.targets.next_response]
      .filter((clock) => clock?.state === 'running' && clock.dueAt)
      .sort((a, b) => (a?.dueAt?.getTime() ?? 0) - (b?.dueAt?.getTime() ?? 0))[0];
    if (!response?.dueAt || conversation.replyBy?.getTime() === response.dueAt.getTime()) return;
    await this.services.conversations.service.setReplyBy({
      tenantId: state.tenantId,
      conversationId: state.conversationId,
      replyBy: response.dueAt,
    });
  }

  /**
   * Re-adds a timer under a one-off id when its job ran before the clock's (moved) time: the job with the
   * timer's own id is the one running now, and cannot be added again until it finishes.
   */
  async reschedule(tenantId: string, conversationId: string, timer: TimerJob): Promise<void> {
    const jobId = `${timerJobId(conversationId, timer)}-at${timer.at.getTime()}`;
    await this.scheduler.ensure(tenantId, conversationId, timer, { jobId });
  }
}

/** What an event means for the clocks, or null when nothing (e.g. a learner message to a thread without clocks). */
function inputFor(data: React, conversation: Conversation, current: ClockState): ClockInput | null {
  const at = new Date(data.at);
  switch (data.event) {
    case 'conversation.handed_off':
      return {
        kind: 'handoff',
        at,
        match: matchOf(conversation, data.keywordRuleIds),
        ...(data.replyBy ? { promisedDueAt: new Date(data.replyBy) } : {}),
      };
    case 'conversation.reopened':
      return { kind: 'reopen', at, match: matchOf(conversation, current.match.keywordRuleIds) };
    case 'conversation.resolved':
    case 'conversation.handed_back':
      return { kind: 'stop', at };
    case 'conversation.triaged':
      return { kind: 'retarget', at, match: matchOf(conversation, current.match.keywordRuleIds) };
    case 'message.posted':
      if (data.author === 'staff') return { kind: 'staff_reply', at };
      if (data.author === 'learner') return { kind: 'learner_message', at };
      return null;
    default:
      return null;
  }
}

function sameSnapshot(a: SlaSnapshot | undefined, b: SlaSnapshot): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}
