// @ts-check
// How the inbox words a thread: owner, status, reasons, reply-by times and SLA state, the same in the
// list and in the thread.
import { el } from '../common/dom.js';
import { me, REASON_LABEL, state } from './page.js';

/** SLA words and zoned times (public/js/inbox-sla.js, a classic script the unit tests run too). */
export const slaText = window.chatrefSla;

/** @type {Record<string, string>} */
export const PRIORITY_LABEL = { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' };
/** @type {Record<string, number>} */
export const PRIORITY_RANK = { low: 0, normal: 1, high: 2, urgent: 3 };
/** @type {Record<string, string>} */
export const STATUS_LABEL = {
  bot: 'With the assistant',
  waiting: 'Waiting for a person',
  assigned: 'Assigned',
  resolved: 'Resolved',
};
/** @type {Record<string, string>} */
export const VIEW_LABEL = {
  attention: 'Needs attention',
  mine: 'Mine',
  unassigned: 'Unassigned',
  at_risk: 'At risk',
  breached: 'Breached',
  open: 'All open',
  resolved: 'Resolved',
  all: 'All',
};

/**
 * The reply-by label in the tenant's zone, named: "reply by 14:00, New York time", or "overdue: reply
 * by …" once the time has passed. The same words in the list and the thread.
 * @param {string} iso
 */
export function replyByText(iso) {
  const overdue = new Date(iso).getTime() < Date.now();
  return `${overdue ? 'overdue: ' : ''}reply by ${slaText.zonedTime(iso, state.zone, Date.now())}`;
}

/**
 * @param {HTMLTimeElement} node
 * @param {string} iso
 */
export function fillReplyBy(node, iso) {
  node.textContent = replyByText(iso);
  node.dateTime = iso;
  node.classList.toggle('overdue', new Date(iso).getTime() < Date.now());
}

/** What rows and the thread header show: running and paused clocks; met or stopped ones say nothing. */
export function rowSla(sla) {
  return sla && sla.state !== 'met' && sla.state !== 'stopped' ? sla : undefined;
}

/**
 * A row's SLA: the state in words with its colour ("At risk") and the time left, ticking on the page
 * ("32 min left", "overdue 5 min"). Nothing for a thread without a clock.
 * @param {HTMLElement} node
 * @param {any} sla
 */
export function fillSla(node, sla) {
  const shown = slaText.describe(rowSla(sla), Date.now());
  node.replaceChildren();
  node.hidden = !shown.label;
  node.className = `item-sla sla-${shown.state || 'none'}`;
  node.dataset.state = shown.state;
  if (!shown.label) return;
  node.append(el('span', 'sla-state', shown.label));
  if (shown.left) {
    const left = el('time', 'sla-left', shown.left);
    left.dateTime = sla.dueAt;
    left.title = `Due ${slaText.zonedTime(sla.dueAt, state.zone, Date.now())}`;
    node.append(document.createTextNode(' · '), left);
  }
}

export function learnerName(item) {
  return item.learner?.name || 'Unnamed learner';
}

export function courseName(item) {
  return item.course?.title || (item.course?.id ? 'Course' : '');
}

export function ownerText(item) {
  if (item.assignee) {
    const mine = item.assignee.userId === me.userId;
    return mine ? 'Owned by you' : `Owned by ${item.assignee.name || 'another admin'}`;
  }
  if (item.team) return `Team ${item.team.name}`;
  return item.status === 'resolved' ? 'Resolved' : 'Unassigned';
}

/** List items carry reason codes (labelled by the server); the handoff card carries the full reasons. */
export function describeReason(reason) {
  if (typeof reason === 'string') return REASON_LABEL[reason] || reason.replace(/_/g, ' ');
  switch (reason?.code) {
    case 'human_request':
      return reason.via === 'button'
        ? `${REASON_LABEL.human_request} (button)`
        : `${REASON_LABEL.human_request} ("${reason.phrase || ''}")`;
    case 'low_confidence':
      return `${reason.streak} low-confidence answer${reason.streak === 1 ? '' : 's'} in a row`;
    case 'keyword_rule':
      return `Keyword rule ${reason.ruleName ? `"${reason.ruleName}" ` : ''}matched "${reason.matched}"`;
    case 'urgent_rule':
      return `Urgent rule "${reason.ruleName}"`;
    case 'out_of_hours':
    case 'no_staff_online':
      return REASON_LABEL[reason.code] || reason.code;
    default:
      return reason?.code || '';
  }
}

/** The thread header's status line: status, owner, SLA, reply-by. */
export function statusText(conversation) {
  const parts = [STATUS_LABEL[conversation.status] || conversation.status];
  if (conversation.assignee) parts.push(ownerText(conversation));
  else if (conversation.team) parts.push(`Team ${conversation.team.name}`);
  if (conversation.status !== 'resolved') {
    const shown = slaText.describe(rowSla(conversation.sla), Date.now());
    if (shown.label) parts.push(`SLA ${shown.label.toLowerCase()}${shown.left ? `, ${shown.left}` : ''}`);
  }
  if (conversation.replyBy && conversation.status !== 'resolved')
    parts.push(replyByText(conversation.replyBy));
  return parts.join(' · ');
}
