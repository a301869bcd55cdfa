// Adding knowledge: uploading files (checked against the size and count limits before sending) and
// writing a Q&A pair.
import { messageOf, readJson, showError } from '../common/admin-ui.js';
import { api } from '../common/session.js';
import { announce, limits, ui } from './page.js';
import { scheduleMeaningPoll, schedulePoll, upsert } from './sources.js';

function showUploadErrors(messages) {
  ui.uploadErrors.replaceChildren(
    ...messages.map((text) => {
      const item = document.createElement('li');
      item.textContent = text;
      return item;
    }),
  );
  ui.uploadErrors.hidden = messages.length === 0;
}

/** Wires the upload and Q&A forms. */
export function wireUpload() {
  ui.uploadForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = [...ui.fileInput.files];
    const problems = [];
    if (chosen.length === 0) {
      showUploadErrors(['Choose at least one file to upload.']);
      ui.fileInput.focus();
      return;
    }
    if (chosen.length > limits.maxFiles) {
      showUploadErrors([`Only ${limits.maxFiles} files can be uploaded at once; choose fewer files.`]);
      ui.fileInput.focus();
      return;
    }
    const form = new FormData();
    let sending = 0;
    for (const file of chosen) {
      // The server refuses these too; checking here saves sending megabytes for nothing.
      if (file.size > limits.maxBytes) {
        const reason = `"${file.name}" is over the size limit of ${limits.maxSize}.`;
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
    ui.uploadButton.disabled = true;
    ui.uploadForm.setAttribute('aria-busy', 'true');
    announce(sending === 1 ? 'Uploading 1 file…' : `Uploading ${sending} files…`);
    try {
      const scope = ui.uploadScope ? ui.uploadScope.value : 'institution';
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
      ui.fileInput.value = '';
      schedulePoll();
    } catch {
      problems.push('The upload did not reach the server. Check your connection and try again.');
    } finally {
      ui.uploadButton.disabled = false;
      ui.uploadForm.removeAttribute('aria-busy');
      showUploadErrors(problems);
    }
  });

  ui.qaForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const question = ui.qaQuestion.value.trim();
    const answer = ui.qaAnswer.value.trim();
    if (!question || !answer) {
      const missing = question ? ui.qaAnswer : ui.qaQuestion;
      showError(ui.qaError, question ? 'Write the answer.' : 'Write the question.');
      missing.setAttribute('aria-invalid', 'true');
      missing.focus();
      return;
    }
    ui.qaQuestion.removeAttribute('aria-invalid');
    ui.qaAnswer.removeAttribute('aria-invalid');
    showError(ui.qaError, '');
    ui.qaButton.disabled = true;
    try {
      const response = await api('/api/knowledge/qa', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ question, answer, scope: ui.qaScope ? ui.qaScope.value : 'institution' }),
      });
      const body = await readJson(response);
      if (!response.ok) {
        showError(ui.qaError, messageOf(body, response));
        return;
      }
      upsert(body.data);
      scheduleMeaningPoll();
      announce(`Added Q&A: ${body.data.title}`);
      ui.qaForm.reset();
      ui.qaQuestion.focus();
    } catch {
      showError(ui.qaError, 'The Q&A pair did not reach the server. Check your connection and try again.');
    } finally {
      ui.qaButton.disabled = false;
    }
  });
}
