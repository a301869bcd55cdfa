// @ts-check
// The Leads page (administrators): prospects captured in the chat, filtered by status; one lead opens
// below the table to change its status and owner and add notes; CSV export; the consent sentence.
// Server text is written with textContent, never HTML.
import { actionButton, announcer, cell, sendJson, showError } from './common/admin-ui.js';
import { api } from './common/session.js';
import { dateTime } from './common/time.js';

(() => {
  const root = document.getElementById('leads-page');
  if (!root) return;
  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const announce = announcer($('announcer'));
  const filter = /** @type {HTMLSelectElement} */ ($('status-filter'));
  const body = $('leads-body');
  const empty = $('leads-empty');
  const listError = $('leads-error');
  const detail = $('lead-detail');
  const title = $('lead-title');
  const facts = $('lead-facts');
  const form = /** @type {HTMLFormElement} */ ($('lead-form'));
  const statusInput = /** @type {HTMLSelectElement} */ ($('lead-status'));
  const ownerInput = /** @type {HTMLSelectElement} */ ($('lead-owner'));
  const formError = $('lead-error');
  const notes = $('lead-notes');
  const notesEmpty = $('lead-notes-empty');
  const noteForm = /** @type {HTMLFormElement} */ ($('note-form'));
  const noteInput = /** @type {HTMLTextAreaElement} */ ($('lead-note'));
  const noteError = $('note-error');
  const consentForm = /** @type {HTMLFormElement} */ ($('consent-form'));
  const consentInput = /** @type {HTMLTextAreaElement} */ ($('consent-text'));
  const consentError = $('consent-error');

  const STATUS = { new: 'New', contacted: 'Contacted', qualified: 'Qualified', closed: 'Closed' };
  /** A prospect who left no details: the enquiry still came to sales, without a contact. */
  const NO_DETAILS = { asked: 'No details yet (form offered)', declined: 'No details (declined the form)' };
  /** How a lead is named in buttons and headings: by person and organisation, else by what they wrote. */
  const leadName = (lead) =>
    lead.stage === 'captured'
      ? `${lead.name}, ${lead.organisation}`
      : `enquiry “${lead.message.slice(0, 60)}”`;
  const statusLabel = (/** @type {string} */ s) => STATUS[/** @type {keyof typeof STATUS} */ (s)] ?? s;

  /** @type {any[]} */
  let leads = [];
  /** @type {{ userId: string, name: string }[]} */
  let owners = [];
  /** @type {any | null} the lead open below the table */
  let open = null;

  function renderRows() {
    body.replaceChildren();
    empty.hidden = leads.length > 0;
    empty.textContent = filter.value
      ? `No ${statusLabel(filter.value).toLowerCase()} leads.`
      : 'No leads yet.';
    for (const lead of leads) {
      const row = document.createElement('tr');
      row.dataset.status = lead.status;
      row.dataset.id = lead.id;
      const status = cell('Status');
      const badge = document.createElement('span');
      badge.className = `lead-status lead-status-${lead.status}`;
      badge.textContent = statusLabel(lead.status);
      status.append(badge);
      const contact = cell('Contact');
      const name = document.createElement('span');
      name.className = 'lead-name';
      name.textContent = lead.stage === 'captured' ? lead.name : NO_DETAILS[lead.stage];
      const email = document.createElement('span');
      email.className = 'lead-email';
      email.textContent = lead.email;
      contact.append(name, email);
      if (lead.freeMail) {
        const flag = document.createElement('span');
        flag.className = 'lead-flag';
        flag.textContent = 'Free-mail address';
        contact.append(flag);
      }
      const actions = cell('Actions');
      actions.append(actionButton('Open', `lead from ${leadName(lead)}`, () => openLead(lead.id)));
      row.append(
        status,
        cell('Owner', lead.owner?.name ?? 'Nobody'),
        cell('Organisation', lead.organisation || '—'),
        contact,
        cell('Interest', lead.interest ?? '—'),
        cell('When', dateTime(lead.capturedAt)),
        actions,
      );
      body.append(row);
    }
  }

  async function load() {
    const query = filter.value ? `?status=${encodeURIComponent(filter.value)}` : '';
    const result = await sendJson(`/api/leads${query}`);
    if (!result.ok) {
      showError(listError, result.message);
      return;
    }
    showError(listError);
    leads = result.body.data.leads;
    owners = result.body.data.owners;
    renderRows();
  }

  /** @param {string} label @param {string} text */
  function fact(label, text) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = text;
    facts.append(dt, dd);
    return dd;
  }

  /** @param {any} lead */
  function showLead(lead) {
    open = lead;
    const name = leadName(lead);
    title.textContent = name.charAt(0).toUpperCase() + name.slice(1);
    facts.replaceChildren();
    if (lead.stage !== 'captured') fact('Contact', NO_DETAILS[lead.stage]);
    else fact('Email', lead.freeMail ? `${lead.email} (free-mail address)` : lead.email);
    if (lead.role) fact('Role', lead.role);
    if (lead.interest) fact('Interest', lead.interest);
    fact('Message in the chat', lead.message);
    fact(lead.stage === 'captured' ? 'Captured' : 'Asked', dateTime(lead.capturedAt));
    if (lead.consent) fact('Consent', `${lead.consent.text} (${dateTime(lead.consent.at)})`);
    if (lead.signals.length) fact('Detector saw', lead.signals.join(', '));
    statusInput.value = lead.status;
    ownerInput.replaceChildren();
    const nobody = document.createElement('option');
    nobody.value = '';
    nobody.textContent = 'Nobody';
    ownerInput.append(nobody);
    for (const owner of owners) {
      const option = document.createElement('option');
      option.value = owner.userId;
      option.textContent = owner.name;
      ownerInput.append(option);
    }
    ownerInput.value = lead.owner?.userId ?? '';
    notes.replaceChildren();
    for (const note of lead.notes) {
      const item = document.createElement('li');
      const meta = document.createElement('p');
      meta.className = 'lead-note-meta';
      meta.textContent = `${note.authorName ?? 'Staff'} · ${dateTime(note.at)}`;
      const text = document.createElement('p');
      text.className = 'lead-note-text';
      text.textContent = note.text;
      item.append(meta, text);
      notes.append(item);
    }
    notesEmpty.hidden = lead.notes.length > 0;
    showError(formError);
    showError(noteError);
    detail.hidden = false;
  }

  /** @param {string} id */
  async function openLead(id) {
    const result = await sendJson(`/api/leads/${encodeURIComponent(id)}`);
    if (!result.ok) {
      showError(listError, result.message);
      return;
    }
    showLead(result.body.data);
    detail.focus();
    detail.scrollIntoView({ block: 'start' });
  }

  /** @param {Record<string, unknown>} change @param {HTMLElement} errorBox @param {string} done */
  async function save(change, errorBox, done) {
    if (!open) return false;
    const result = await sendJson(`/api/leads/${encodeURIComponent(open.id)}`, 'PATCH', {
      ...change,
      version: open.version,
    });
    if (!result.ok) {
      showError(errorBox, result.message);
      return false;
    }
    showError(errorBox);
    showLead(result.body.data);
    const index = leads.findIndex((lead) => lead.id === open.id);
    if (index >= 0) leads[index] = result.body.data;
    // A lead whose new status the filter hides leaves the table.
    if (filter.value && result.body.data.status !== filter.value) leads.splice(index, 1);
    renderRows();
    announce(done);
    return true;
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void save({ status: statusInput.value, ownerId: ownerInput.value || null }, formError, 'Lead saved.');
  });

  $('lead-take').addEventListener('click', () => {
    void save({ ownerId: root.dataset.userId }, formError, 'You own this lead now.');
  });

  noteForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const note = noteInput.value.trim();
    if (!note) {
      noteInput.setAttribute('aria-invalid', 'true');
      showError(noteError, 'Write a note first.');
      noteInput.focus();
      return;
    }
    noteInput.removeAttribute('aria-invalid');
    if (await save({ note }, noteError, 'Note added.')) noteInput.value = '';
  });

  $('lead-close').addEventListener('click', () => {
    const id = open?.id;
    detail.hidden = true;
    open = null;
    const button = id ? body.querySelector(`tr[data-id="${CSS.escape(id)}"] button`) : null;
    /** @type {HTMLElement | null} */ (button)?.focus();
  });

  filter.addEventListener('change', () => void load());

  // The export needs the session header, so it is fetched and handed to the browser as a file.
  $('export-csv').addEventListener('click', async () => {
    const query = filter.value ? `?status=${encodeURIComponent(filter.value)}` : '';
    const response = await api(`/api/leads/export.csv${query}`).catch(() => null);
    if (!response?.ok) {
      showError(listError, 'The export failed. Please try again.');
      return;
    }
    const blob = await response.blob();
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download =
      /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'leads.csv';
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    announce('Leads exported as CSV.');
  });

  async function loadConsent() {
    const result = await sendJson('/api/leads/settings');
    if (!result.ok) return;
    consentInput.value = result.body.data.consentText;
    $('consent-default').textContent = result.body.data.defaultConsentText;
  }

  consentForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = await sendJson('/api/leads/settings', 'PUT', { consentText: consentInput.value });
    if (!result.ok) {
      consentInput.setAttribute('aria-invalid', 'true');
      showError(consentError, result.message);
      return;
    }
    consentInput.removeAttribute('aria-invalid');
    showError(consentError);
    announce(
      result.body.data.consentText
        ? 'Consent sentence saved.'
        : "Consent sentence saved: the product's sentence is used.",
    );
  });

  void load();
  void loadConsent();
})();
