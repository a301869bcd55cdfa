import type { Conversation } from '../conversations/conversation.model.js';
import { PRIORITIES, PRIORITY_RANK, type Priority } from '../conversations/conversation.types.js';
import { findInTenant } from '../db/by-id.js';
import type { AssigneeRef, EventPayloads } from '../events/catalog.js';
import { InboxSettingsModel } from '../inbox/inbox.models.js';
import { routeTeam, type TeamService } from '../inbox/teams.js';
import type { JobPayloads } from '../jobs/queues.js';
import { UserModel } from '../users/user.model.js';
import { markEscalated, plannedEscalations, snapshotOf } from './clock.js';
import { EARLY_BY_MS, type SlaEngine } from './clock-engine.js';
import type { SlaTargetName } from './sla.types.js';

type Escalate = JobPayloads['sla']['escalate'];

const TARGET_LABEL: Record<SlaTargetName, string> = {
  first_response: 'first response',
  next_response: 'next response',
  resolution: 'resolution',
};

/** One step more urgent (urgent stays urgent). */
export function raised(priority: Priority): Priority {
  return PRIORITIES[Math.min(PRIORITY_RANK[priority] + 1, PRIORITIES.length - 1)] as Priority;
}

const names = (people: readonly AssigneeRef[]) =>
  people.map((p) => p.name ?? p.userId).join(', ') || 'nobody by name';

/**
 * The leads to tell about a thread: the tenant's named leads (inbox settings `leadUserIds`) who are members
 * of the thread's team (its own, else the team routing gives it); all named leads when the team has none of
 * them or the thread has no team. Leads given only by LTI role cannot be listed: the notification falls back
 * to the tenant's channels when nobody is named.
 */
async function leadsFor(teams: TeamService, conversation: Conversation): Promise<AssigneeRef[]> {
  const tenantId = String(conversation.tenantId);
  const settings = await InboxSettingsModel.findById(conversation.tenantId).lean();
  const leadIds = (settings?.leadUserIds ?? []).filter((id) => /^[0-9a-f]{24}$/i.test(id));
  if (!leadIds.length) return [];
  const teamList = await teams.list(tenantId);
  const teamId =
    (conversation.teamId && String(conversation.teamId)) ||
    routeTeam(teamList, {
      courseId: conversation.courseId ? String(conversation.courseId) : undefined,
      category: conversation.category,
    });
  const team = teamList.find((t) => t.id === teamId);
  const inTeam = team ? leadIds.filter((id) => team.memberIds.includes(id)) : [];
  const chosen = inTeam.length ? inTeam : leadIds;
  // Each by `_id` (a filter on `_id` and tenant would make FerretDB scan the users).
  const users = await Promise.all(
    chosen.map((id) => findInTenant(UserModel, id, conversation.tenantId, { name: 1 })),
  );
  const named = new Map(users.flatMap((u) => (u ? [[String(u._id), u.name] as const] : [])));
  return chosen.map((userId) => ({ userId, ...(named.get(userId) ? { name: named.get(userId) } : {}) }));
}

/**
 * One step of a breached clock's escalation chain (see {@link escalationSteps}): tell the owner, tell the
 * team's leads, then raise the priority or take the thread back to the queue. Skipped when the clock was met
 * or stopped meanwhile. The action goes through the conversation service as the system (the inbox and the
 * learner see the normal change); the step is recorded on the thread and told as `sla.escalated` once.
 */
export async function escalateStep(engine: SlaEngine, data: Escalate, now = new Date()): Promise<string> {
  const sla = await engine.slas(data.tenantId);
  return engine.store.withClock(data.conversationId, async (loaded) => {
    if (!loaded) return 'no clock';
    const timer = plannedEscalations(loaded.state, sla.escalation).find(
      (t) => t.target === data.target && t.cycle === data.cycle && t.step === data.step,
    );
    if (!timer) return 'stale';
    if (timer.at.getTime() > now.getTime() + EARLY_BY_MS) {
      await engine.reschedule(data.tenantId, data.conversationId, { kind: 'escalate', ...timer });
      return 'moved';
    }
    const conversation = await engine.conversation(data.tenantId, data.conversationId);
    if (!conversation) return 'no thread';
    const next = markEscalated(loaded.state, data.target, data.cycle, data.step);
    if (!next) return 'stale';
    const clock = loaded.state.targets[data.target];
    const service = engine.services.conversations.service;
    const what = TARGET_LABEL[data.target];
    let payload: EventPayloads['sla.escalated'];
    let text: string;
    const base = { sla: snapshotOf(next), target: data.target, step: timer.action };
    switch (timer.action) {
      case 'notify_owner': {
        const owner = conversation.assigneeId
          ? [{ userId: String(conversation.assigneeId), name: conversation.assigneeName }]
          : [];
        payload = { ...base, notified: owner };
        text = owner.length
          ? `Escalation: ${names(owner)} (owner) told that the ${what} target was breached.`
          : `Escalation: nobody owns this thread; the team's channels were told that the ${what} target was breached.`;
        break;
      }
      case 'notify_leads': {
        const leads = await leadsFor(engine.services.slaPorts.teams, conversation);
        payload = { ...base, notified: leads };
        text = leads.length
          ? `Escalation: leads told (${names(leads)}): the ${what} target is still breached.`
          : `Escalation: no leads are named in the inbox settings; the team's channels were told the ${what} target is still breached.`;
        break;
      }
      case 'raise_priority': {
        // From the priority it breached at, so a second run raises nothing more.
        const to = raised(clock?.breachPriority ?? loaded.state.priority);
        const changed = await service.raisePriorityBySystem({
          tenantId: data.tenantId,
          conversationId: data.conversationId,
          to,
        });
        payload = { ...base, priority: changed ?? conversation.priority };
        text = changed
          ? `Escalation: priority raised to ${changed} (the ${what} target is still breached).`
          : `Escalation: priority left at ${conversation.priority} (already that urgent, or no longer waiting).`;
        break;
      }
      case 'unassign': {
        const previous = conversation.assigneeId
          ? await service.releaseBySystem({
              tenantId: data.tenantId,
              conversationId: data.conversationId,
              fromAssigneeId: String(conversation.assigneeId),
              note: `SLA escalation: the ${what} target was breached`,
            })
          : null;
        payload = { ...base, ...(previous ? { previousAssignee: previous } : {}) };
        text = previous
          ? `Escalation: taken from ${names([previous])} and put back in the queue (the ${what} target is still breached).`
          : 'Escalation: the thread is already in the queue; nothing to unassign.';
        break;
      }
    }
    await service.recordSlaStep({
      tenantId: data.tenantId,
      conversationId: data.conversationId,
      clientId: `sla:${data.target}:${data.cycle}:esc-${data.step}`,
      text,
      event: 'sla.escalated',
      payload,
    });
    await engine.commit(conversation, loaded, next, sla, { tell: false });
    return timer.action;
  });
}
