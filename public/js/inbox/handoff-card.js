// @ts-check
// The handoff card of the open thread: why it came, the summary, what the assistant tried, who and where.
import { el } from '../common/dom.js';
import { describeReason, PRIORITY_LABEL } from './format.js';
import { renderCitations } from './history.js';
import { $, ui } from './page.js';

/**
 * @param {HTMLElement} list
 * @param {string} term
 * @param {string | undefined} value
 */
function fact(list, term, value) {
  if (!value) return;
  list.append(el('dt', '', term), el('dd', '', value));
}

export function renderHandoff(conversation) {
  const card = conversation.handoff;
  const facts = $('handoff-facts');
  const summary = $('handoff-summary');
  const bot = $('handoff-bot');
  facts.replaceChildren();
  summary.replaceChildren();
  bot.replaceChildren();
  const reasons = (card?.reasons?.length ? card.reasons : conversation.reasons || []).map(describeReason);
  fact(facts, reasons.length > 1 ? 'Reasons' : 'Reason', reasons.filter(Boolean).join('; '));
  const user = card?.user || {};
  fact(facts, 'User', user.name || conversation.learner?.name || 'Unnamed learner');
  fact(facts, 'Role', user.role || conversation.learner?.role);
  fact(facts, 'Email', conversation.contactEmail || user.email);
  fact(facts, 'Course', conversation.course?.title || card?.course?.title || card?.course?.label);
  const lms = conversation.lms || card?.lms;
  fact(facts, 'LMS', [lms?.name, lms?.productFamily].filter(Boolean).join(' · '));
  fact(facts, 'Priority', PRIORITY_LABEL[conversation.priority] || conversation.priority);
  fact(facts, 'Category', conversation.category);
  if (card?.question) {
    summary.append(el('p', 'handoff-question-label', 'Question'));
    summary.append(el('blockquote', 'handoff-question', card.question));
  }
  if (card?.summary?.length) {
    summary.append(el('p', 'handoff-question-label', 'Summary'));
    const lines = el('ul', 'handoff-lines');
    for (const line of card.summary) lines.append(el('li', '', line));
    summary.append(lines);
  }
  if (card?.botAnswer) {
    bot.append(el('p', 'handoff-question-label', 'What the assistant tried'));
    bot.append(el('p', 'handoff-bot-text', card.botAnswer.text));
    renderCitations(bot, card.botAnswer.citations, card.botAnswer.confidence);
  } else if (card) {
    bot.append(el('p', 'hint', 'The assistant had not answered yet.'));
  }
  ui.handoffCard.hidden = !card && reasons.length === 0;
}
