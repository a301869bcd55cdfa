// The admin "Knowledge" page: upload documents, add Q&A pairs, follow ingestion progress, remove sources.
// Everything from the server is written with textContent (never innerHTML), so titles and errors stay text.
(() => {
  const root = document.getElementById('knowledge');
  if (!root || !window.chatref) return;
  const api = window.chatref.api;
  const maxBytes = Number(root.dataset.maxFileBytes) || Number.POSITIVE_INFINITY;
  const maxSize = root.dataset.maxFileSize || '';
  const maxFiles = Number(root.dataset.maxFiles) || 20;
  const POLL_MS = 1000;
  // Vectors filled by the retry job arrive over minutes, not seconds.
  const MEANING_POLL_MS = 5000;

  const $ = (id) => document.getElementById(id);
  const announcer = $('announcer');
  const tbody = $('sources-body');
  const empty = $('sources-empty');
  const listError = $('sources-error');
  const meaningSummary = $('meaning-summary');
  const uploadForm = $('upload-form');
  const fileInput = $('upload-files');
  const uploadButton = $('upload-button');
  const uploadErrors = $('upload-errors');
  const uploadScope = $('upload-scope');
  const qaForm = $('qa-form');
  const qaQuestion = $('qa-question');
  const qaAnswer = $('qa-answer');
  const qaButton = $('qa-button');
  const qaError = $('qa-error');
  const qaScope = $('qa-scope');

  /** id -> { source, row, cells } */
  const rows = new Map();
  let pollTimer = null;
  let meaningTimer = null;

  const STATUS = { queued: 'Waiting to start', processing: 'Processing', ready: 'Ready', failed: 'Failed' };
  const isBusy = (source) => source.status === 'queued' || source.status === 'processing';
  const nameOf = (source) => source.fileName || source.title;

  const { showError, readJson, messageOf, cell } = window.chatrefAdmin;
  const announce = window.chatrefAdmin.announcer(announcer);

  function createRow(source) {
    const row = document.createElement('tr');
    row.dataset.sourceId = source.id;

    const title = document.createElement('th');
    title.scope = 'row';
    title.dataset.label = 'Title';
    const titleText = document.createElement('span');
    titleText.className = 'source-title';
    const fileName = document.createElement('span');
    fileName.className = 'source-file';
    title.append(titleText, fileName);

    const type = cell('Type');
    const scope = cell('Used in');
    const status = cell('Status');
    const statusText = document.createElement('span');
    statusText.className = 'status-text';
    const progress = document.createElement('progress');
    progress.max = 100;
    progress.className = 'status-progress';
    status.append(statusText, progress);
    const chunks = cell('Passages');
    const meaning = cell('Search by meaning');
    const meaningText = document.createElement('span');
    meaningText.className = 'meaning-text';
    meaning.append(meaningText);

    const actions = cell('Actions');
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'button-secondary';
    const removeWord = document.createElement('span');
    removeWord.textContent = 'Remove';
    const removeWhat = document.createElement('span');
    removeWhat.className = 'visually-hidden';
    remove.append(removeWord, removeWhat);
    remove.addEventListener('click', () => removeSource(source.id));
    actions.append(remove);

    row.append(title, type, scope, status, chunks, meaning, actions);
    return {
      row,
      cells: { titleText, fileName, type, scope, statusText, progress, chunks, meaningText, removeWhat },
    };
  }

  /** Writes a source into its row, changing only what changed (keeps focus and screen reader position). */
  function fillRow(entry, source) {
    const c = entry.cells;
    const set = (element, text) => {
      if (element.textContent !== text) element.textContent = text;
    };
    set(c.titleText, source.title);
    set(c.fileName, source.fileName && source.fileName !== source.title ? source.fileName : '');
    set(c.type, source.type);
    set(c.scope, source.scope === 'course' ? 'This course' : 'All courses');
    set(c.chunks, String(source.chunkCount));
    set(c.removeWhat, ` ${source.title}`);
    let status = STATUS[source.status] || source.status;
    if (isBusy(source)) status = `${status}: ${source.progress}%`;
    if (source.status === 'failed') {
      status = `Failed: ${source.error || 'the file could not be used'}.`;
      if (source.version > 0) status += ' The previous version is still in use.';
    }
    set(c.statusText, status);
    set(c.meaningText, meaningText(source));
    entry.row.dataset.meaning = source.meaning ? source.meaning.state : 'none';
    entry.row.dataset.status = source.status;
    c.progress.hidden = !isBusy(source);
    if (isBusy(source)) {
      c.progress.value = source.progress;
      c.progress.setAttribute('aria-valuenow', String(source.progress));
      c.progress.setAttribute('aria-valuemin', '0');
      c.progress.setAttribute('aria-valuemax', '100');
      c.progress.setAttribute('aria-label', `Progress of ${nameOf(source)}`);
      c.progress.textContent = `${source.progress}%`;
    }
    entry.source = source;
  }

  const passages = (n) => (n === 1 ? '1 passage' : `${n} passages`);

  /** Search by meaning for one source, in words (the error is the server's failure in plain words). */
  function meaningText(source) {
    const { meaning } = source;
    if (!meaning) return source.version > 0 ? 'Checking…' : 'Not live yet';
    const why = meaning.error ? ` Last error: ${meaning.error}.` : '';
    switch (meaning.state) {
      case 'ready':
        return 'Ready';
      case 'pending':
        return `Pending: ${passages(meaning.pending)} waiting for the embedding server; word search works meanwhile.${why}`;
      case 'failing':
        return `Failing: ${passages(meaning.pending)} without vectors, found by word search only.${why}`;
      case 'missing':
        return 'Not available: stored before the embedding server was set up; upload it again.';
      default:
        return 'Off';
    }
  }

  function showSummary(summary) {
    if (!summary?.text) return;
    if (meaningSummary.textContent !== summary.text) meaningSummary.textContent = summary.text;
    meaningSummary.hidden = false;
  }

  /** Refreshes the whole list every few seconds while some document waits for its vectors. */
  function scheduleMeaningPoll() {
    if (meaningTimer) return;
    const waiting = [...rows.values()].some(
      (entry) =>
        entry.source.status === 'ready' &&
        (!entry.source.meaning || entry.source.meaning.state === 'pending'),
    );
    if (!waiting) return;
    meaningTimer = setTimeout(() => {
      meaningTimer = null;
      loadSources();
    }, MEANING_POLL_MS);
  }

  /** Adds or updates a source's row; announces "ready"/"failed" when a known upload finishes. */
  function upsert(source, options = {}) {
    let entry = rows.get(source.id);
    const before = entry?.source;
    if (!entry) {
      entry = createRow(source);
      rows.set(source.id, entry);
      if (options.append) tbody.append(entry.row);
      else tbody.prepend(entry.row);
    }
    fillRow(entry, source);
    if (before && isBusy(before) && !isBusy(source)) {
      if (source.status === 'ready') announce(`${nameOf(source)} is ready`);
      if (source.status === 'failed') announce(`${nameOf(source)} failed: ${source.error}`);
    }
    const was = before?.meaning?.state;
    const now = source.meaning?.state;
    if (was === 'pending' && now === 'ready') announce(`${nameOf(source)}: search by meaning is ready`);
    if (was === 'pending' && now === 'failing') announce(`${nameOf(source)}: search by meaning is failing`);
    empty.hidden = rows.size > 0;
  }

  function drop(id) {
    const entry = rows.get(id);
    if (!entry) return;
    entry.row.remove();
    rows.delete(id);
    empty.hidden = rows.size > 0;
  }

  function schedulePoll() {
    if (pollTimer) return;
    if (![...rows.values()].some((entry) => isBusy(entry.source))) return;
    pollTimer = setTimeout(poll, POLL_MS);
  }

  /** Refreshes the sources still being ingested, once a second until none is left. */
  async function poll() {
    pollTimer = null;
    const busy = [...rows.values()].filter((entry) => isBusy(entry.source)).map((entry) => entry.source.id);
    let finished = false;
    await Promise.all(
      busy.map(async (id) => {
        try {
          const response = await api(`/api/knowledge/sources/${encodeURIComponent(id)}`, {
            headers: { Accept: 'application/json' },
          });
          if (response.status === 404) return drop(id);
          const body = await readJson(response);
          if (response.ok && body?.data) {
            upsert({ ...body.data, meaning: body.meaning ?? null });
            if (!isBusy(body.data)) finished = true;
          }
        } catch {
          // A dropped request is retried on the next tick.
        }
      }),
    );
    // A finished upload changes the search-by-meaning line too: read the whole list once.
    if (finished) await loadSources();
    else schedulePoll();
  }

  async function loadSources() {
    try {
      const response = await api('/api/knowledge/sources', { headers: { Accept: 'application/json' } });
      const body = await readJson(response);
      if (!response.ok) {
        showError(listError, messageOf(body, response));
        return;
      }
      showError(listError, '');
      const meanings = body.meaning?.sources ?? {};
      for (const source of body.data)
        upsert({ ...source, meaning: meanings[source.id] ?? null }, { append: true });
      showSummary(body.meaning?.summary);
      empty.hidden = rows.size > 0;
      refreshDocumentLists();
      schedulePoll();
      scheduleMeaningPoll();
    } catch {
      showError(listError, 'The knowledge sources could not be loaded. Check your connection and reload.');
    }
  }

  function showUploadErrors(messages) {
    uploadErrors.replaceChildren(
      ...messages.map((text) => {
        const item = document.createElement('li');
        item.textContent = text;
        return item;
      }),
    );
    uploadErrors.hidden = messages.length === 0;
  }

  uploadForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = [...fileInput.files];
    const problems = [];
    if (chosen.length === 0) {
      showUploadErrors(['Choose at least one file to upload.']);
      fileInput.focus();
      return;
    }
    if (chosen.length > maxFiles) {
      showUploadErrors([`Only ${maxFiles} files can be uploaded at once; choose fewer files.`]);
      fileInput.focus();
      return;
    }
    const form = new FormData();
    let sending = 0;
    for (const file of chosen) {
      // The server refuses these too; checking here saves sending megabytes for nothing.
      if (file.size > maxBytes) {
        const reason = `"${file.name}" is over the size limit of ${maxSize}.`;
        problems.push(reason);
        announce(`${file.name} failed: ${reason}`);
        continue;
      }
      form.append('files', file, file.name);
      sending++;
    }
    if (sending === 0) {
      showUploadErrors(problems);
      return;
    }
    uploadButton.disabled = true;
    uploadForm.setAttribute('aria-busy', 'true');
    announce(sending === 1 ? 'Uploading 1 file…' : `Uploading ${sending} files…`);
    try {
      const scope = uploadScope ? uploadScope.value : 'institution';
      const response = await api(`/api/knowledge/files?scope=${encodeURIComponent(scope)}`, {
        method: 'POST',
        body: form,
        headers: { Accept: 'application/json' },
      });
      const body = await readJson(response);
      const outcomes = body?.data?.files;
      if (!Array.isArray(outcomes)) {
        problems.push(messageOf(body, response));
      } else {
        for (const outcome of outcomes) {
          if (outcome.ok) {
            upsert(outcome.source);
            announce(
              outcome.queued
                ? `Uploaded ${outcome.name}`
                : `${outcome.name} is already up to date; nothing new to process`,
            );
          } else {
            problems.push(outcome.error.message);
            announce(`${outcome.name || 'Upload'} failed: ${outcome.error.message}`);
          }
        }
      }
      fileInput.value = '';
      schedulePoll();
    } catch {
      problems.push('The upload did not reach the server. Check your connection and try again.');
    } finally {
      uploadButton.disabled = false;
      uploadForm.removeAttribute('aria-busy');
      showUploadErrors(problems);
    }
  });

  qaForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const question = qaQuestion.value.trim();
    const answer = qaAnswer.value.trim();
    if (!question || !answer) {
      const missing = question ? qaAnswer : qaQuestion;
      showError(qaError, question ? 'Write the answer.' : 'Write the question.');
      missing.setAttribute('aria-invalid', 'true');
      missing.focus();
      return;
    }
    qaQuestion.removeAttribute('aria-invalid');
    qaAnswer.removeAttribute('aria-invalid');
    showError(qaError, '');
    qaButton.disabled = true;
    try {
      const response = await api('/api/knowledge/qa', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ question, answer, scope: qaScope ? qaScope.value : 'institution' }),
      });
      const body = await readJson(response);
      if (!response.ok) {
        showError(qaError, messageOf(body, response));
        return;
      }
      upsert(body.data);
      scheduleMeaningPoll();
      announce(`Added Q&A: ${body.data.title}`);
      qaForm.reset();
      qaQuestion.focus();
    } catch {
      showError(qaError, 'The Q&A pair did not reach the server. Check your connection and try again.');
    } finally {
      qaButton.disabled = false;
    }
  });

  async function removeSource(id) {
    const entry = rows.get(id);
    if (!entry) return;
    const { title } = entry.source;
    if (!window.confirm(`Remove "${title}"? The assistant stops using it right away.`)) return;
    // Where focus goes once the row is gone: the next row's Remove button, else the previous, else the upload.
    const neighbour = entry.row.nextElementSibling || entry.row.previousElementSibling;
    try {
      const response = await api(`/api/knowledge/sources/${encodeURIComponent(id)}`, {
        method: 'DELETE',
        headers: { Accept: 'application/json' },
      });
      if (!response.ok && response.status !== 404) {
        const body = await readJson(response);
        showError(listError, messageOf(body, response));
        return;
      }
      showError(listError, '');
      drop(id);
      announce(`Removed ${title}`);
      (neighbour?.querySelector('button') || fileInput).focus();
    } catch {
      showError(listError, `"${title}" could not be removed. Check your connection and try again.`);
    }
  }

  // ------------------------------------------------------------------ missed questions
  // A learner's thumbs-down (or asking for a person right after an answer) followed by a handoff, stored
  // by the server; the admin labels each: the document that answers it, not covered, or dismissed.
  const missesSection = $('misses');
  const missesList = $('misses-list');
  const missesEmpty = $('misses-empty');
  const missesCount = $('misses-count');
  const missesError = $('misses-error');
  const missesPages = $('misses-pages');
  const missesPage = $('misses-page');
  const missesPrev = $('misses-prev');
  const missesNext = $('misses-next');
  const missesExport = $('misses-export');
  const perPage = Number(missesSection?.dataset.perPage) || 10;
  let page = 1;
  let pageCount = 1;
  /** id -> { miss, item, parts } */
  const misses = new Map();

  const LABELS = {
    answerable: 'Answered in',
    out_of_scope: 'Not covered by our documents',
    dismissed: 'Dismissed',
  };
  const ROLES = { learner: 'Learner', instructor: 'Instructor', admin: 'Admin' };
  const when = (iso) => {
    try {
      return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    } catch {
      return iso;
    }
  };

  /** The tenant's uploaded documents (the evaluation matches file names, so Q&A pairs are not offered). */
  const documents = () =>
    [...rows.values()]
      .map((entry) => entry.source)
      .filter((source) => source.kind === 'file' && source.version > 0)
      .sort((a, b) => a.title.localeCompare(b.title));

  function fillDocuments(select, chosenId) {
    const keep = chosenId ?? select.value;
    const placeholder = document.createElement('option');
    placeholder.value = '';
    placeholder.textContent = 'Choose a document…';
    const options = documents().map((source) => {
      const option = document.createElement('option');
      option.value = source.id;
      option.textContent =
        source.fileName && source.fileName !== source.title
          ? `${source.title} (${source.fileName})`
          : source.title;
      return option;
    });
    select.replaceChildren(placeholder, ...options);
    select.value = options.some((o) => o.value === keep) ? keep : '';
  }

  function statusText(miss) {
    if (!miss.label) return 'Not reviewed';
    if (miss.label === 'answerable')
      return `${LABELS.answerable}: ${miss.labelSource ? miss.labelSource.title : 'a removed document'}`;
    return LABELS[miss.label];
  }

  function sourceLine(miss) {
    const names = miss.answer.sources.map((s) => {
      let text = s.title;
      if (s.heading) text += ` › ${s.heading}`;
      if (s.fileName && s.fileName !== s.title) text += ` (${s.fileName})`;
      return text;
    });
    const confidence =
      miss.answer.confidence === null ? '' : ` Confidence ${Math.round(miss.answer.confidence * 100)}%.`;
    if (miss.answer.notCovered)
      return `It said the documents do not cover this${names.length ? `; closest: ${names.join('; ')}` : ''}.${confidence}`;
    return `${names.length ? `From: ${names.join('; ')}.` : 'No source cited.'}${confidence}`;
  }

  function paragraph(className, text) {
    const p = document.createElement('p');
    p.className = className;
    if (text !== undefined) p.textContent = text;
    return p;
  }

  function createMiss(miss) {
    const item = document.createElement('li');
    item.className = 'miss';
    item.dataset.missId = miss.id;
    const headingId = `miss-${miss.id}-question`;
    const question = document.createElement('h3');
    question.className = 'miss-question';
    question.id = headingId;
    const status = paragraph('miss-status');
    status.dataset.testid = 'miss-status';
    const meta = paragraph('miss-meta');
    const answerLabel = paragraph('miss-label', 'The assistant answered:');
    const answer = document.createElement('blockquote');
    answer.className = 'miss-answer';
    const sources = paragraph('miss-sources');
    const why = paragraph('miss-why');

    // The label controls: a group named after the question, so each control says what it labels.
    const group = document.createElement('div');
    group.className = 'miss-actions';
    group.setAttribute('role', 'group');
    group.setAttribute('aria-labelledby', `miss-${miss.id}-group ${headingId}`);
    const groupName = document.createElement('span');
    groupName.className = 'visually-hidden';
    groupName.id = `miss-${miss.id}-group`;
    groupName.textContent = 'Label the question';
    const selectId = `miss-${miss.id}-document`;
    const field = document.createElement('span');
    field.className = 'miss-document';
    const selectLabel = document.createElement('label');
    selectLabel.htmlFor = selectId;
    selectLabel.textContent = 'Answered in';
    const select = document.createElement('select');
    select.id = selectId;
    fillDocuments(select, miss.labelSource?.id);
    field.append(selectLabel, select);
    const { actionButton } = window.chatrefAdmin;
    const questionText = `“${miss.question}”`;
    const answered = actionButton('Save document', `for ${questionText}`, () => {
      if (!select.value) {
        showError(parts.error, 'Choose the document that answers this question.');
        select.setAttribute('aria-invalid', 'true');
        select.focus();
        return;
      }
      sendLabel(miss.id, { label: 'answerable', sourceId: select.value }, answered);
    });
    const outOfScope = actionButton(LABELS.out_of_scope, `for ${questionText}`, () =>
      sendLabel(miss.id, { label: 'out_of_scope' }, outOfScope),
    );
    outOfScope.classList.add('button-plain');
    const dismiss = actionButton('Dismiss', questionText, () =>
      sendLabel(miss.id, { label: 'dismissed' }, dismiss),
    );
    dismiss.classList.add('button-plain');
    group.append(groupName, field, answered, outOfScope, dismiss);
    const error = paragraph('form-error');
    error.setAttribute('role', 'alert');
    error.hidden = true;

    item.append(question, status, meta, answerLabel, answer, sources, why, group, error);
    const parts = {
      question,
      status,
      meta,
      answer,
      sources,
      why,
      select,
      error,
      buttons: [answered, outOfScope, dismiss],
    };
    return { item, parts };
  }

  function fillMiss(entry, miss) {
    const p = entry.parts;
    p.question.textContent = `“${miss.question || '(no question text)'}”`;
    p.status.textContent = statusText(miss);
    entry.item.dataset.label = miss.label || 'none';
    const how = miss.signal === 'thumbs_down' ? 'Thumbs-down' : 'Asked for a person right after this answer';
    p.meta.textContent = `${ROLES[miss.role] || miss.role} · ${miss.languageName} · ${when(miss.recordedAt)} · ${how}`;
    p.answer.textContent = miss.answer.text || '(no answer text)';
    p.sources.textContent = sourceLine(miss);
    p.why.textContent = miss.reasons.length
      ? `Handed off because: ${miss.reasons.join('; ')}.`
      : 'Handed off to people.';
    fillDocuments(p.select, miss.labelSource?.id ?? '');
    entry.miss = miss;
  }

  function showCount(unreviewed) {
    missesCount.textContent = unreviewed === 1 ? '(1 not reviewed)' : `(${unreviewed} not reviewed)`;
  }

  async function loadMisses(focusFirst = false) {
    const { sendJson } = window.chatrefAdmin;
    const result = await sendJson(`/api/knowledge/misses?page=${page}&perPage=${perPage}`);
    if (!result.ok) {
      showError(missesError, result.message);
      return;
    }
    showError(missesError, '');
    const body = result.body;
    pageCount = body.pageCount;
    if (body.data.length === 0 && page > 1 && body.total > 0) {
      // The page emptied (fewer misses than before): show the last one that has any.
      page = pageCount;
      return loadMisses(focusFirst);
    }
    misses.clear();
    const items = body.data.map((miss) => {
      const entry = createMiss(miss);
      fillMiss(entry, miss);
      misses.set(miss.id, entry);
      return entry.item;
    });
    missesList.replaceChildren(...items);
    missesEmpty.hidden = body.total > 0;
    showCount(body.unreviewed);
    missesPages.hidden = pageCount <= 1;
    missesPage.textContent = `Page ${page} of ${pageCount}`;
    missesPrev.disabled = page <= 1;
    missesNext.disabled = page >= pageCount;
    if (focusFirst) {
      const first = missesList.querySelector('h3');
      if (first) {
        first.tabIndex = -1;
        first.focus();
      }
    }
  }

  async function sendLabel(id, label, button) {
    const entry = misses.get(id);
    if (!entry) return;
    const { sendJson } = window.chatrefAdmin;
    for (const b of entry.parts.buttons) b.disabled = true;
    entry.item.setAttribute('aria-busy', 'true');
    try {
      const result = await sendJson(`/api/knowledge/misses/${encodeURIComponent(id)}/label`, 'PUT', label);
      if (!result.ok) {
        showError(entry.parts.error, result.message);
        return;
      }
      showError(entry.parts.error, '');
      entry.parts.select.removeAttribute('aria-invalid');
      fillMiss(entry, result.body.data);
      showCount(result.body.unreviewed);
      announce(`Labelled “${result.body.data.question}”: ${statusText(result.body.data)}`);
    } finally {
      for (const b of entry.parts.buttons) b.disabled = false;
      entry.item.removeAttribute('aria-busy');
      button.focus();
    }
  }

  missesPrev?.addEventListener('click', () => {
    if (page <= 1) return;
    page--;
    loadMisses(true);
  });
  missesNext?.addEventListener('click', () => {
    if (page >= pageCount) return;
    page++;
    loadMisses(true);
  });

  // The file comes through fetch (the session travels in a header), then is saved from a blob.
  missesExport?.addEventListener('click', async () => {
    missesExport.disabled = true;
    try {
      const response = await api('/api/knowledge/misses/export.jsonl', {
        headers: { Accept: 'application/x-ndjson' },
      });
      if (!response.ok) {
        showError(missesError, messageOf(await readJson(response), response));
        return;
      }
      const text = await response.text();
      const count = text.split('\n').filter((line) => line.trim() !== '').length;
      if (count === 0) {
        showError(missesError, 'No labelled questions yet: label some missed questions first.');
        return;
      }
      showError(missesError, '');
      const disposition = response.headers.get('content-disposition') || '';
      const name = /filename="([^"]+)"/.exec(disposition)?.[1] || 'missed-questions.jsonl';
      const url = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      announce(count === 1 ? 'Downloaded 1 labelled question' : `Downloaded ${count} labelled questions`);
    } catch {
      showError(
        missesError,
        'The evaluation set could not be downloaded. Check your connection and try again.',
      );
    } finally {
      missesExport.disabled = false;
    }
  });

  /** Documents finished or removed since: every "Answered in" list offers the current ones. */
  function refreshDocumentLists() {
    for (const entry of misses.values())
      fillDocuments(entry.parts.select, entry.parts.select.value || entry.miss.labelSource?.id);
  }

  loadSources().then(() => (missesSection ? loadMisses() : undefined));
})();
