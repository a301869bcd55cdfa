// @ts-check
// The lead capture card (src/leads): a prospect's enquiry gets the bot's offer (client id `lead:…`) and,
// under the latest offer, a form for their details with a consent box. Its wording, consent sentence and
// stage come from the server (GET /api/chat/lead); a card already answered (sent or declined) is not
// shown again.
import { api } from '../common/session.js';
import { announce, chat, ui } from './page.js';

/** @type {HTMLFormElement | null} */
let leadCard = null;

/**
 * @param {HTMLLIElement} item the offer's line
 * @param {boolean} restored drawn from the history (no focus move) rather than arriving live
 */
export async function offerLeadCard(item, restored) {
  await chat.ready;
  const id = chat.conversation?.id;
  // Only the latest offer carries the card (the history is all drawn once `ready`): earlier offers ask
  // the server nothing.
  const latest = () => {
    const offers = ui.list.querySelectorAll('li[data-lead-offer]');
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
    ui.input.focus();
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
          conversationId: chat.conversation?.id,
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
      body: JSON.stringify({ conversationId: chat.conversation?.id }),
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
