// @ts-check
// What this admin may do on the open thread: the Take over button, the reply box (and why it is closed),
// transfer targets, resolve, hand back and reopen.
import { el } from '../common/dom.js';
import { ownerText } from './format.js';
import { me, openThreadState, state, ui } from './page.js';

/** Why the Reply box is closed to this person, in words. */
function replyClosedReason(conversation, permissions) {
  if (permissions.canReply) return '';
  if (conversation.status === 'resolved') return 'This conversation is resolved. Reopen it to reply.';
  if (conversation.assignee && conversation.assignee.userId !== me.userId)
    return `${conversation.assignee.name || 'Another admin'} owns this conversation, so only they reply. Add an internal note${
      permissions.isLead ? ', or reassign it with Transfer' : ' or ask them for a transfer'
    }.`;
  if (permissions.canClaim)
    return 'Take over to reply: only the owner replies, so two people never answer the same learner.';
  return 'You cannot reply to this conversation.';
}

export function applyPermissions() {
  const { conversation, permissions: p } = openThreadState();
  ui.claimButton.hidden = !p.canClaim;
  ui.claimButton.disabled = false;
  ui.ownerLine.textContent = conversation.assignee ? ownerText(conversation) : '';
  const closed = replyClosedReason(conversation, p);
  ui.reply.readOnly = !p.canReply;
  ui.reply.setAttribute('aria-disabled', String(!p.canReply));
  ui.sendReply.disabled = !p.canReply;
  ui.canned.disabled = !p.canReply || state.replies.length === 0;
  ui.insertCanned.disabled = ui.canned.disabled;
  ui.replyWhy.textContent = closed;
  ui.replyWhy.hidden = !closed;
  ui.transferRow.hidden = !p.canTransfer;
  ui.resolveRow.hidden = !p.canResolve;
  ui.handBackButton.hidden = !p.canHandBack;
  ui.reopenButton.hidden = !p.canReopen;
  fillTransferTargets(conversation);
}

function fillTransferTargets(conversation) {
  const { transferTarget } = ui;
  const previous = transferTarget.value;
  transferTarget.replaceChildren(el('option', '', 'Choose an admin or team'));
  transferTarget.firstElementChild.value = '';
  const people = state.staff.filter(
    (person) => person.userId !== me.userId && person.userId !== conversation.assignee?.userId,
  );
  if (people.length) {
    const group = el('optgroup');
    group.label = 'Admins';
    for (const person of people) {
      const option = el('option', '', person.name || person.userId);
      option.value = `user:${person.userId}`;
      group.append(option);
    }
    transferTarget.append(group);
  }
  if (state.teams.length) {
    const group = el('optgroup');
    group.label = 'Teams';
    for (const team of state.teams) {
      const option = el('option', '', team.name);
      option.value = `team:${team.id}`;
      group.append(option);
    }
    transferTarget.append(group);
  }
  transferTarget.value = previous;
  if (transferTarget.value !== previous) transferTarget.value = '';
}
