// @ts-check
// The learner chat: history, sending with retries that never duplicate (client ids), streamed bot
// answers, citations, feedback, "Talk to a person", and live updates over Server-Sent Events read with
// fetch (so the session travels in a header, not the URL), resuming from the last event id.
// Live frames are typed by the server's declaration (src/live/frames.ts), checked by `npm run typecheck`.

/** @typedef {import('../../src/conversations/conversation.views.js').MessageView} MessageView */
/** @typedef {import('../../src/live/frames.js').TokenFrame['data']} Token */
/** @typedef {import('../../src/live/frames.js').ChatConversationFrame['data']['conversation']} StatusChange */
/**
 * A line as the page shows it: a stored message, the learner's own line before it is stored, or an answer
 * still streaming (keyed by its stream id, the client id its stored version will carry).
 * @typedef {Partial<MessageView> & { author: MessageView['author'], text: string, streaming?: boolean }} ShownMessage
 */

(() => {
  const root = document.getElementById('chat');
  if (!root || !window.chatref) return;
  const t = JSON.parse(document.getElementById('ui-messages')?.textContent ?? '{}');
  const list = /** @type {HTMLOListElement} */ (root.querySelector('.messages'));
  const emptyState = root.querySelector('.empty-state');
  const form = /** @type {HTMLFormElement} */ (document.getElementById('composer'));
  const input = /** @type {HTMLTextAreaElement} */ (document.getElementById('message'));
  const announcer = /** @type {HTMLElement} */ (document.getElementById('announcer'));
  const statusBar = /** @type {HTMLElement} */ (document.getElementById('conversation-status'));
  const typing = /** @type {HTMLElement} */ (document.getElementById('typing'));
  const handoffButton = /** @type {HTMLButtonElement} */ (document.getElementById('talk-to-person'));
  const connection = /** @type {HTMLElement} */ (document.getElementById('connection'));
  const api = window.chatref.api;

  /** @type {Map<string, HTMLLIElement>} message id or client id -> its line */
  const rendered = new Map();
  /** @type {string | null} */
  let lastEventId = null;
  /** @type {(StatusChange & { replyByText?: string }) | null} */
  let conversation = null;

  const newClientId = () =>
    crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;

  /** @param {string} text */
  function announce(text) {
    // Replace the text so screen readers read each new message once.
    announcer.textContent = '';
    window.setTimeout(() => {
      announcer.textContent = text;
    }, 50);
  }

  /** @param {string} author */
  function authorLabel(author) {
    return { learner: t.you, bot: t.assistant, admin: t.support, system: t.system }[author] || author;
  }

  /**
   * @param {HTMLElement} container
   * @param {MessageView['citations'] | undefined} citations
   */
  function renderCitations(container, citations) {
    if (!citations || citations.length === 0) return;
    const details = document.createElement('div');
    details.className = 'citations';
    const heading = document.createElement('p');
    heading.className = 'citations-title';
    heading.textContent = t.sources;
    const items = document.createElement('ol');
    for (const citation of citations) {
      const item = document.createElement('li');
      item.value = citation.index;
      const label = citation.heading ? `${citation.title} — ${citation.heading}` : citation.title;
      // A document ingested from a web page links to it (its path is its address).
      const href = citation.url || (/^https?:\/\//i.test(citation.path ?? '') ? citation.path : '');
      if (href) {
        const link = document.createElement('a');
        link.href = href;
        link.target = '_blank';
        link.rel = 'noopener noreferrer';
        link.textContent = label;
        item.append(link);
      } else {
        item.textContent = label;
      }
      items.append(item);
    }
    details.append(heading, items);
    container.append(details);
  }

  // Drawn, not emoji: emoji fonts are missing on many school machines.
  /** @param {boolean} down */
  function thumbIcon(down) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', '16');
    svg.setAttribute('height', '16');
    svg.setAttribute('aria-hidden', 'true');
    const path = document.createElementNS(ns, 'path');
    path.setAttribute(
      'd',
      'M2 10h4v11H2zM8 21h9.5a2 2 0 0 0 2-1.6l1.4-7A2 2 0 0 0 19 10h-5.5l.9-4.4A1.5 1.5 0 0 0 13 4h-.3L8 9.5z',
    );
    path.setAttribute('fill', 'currentColor');
    if (down) svg.setAttribute('transform', 'rotate(180)');
    svg.append(path);
    return svg;
  }

  // Answers may carry **bold**, *emphasis* and `code` from the documents; build them with DOM nodes,
  // never HTML strings.
  /**
   * @param {HTMLElement} element
   * @param {string} text
   */
  function renderText(element, text) {
    element.replaceChildren();
    const parts = text.split(/(\*\*[^*\n]+\*\*|\*[^*\s][^*\n]*\*|`[^`\n]+`)/g);
    for (const part of parts) {
      if (part.startsWith('**') && part.endsWith('**') && part.length > 4) {
        const strong = document.createElement('strong');
        strong.textContent = part.slice(2, -2);
        element.append(strong);
      } else if (part.length > 2 && part.startsWith('*') && part.endsWith('*')) {
        const em = document.createElement('em');
        em.textContent = part.slice(1, -1);
        element.append(em);
      } else if (part.length > 2 && part.startsWith('`') && part.endsWith('`')) {
        const code = document.createElement('code');
        code.textContent = part.slice(1, -1);
        element.append(code);
      } else if (part) {
        element.append(document.createTextNode(part));
      }
    }
  }

  /**
   * A section as text, except that Markdown tables ("| a | b |" lines) become tables, each in a box
   * that scrolls sideways on a narrow screen rather than widening the page.
   * @param {HTMLElement} element
   * @param {string} text
   */
  function renderSectionText(element, text) {
    element.replaceChildren();
    /** @type {string[]} */
    let prose = [];
    /** @type {string[]} */
    let rows = [];
    const cells = (/** @type {string} */ line) =>
      line
        .trim()
        .replace(/^\|/, '')
        .replace(/\|$/, '')
        .split('|')
        .map((cell) => cell.trim());
    const flushProse = () => {
      if (prose.length === 0) return;
      const span = document.createElement('span');
      renderText(span, prose.join('\n'));
      element.append(span);
      prose = [];
    };
    const flushRows = () => {
      if (rows.length === 0) return;
      const box = document.createElement('div');
      box.className = 'answer-table';
      const table = document.createElement('table');
      const rule = /^\s*\|?\s*:?-{3,}/;
      const headed = rows.length > 1 && rule.test(rows[1] ?? '');
      rows.forEach((line, index) => {
        if (rule.test(line)) return;
        const tr = document.createElement('tr');
        for (const value of cells(line)) {
          const cell = document.createElement(headed && index === 0 ? 'th' : 'td');
          if (headed && index === 0) cell.setAttribute('scope', 'col');
          renderText(cell, value);
          tr.append(cell);
        }
        table.append(tr);
      });
      box.append(table);
      element.append(box);
      rows = [];
    };
    for (const line of text.split('\n')) {
      if (/^\s*\|/.test(line)) {
        flushProse();
        rows.push(line);
      } else {
        flushRows();
        prose.push(line);
      }
    }
    flushRows();
    flushProse();
  }

  // An extractive answer carries the whole section it quotes after this marker, then a label line
  // (src/knowledge/extractive-answer.service.ts, SECTION_MARKER): shown behind a disclosure.
  const SECTION_MARKER = '\n\n---\n';
  // The labels of answer-strings.catalog.ts (`wholeSection`), so that a model's answer with a Markdown
  // rule in it is never mistaken for one (a unit test keeps the two lists equal).
  const SECTION_LABELS = [
    'Show the whole section',
    'Ver la sección completa',
    'Ver a seção completa',
    'Afficher toute la section',
  ];

  /**
   * Splits an answer into what is shown at once and the section behind "Show the whole section".
   * @param {string} text
   * @returns {{ shown: string, section?: { label: string, text: string } }}
   */
  function splitAnswer(text) {
    const at = text.indexOf(SECTION_MARKER);
    if (at < 0) return { shown: text };
    const rest = text.slice(at + SECTION_MARKER.length);
    const newline = rest.indexOf('\n');
    if (newline < 0 || !SECTION_LABELS.includes(rest.slice(0, newline).trim())) return { shown: text };
    return {
      shown: text.slice(0, at),
      section: { label: rest.slice(0, newline).trim(), text: rest.slice(newline + 1) },
    };
  }

  /**
   * The short answer, its source line ("From: title › section [1]") as a link to the passage, and the
   * whole section in a native disclosure (keyboard, screen readers and phones get it for free).
   * @param {HTMLElement} body the message's text element
   * @param {{ shown: string, section: { label: string, text: string } }} parts
   * @param {string} key the message's id or client id
   */
  function renderSectionAnswer(body, parts, key) {
    const details = document.createElement('details');
    details.className = 'answer-section';
    details.id = `section-${key.replace(/[^\w-]/g, '')}`;
    const summary = document.createElement('summary');
    summary.textContent = parts.section.label;
    const sectionText = document.createElement('div');
    sectionText.className = 'answer-section-text';
    renderSectionText(sectionText, parts.section.text);
    details.append(summary, sectionText);

    // The source line is the one that cites passage [1]; the rest renders as before.
    const lines = parts.shown.split('\n');
    const at = lines.findIndex((line) => /\S \[1\]$/.test(line));
    if (at < 0) {
      renderText(body, parts.shown);
    } else {
      const before = document.createElement('span');
      renderText(before, at > 0 ? `${lines.slice(0, at).join('\n')}\n` : '');
      const link = document.createElement('a');
      link.className = 'answer-source';
      link.href = `#${details.id}`;
      link.textContent = lines[at] ?? '';
      link.addEventListener('click', (event) => {
        // Opens the passage in place (the page may be framed by the LMS: no navigation).
        event.preventDefault();
        details.open = true;
        summary.focus();
        details.scrollIntoView({ block: 'nearest' });
      });
      const after = document.createElement('span');
      renderText(after, lines.slice(at + 1).length ? `\n${lines.slice(at + 1).join('\n')}` : '');
      body.replaceChildren(before, link, after);
    }
    body.after(details);
  }

  /**
   * @param {HTMLElement} container
   * @param {ShownMessage & { id: string }} message
   */
  function renderFeedback(container, message) {
    const group = document.createElement('div');
    group.className = 'feedback';
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', `${t.helpful}?`);
    for (const [value, label] of /** @type {const} */ ([
      ['up', t.helpful],
      ['down', t.notHelpful],
    ])) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'feedback-button';
      button.setAttribute('aria-label', label);
      button.setAttribute('aria-pressed', String(message.feedback === value));
      button.append(thumbIcon(value === 'down'));
      button.addEventListener('click', async () => {
        const response = await api(`/api/chat/messages/${encodeURIComponent(message.id)}/feedback`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ value }),
        });
        if (response.ok) {
          for (const other of group.querySelectorAll('button')) other.setAttribute('aria-pressed', 'false');
          button.setAttribute('aria-pressed', 'true');
          announce(t.thanksFeedback);
          if (value === 'down') offerPerson(group);
        }
      });
      group.append(button);
    }
    container.append(group);
  }

  /**
   * After a thumbs-down while the bot has the thread, the way to a person right under the answer (the
   * header's button, closer at hand). Asking right after a thumbs-down makes the answer a labelled miss.
   * @param {HTMLElement} group the answer's feedback buttons
   */
  function offerPerson(group) {
    if (conversation?.status !== 'bot' || group.nextElementSibling?.classList.contains('feedback-person'))
      return;
    const offer = document.createElement('button');
    offer.type = 'button';
    offer.className = 'secondary feedback-person';
    offer.textContent = t.talkToPerson;
    offer.addEventListener('click', () => {
      // Focus stays in the header, where the thread's status is read out once the person is asked for.
      handoffButton.focus();
      offer.remove();
      handoffButton.click();
    });
    group.after(offer);
  }

  /**
   * Adds or updates one line; `message.id` or `message.clientId` identifies it, so a stored answer
   * replaces the bubble its stream grew.
   * @param {ShownMessage} message
   * @param {{ status?: 'sending' | 'sent' | 'failed', silent?: boolean }} [options]
   */
  function renderMessage(message, options = {}) {
    let item =
      (message.id && rendered.get(message.id)) || (message.clientId && rendered.get(message.clientId));
    const isNew = !item;
    if (!item) {
      item = document.createElement('li');
      list.append(item);
    }
    if (message.id) rendered.set(message.id, item);
    if (message.clientId) rendered.set(message.clientId, item);
    item.className = `message message-${message.author}`;
    item.dataset.author = message.author;
    if (message.author === 'bot' && message.clientId?.startsWith('lead:')) item.dataset.leadOffer = 'true';
    item.replaceChildren();
    const who = document.createElement('p');
    who.className = 'message-author';
    who.textContent = authorLabel(message.author);
    const body = document.createElement('p');
    body.className = 'message-text';
    const parts = message.author === 'bot' ? splitAnswer(message.text) : { shown: message.text };
    item.append(who, body);
    const key = message.id || message.clientId;
    if (parts.section && key) renderSectionAnswer(body, { shown: parts.shown, section: parts.section }, key);
    else renderText(body, message.text);
    if (message.author === 'bot' || message.author === 'admin') renderCitations(item, message.citations);
    // Feedback belongs to answers (they carry a confidence), not to the bot's notices.
    const { id } = message;
    if (message.author === 'bot' && id && !message.streaming && typeof message.confidence === 'number') {
      renderFeedback(item, { ...message, id });
    }
    if (message.author === 'learner' && options.status) {
      const status = document.createElement('p');
      status.className = 'message-status';
      if (options.status === 'failed') {
        const retry = document.createElement('button');
        retry.type = 'button';
        retry.className = 'link-button';
        retry.textContent = t.failed;
        retry.addEventListener('click', () => send(message.text, message.clientId));
        status.append(retry);
      } else {
        status.textContent = options.status === 'sending' ? t.sending : t.sent;
      }
      item.append(status);
    }
    if (message.author === 'bot' && !message.streaming && message.clientId?.startsWith('lead:'))
      void offerLeadCard(item, Boolean(options.silent));
    if (message.streaming) item.setAttribute('aria-busy', 'true');
    else item.removeAttribute('aria-busy');
    emptyState?.remove();
    if (isNew || !message.streaming) item.scrollIntoView({ block: 'end' });
    if (!options.silent && !message.streaming && message.author !== 'learner') {
      // The short answer only: the whole section is there to open, not to be read out.
      announce(`${authorLabel(message.author)}: ${parts.shown}`);
    }
    return item;
  }

  // ---------------------------------------------------------------- lead capture card (src/leads)
  // A prospect's enquiry gets the bot's offer (client id `lead:…`) and, under the latest offer, a form
  // for their details with a consent box. Its wording, consent sentence and stage come from the server
  // (GET /api/chat/lead); a card already answered (sent or declined) is not shown again.

  /** @type {HTMLFormElement | null} */
  let leadCard = null;

  /**
   * @param {HTMLLIElement} item the offer's line
   * @param {boolean} restored drawn from the history (no focus move) rather than arriving live
   */
  async function offerLeadCard(item, restored) {
    await ready;
    const id = conversation?.id;
    // Only the latest offer carries the card (the history is all drawn once `ready`): earlier offers ask
    // the server nothing.
    const latest = () => {
      const offers = list.querySelectorAll('li[data-lead-offer]');
      return !offers.length || offers[offers.length - 1] === item;
    };
    if (!id || !latest()) return;
    const response = await api(`/api/chat/lead?conversationId=${encodeURIComponent(id)}`).catch(() => null);
    if (!response?.ok) return;
    const state = await response.json();
    // Still the latest offer, and still waiting for an answer.
    if (state.stage !== 'asked' || !latest()) return;
    buildLeadCard(item, state.strings, state.consentText, restored);
  }

  /**
   * @param {HTMLLIElement} item
   * @param {Record<string, string>} s the card's strings in the learner's language
   * @param {string} consentText
   * @param {boolean} restored
   */
  function buildLeadCard(item, s, consentText, restored) {
    leadCard?.remove();
    const card = document.createElement('form');
    card.className = 'lead-card';
    card.noValidate = true;
    card.setAttribute('aria-labelledby', 'lead-card-title');
    const heading = document.createElement('h2');
    heading.id = 'lead-card-title';
    heading.textContent = s.cardTitle;
    const intro = document.createElement('p');
    intro.className = 'lead-card-intro';
    intro.textContent = s.cardIntro;
    card.append(heading, intro);
    /** @type {Map<string, HTMLInputElement | HTMLTextAreaElement>} */
    const inputs = new Map();
    /** @type {Map<string, HTMLElement>} */
    const errors = new Map();
    /**
     * @param {string} name
     * @param {string} label
     * @param {{ type?: string, autocomplete?: string, optional?: boolean, multiline?: boolean, hint?: string, max: number }} o
     */
    const field = (name, label, o) => {
      const wrap = document.createElement('div');
      wrap.className = 'lead-field';
      const labelEl = document.createElement('label');
      labelEl.htmlFor = `lead-${name}`;
      labelEl.textContent = o.optional ? `${label} (${s.optional})` : label;
      const input = o.multiline ? document.createElement('textarea') : document.createElement('input');
      input.id = `lead-${name}`;
      input.name = name;
      input.maxLength = o.max;
      if (input instanceof HTMLInputElement) input.type = o.type ?? 'text';
      else input.rows = 2;
      if (o.autocomplete) input.autocomplete = /** @type {AutoFill} */ (o.autocomplete);
      if (!o.optional) input.required = true;
      const described = [];
      wrap.append(labelEl, input);
      if (o.hint) {
        const hint = document.createElement('p');
        hint.className = 'lead-hint';
        hint.id = `lead-${name}-hint`;
        hint.textContent = o.hint;
        wrap.append(hint);
        described.push(hint.id);
      }
      const error = document.createElement('p');
      error.className = 'lead-error';
      error.id = `lead-${name}-error`;
      error.hidden = true;
      wrap.append(error);
      described.push(error.id);
      input.setAttribute('aria-describedby', described.join(' '));
      inputs.set(name, input);
      errors.set(name, error);
      card.append(wrap);
    };
    field('name', s.name, { autocomplete: 'name', max: 120 });
    field('email', s.email, { type: 'email', autocomplete: 'email', hint: s.emailHint, max: 254 });
    field('organisation', s.organisation, { autocomplete: 'organization', max: 200 });
    field('role', s.role, { autocomplete: 'organization-title', optional: true, max: 120 });
    field('interest', s.interest, { optional: true, multiline: true, max: 2000 });

    const consentWrap = document.createElement('div');
    consentWrap.className = 'lead-consent';
    const consent = document.createElement('input');
    consent.type = 'checkbox';
    consent.id = 'lead-consent';
    consent.required = true;
    const consentLabel = document.createElement('label');
    consentLabel.htmlFor = 'lead-consent';
    consentLabel.textContent = consentText;
    const consentError = document.createElement('p');
    consentError.className = 'lead-error';
    consentError.id = 'lead-consent-error';
    consentError.hidden = true;
    consent.setAttribute('aria-describedby', consentError.id);
    consentWrap.append(consent, consentLabel, consentError);
    errors.set('consent', consentError);
    card.append(consentWrap);

    const actions = document.createElement('div');
    actions.className = 'lead-actions';
    const submit = document.createElement('button');
    submit.type = 'submit';
    submit.textContent = s.submit;
    const decline = document.createElement('button');
    decline.type = 'button';
    decline.className = 'secondary';
    decline.textContent = s.decline;
    actions.append(submit, decline);
    const failure = document.createElement('p');
    failure.className = 'lead-error';
    failure.setAttribute('role', 'alert');
    failure.hidden = true;
    card.append(actions, failure);

    /** @param {Record<string, string>} fields */
    const showErrors = (fields) => {
      /** @type {HTMLElement | null} */
      let first = null;
      for (const [name, error] of errors) {
        const text = fields[name];
        error.textContent = text ?? '';
        error.hidden = !text;
        const control = name === 'consent' ? consent : inputs.get(name);
        if (text) control?.setAttribute('aria-invalid', 'true');
        else control?.removeAttribute('aria-invalid');
        if (text && !first && control) first = control;
      }
      /** @type {HTMLElement | null} */ (first)?.focus();
    };

    const close = (/** @type {string} */ said) => {
      card.remove();
      if (leadCard === card) leadCard = null;
      if (said) announce(said);
      input.focus();
    };

    card.addEventListener('submit', async (event) => {
      event.preventDefault();
      submit.disabled = true;
      failure.hidden = true;
      try {
        const response = await api('/api/chat/lead', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            conversationId: conversation?.id,
            ...Object.fromEntries([...inputs].map(([name, control]) => [name, control.value])),
            consent: consent.checked,
          }),
        });
        const body = await response.json().catch(() => ({}));
        if (response.ok) {
          // The bot's thank-you line arrives in the thread (and is announced there).
          close('');
          return;
        }
        if (body?.error?.fields) showErrors(body.error.fields);
        else {
          failure.textContent = body?.error?.message || s.failed;
          failure.hidden = false;
        }
      } catch {
        failure.textContent = s.failed;
        failure.hidden = false;
      } finally {
        submit.disabled = false;
      }
    });

    decline.addEventListener('click', async () => {
      decline.disabled = true;
      const response = await api('/api/chat/lead/decline', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ conversationId: conversation?.id }),
      }).catch(() => null);
      decline.disabled = false;
      if (response?.ok) close(s.declined);
      else {
        failure.textContent = s.failed;
        failure.hidden = false;
      }
    });

    item.append(card);
    leadCard = card;
    card.scrollIntoView({ block: 'nearest' });
    // Arriving live (the learner just asked): the first field, so typing goes on in the card.
    if (!restored) inputs.get('name')?.focus();
  }

  /** @param {(StatusChange & { replyByText?: string }) | null} next */
  function showConversation(next) {
    conversation = next;
    const text =
      next?.status === 'waiting'
        ? `${t.waitingForPerson}${next.replyByText ? ` — ${next.replyByText}` : ''}`
        : next?.status === 'assigned'
          ? t.withPerson
          : next?.status === 'resolved'
            ? t.resolved
            : '';
    statusBar.textContent = text;
    statusBar.hidden = !text;
  }

  /**
   * @param {string} text
   * @param {string} [clientId]
   */
  async function send(text, clientId = newClientId()) {
    renderMessage({ author: 'learner', text, clientId }, { status: 'sending' });
    try {
      // A quick learner can send before the thread has loaded: wait for it rather than fail.
      await ready;
      const response = await api('/api/chat/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ conversationId: conversation?.id, clientId, text }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body?.error?.message || response.statusText);
      renderMessage({ ...body.message, clientId }, { status: 'sent', silent: true });
      if (body.conversation) showConversation(body.conversation);
    } catch (error) {
      renderMessage({ author: 'learner', text, clientId }, { status: 'failed' });
      announce((error instanceof Error && error.message) || t.failed);
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (text.length > 4000) {
      announce(t.tooLong);
      return;
    }
    input.value = '';
    void send(text);
  });
  input.addEventListener('keydown', (event) => {
    // Enter sends, Shift+Enter adds a line (the usual chat convention).
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  handoffButton.addEventListener('click', async () => {
    handoffButton.disabled = true;
    try {
      await ready;
      const response = await api('/api/chat/handoff', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ conversationId: conversation?.id }),
      });
      const body = await response.json().catch(() => ({}));
      if (body.conversation) showConversation(body.conversation);
      if (!response.ok) announce(body?.error?.message || t.failed);
    } finally {
      handoffButton.disabled = false;
    }
  });

  // Streamed answers: one bubble per stream, grown token by token under the stream id, which is the
  // client id the stored answer will carry, so the stored answer replaces the bubble in place.
  /** @type {Map<string, { text: string, next: number, missed: boolean }>} */
  const streams = new Map();
  /** Streams whose stored answer is shown, or that will have none: late tokens for them are ignored. */
  const finished = new Set();

  /** @param {Token} token */
  function onToken({ streamId, index, text }) {
    if (finished.has(streamId)) return;
    let stream = streams.get(streamId);
    if (!stream) {
      stream = { text: '', next: 0, missed: false };
      streams.set(streamId, stream);
    }
    if (stream.missed || index < stream.next) return;
    if (index > stream.next) {
      // Tokens were lost (the page connected or reconnected mid-answer): rather than show an answer with
      // a hole in it, keep what is shown and wait for the stored answer.
      stream.missed = true;
      typing.hidden = false;
      return;
    }
    stream.text += text;
    stream.next += 1;
    typing.hidden = true;
    renderMessage(
      { clientId: streamId, author: 'bot', text: stream.text, streaming: true },
      { silent: true },
    );
  }

  /** @param {MessageView} message */
  function onStoredMessage(message) {
    // Announced once: when a line first appears complete (a streamed answer only when it is stored).
    const alreadyShown = rendered.has(message.id);
    if (message.author === 'learner') {
      renderMessage(message, { status: 'sent', silent: true });
      return;
    }
    finished.add(message.clientId);
    streams.delete(message.clientId);
    typing.hidden = true;
    renderMessage(message, { silent: alreadyShown });
  }

  /** @param {string} streamId */
  function onStreamCancelled(streamId) {
    if (finished.has(streamId)) return;
    finished.add(streamId);
    streams.delete(streamId);
    rendered.get(streamId)?.remove();
    rendered.delete(streamId);
  }

  function listen() {
    window.chatref.liveEvents(
      '/api/chat/events',
      (type, data) => {
        if (type === 'message') onStoredMessage(data.message);
        else if (type === 'conversation') showConversation(data.conversation);
        else if (type === 'token') onToken(data);
        else if (type === 'stream-cancelled') onStreamCancelled(data.streamId);
        else if (type === 'typing') {
          typing.textContent = t.typing;
          typing.hidden = !data.active;
        }
      },
      (status) => {
        connection.textContent = status === 'connected' ? t.connected : t.reconnecting;
      },
      { lastEventId },
    );
  }

  async function start() {
    let response = await api('/api/chat');
    for (let attempt = 1; !response.ok && response.status >= 500 && attempt < 4; attempt++) {
      await new Promise((resolve) => window.setTimeout(resolve, 500 * attempt));
      response = await api('/api/chat');
    }
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      announce(body?.error?.message || t.failed);
      return;
    }
    const body = await response.json();
    lastEventId = body.lastEventId || null;
    showConversation(body.conversation);
    for (const message of /** @type {MessageView[]} */ (body.messages)) {
      if (message.author === 'bot') finished.add(message.clientId);
      renderMessage(message, { silent: true, status: message.author === 'learner' ? 'sent' : undefined });
    }
    listen();
  }

  // "Email me replies when I'm away": the learner's own follow-up preference, saved on change.
  const followUpBox = /** @type {HTMLElement | null} */ (document.getElementById('follow-up-pref'));
  const followUpInput = /** @type {HTMLInputElement | null} */ (document.getElementById('follow-up-email'));
  async function loadFollowUpPreference() {
    if (!followUpBox || !followUpInput) return;
    const response = await api('/api/chat/preferences').catch(() => null);
    if (!response?.ok) return;
    const body = await response.json();
    followUpInput.checked = body.followUpEmail !== false;
    followUpBox.hidden = false;
    followUpInput.addEventListener('change', async () => {
      const wanted = followUpInput.checked;
      followUpInput.disabled = true;
      const saved = await api('/api/chat/preferences', {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ followUpEmail: wanted }),
      }).catch(() => null);
      followUpInput.disabled = false;
      if (saved?.ok) {
        const stored = await saved.json();
        followUpInput.checked = stored.followUpEmail !== false;
        announce(followUpInput.checked ? t.followUpEmailOn : t.followUpEmailOff);
      } else {
        followUpInput.checked = !wanted;
        announce(t.followUpEmailFailed);
      }
      followUpInput.focus();
    });
  }

  const ready = start();
  void loadFollowUpPreference();
})();
