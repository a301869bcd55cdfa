// Documentation gaps on the Insights page: the questions behind handoffs and unsure answers by topic, with
// the staff replies that resolved them, and "Turn into a Q&A" (admins) for a resolved thread's reply. Reloads
// when the page's filter form is submitted. Server text is written with textContent only.
import { actionButton, sendJson, showError } from './common/admin-ui.js';
import { el } from './common/dom.js';

(() => {
  const section = document.getElementById('gaps-section');
  if (!section) return;
  const $ = (id) => document.getElementById(id);
  const canAdd = section.dataset.canAdd === 'true';
  const status = $('gaps-status');
  const list = $('gaps-list');
  const dialog = $('gap-qa-dialog');
  let loading = 0;
  /** The thread the Q&A form is for, and the button that opened it (focus goes back there). */
  let draft = null;
  let opener = null;

  const day = (iso) => (iso ? String(iso).slice(0, 10) : '');
  const plural = (n, one, many) => `${n.toLocaleString()} ${n === 1 ? one : many}`;
  const answeredText = (entry) =>
    `Answered ${plural(entry.answered, 'question', 'questions')} since ${day(entry.createdAt)}`;

  function query() {
    const params = new URLSearchParams();
    const from = $('from')?.value;
    const to = $('to')?.value;
    const course = $('course')?.value;
    if (from) params.set('from', from);
    if (to) params.set('to', to);
    if (course) params.set('course', course);
    return params.toString();
  }

  function inboxLink(thread, what) {
    const link = el('a', '', 'Open in the inbox');
    link.href = thread.inboxUrl;
    link.dataset.sessionLink = '';
    const hidden = el('span', 'visually-hidden', ` (${what})`);
    link.append(hidden);
    return link;
  }

  function entryLine(entry) {
    const p = el('p', 'gap-answered');
    p.dataset.entryId = entry.id;
    p.textContent = `Q&A “${entry.question}” (${entry.scope === 'course' ? 'this course' : 'whole institution'}): ${answeredText(entry)}.`;
    return p;
  }

  function threadItem(gap, thread) {
    const li = el('li', 'gap-thread');
    li.dataset.conversationId = thread.conversationId;
    li.append(el('p', 'gap-thread-question', thread.question));
    li.append(el('p', 'visually-hidden', 'Staff reply:'));
    li.append(el('blockquote', 'gap-reply', thread.reply.text));
    const by = [
      thread.reply.authorName,
      thread.courseTitle,
      thread.resolvedAt && `resolved ${day(thread.resolvedAt)}`,
    ]
      .filter(Boolean)
      .join(' · ');
    if (by) li.append(el('p', 'gap-reply-by', by));
    const actions = el('div', 'gap-thread-actions');
    const what = `the reply to “${thread.question}”`;
    if (canAdd) {
      const button = actionButton(
        thread.entry ? 'Edit the Q&A again' : 'Turn into a Q&A',
        `from ${what}`,
        (event) => openForm(thread.conversationId, gap.topicId, event.currentTarget),
      );
      button.dataset.gapQa = thread.conversationId;
      actions.append(button);
    }
    actions.append(inboxLink(thread, `conversation: ${thread.question}`));
    li.append(actions);
    if (thread.entry) li.append(entryLine(thread.entry));
    return li;
  }

  function gapCard(gap, index) {
    const li = el('li', 'gap-card');
    li.dataset.topicId = gap.topicId || '';
    const titleId = `gap-title-${index}`;
    li.setAttribute('aria-labelledby', titleId);
    const title = el('h3', '', gap.label || 'Not grouped into a topic yet');
    title.id = titleId;
    li.append(title);
    li.append(el('p', 'gap-count', plural(gap.count, 'question', 'questions')));
    if (gap.examples.length) {
      li.append(el('h4', '', 'Example questions'));
      const examples = el('ul', 'gap-examples');
      for (const example of gap.examples) examples.append(el('li', '', example.question));
      li.append(examples);
    }
    li.append(el('h4', '', 'Replies that resolved them'));
    if (gap.threads.length) {
      const threads = el('ul', 'gap-threads');
      for (const thread of gap.threads) threads.append(threadItem(gap, thread));
      li.append(threads);
    } else {
      li.append(
        el('p', 'hint', 'No conversation of this topic has been resolved with a staff reply in these dates.'),
      );
    }
    const shown = new Set(gap.threads.map((t) => t.entry?.id).filter(Boolean));
    const others = gap.entries.filter((e) => !shown.has(e.id));
    if (others.length) {
      li.append(el('h4', '', 'Q&A entries made from this topic'));
      const entries = el('ul', 'gap-entries');
      for (const entry of others) {
        const item = el('li', '', `“${entry.question}”: ${answeredText(entry)}.`);
        item.dataset.entryId = entry.id;
        entries.append(item);
      }
      li.append(entries);
    }
    return li;
  }

  async function load() {
    const mine = ++loading;
    status.textContent = 'Loading the documentation gaps…';
    const result = await sendJson(`/api/insights/gaps?${query()}`);
    if (mine !== loading) return;
    if (!result.ok) {
      list.replaceChildren();
      status.textContent = result.message;
      return;
    }
    const data = result.body.data;
    list.replaceChildren(...data.gaps.map(gapCard));
    status.textContent = data.gaps.length
      ? `${plural(data.questions, 'question', 'questions')} in ${plural(data.gaps.length, 'topic', 'topics')}, busiest first.`
      : 'No question was handed off or answered with low confidence in these dates.';
  }

  // ------------------------------------------------------------------ the Q&A form

  async function openForm(conversationId, topicId, from) {
    if (!dialog) return;
    opener = from || null;
    const result = await sendJson(`/api/insights/gaps/threads/${encodeURIComponent(conversationId)}`);
    if (!result.ok) {
      status.textContent = result.message;
      return;
    }
    const d = result.body.data;
    draft = { conversationId, topicId: topicId ?? d.topicId ?? null };
    $('gap-qa-question').value = d.question;
    $('gap-qa-answer').value = d.answer;
    const course = $('gap-qa-scope-course');
    course.disabled = !d.hasCourse;
    $('gap-qa-course-name').textContent = d.courseTitle ? `This course (${d.courseTitle})` : 'This course';
    // The scope of an entry already made from this thread, else this course when the thread has one.
    const courseScope = d.hasCourse && (!d.entry || d.entry.scope === 'course');
    (courseScope ? course : $('gap-qa-scope-institution')).checked = true;
    $('gap-qa-context').textContent = d.entry
      ? `A Q&A was already made from this conversation (${answeredText(d.entry).toLowerCase()}). Saving the same question again replaces its answer.`
      : 'Edit the learner’s question and the staff reply, then save: the assistant answers from it at once.';
    showError($('gap-qa-error'), '');
    $('gap-qa-save').disabled = false;
    dialog.showModal();
    $('gap-qa-question').focus();
  }

  function closeForm() {
    dialog?.close();
  }

  if (dialog) {
    dialog.addEventListener('close', () => {
      draft = null;
      if (opener?.isConnected) opener.focus();
      opener = null;
    });
    $('gap-qa-cancel').addEventListener('click', closeForm);
    // A message about a missing field goes once the person types.
    $('gap-qa-form').addEventListener('input', () => showError($('gap-qa-error'), ''));
    $('gap-qa-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!draft) return;
      const question = $('gap-qa-question').value.trim();
      const answer = $('gap-qa-answer').value.trim();
      const error = $('gap-qa-error');
      if (!question) {
        showError(error, 'Write the question as learners would ask it.');
        $('gap-qa-question').focus();
        return;
      }
      if (!answer) {
        showError(error, 'Write the answer the assistant should give.');
        $('gap-qa-answer').focus();
        return;
      }
      const scope = $('gap-qa-form').querySelector('input[name="scope"]:checked')?.value || 'institution';
      const save = $('gap-qa-save');
      save.disabled = true;
      const result = await sendJson('/api/insights/gaps/qa', 'POST', {
        conversationId: draft.conversationId,
        topicId: draft.topicId,
        question,
        answer,
        scope,
      });
      save.disabled = false;
      if (!result.ok) {
        showError(error, result.message);
        return;
      }
      const entry = result.body.data;
      const conversationId = draft.conversationId;
      closeForm();
      await load();
      status.textContent = `Saved the Q&A “${entry.question}”. The assistant answers from it now.`;
      // The list was redrawn: focus goes to the same thread's button again.
      list.querySelector(`[data-gap-qa="${conversationId}"]`)?.focus();
    });
  }

  $('filters')?.addEventListener('submit', () => load());
  // The inbox's "Turn into a Q&A" opens this page at #qa=<conversation id>.
  const fromInbox = /^#qa=([0-9a-fA-F]{24})$/.exec(window.location.hash);
  load().then(() => {
    if (fromInbox && canAdd) {
      history.replaceState(null, '', window.location.pathname + window.location.search);
      openForm(fromInbox[1], null, $('gaps-title'));
    }
  });
})();
