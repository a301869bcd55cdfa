// The labelled missed questions as an evaluation set (JSONL): the file comes through fetch (the session
// travels in a header), then is saved from a blob.
import { messageOf, readJson, showError } from '../common/admin-ui.js';
import { api } from '../common/session.js';
import { $, announce } from './page.js';

export function wireMissesExport() {
  const missesExport = $('misses-export');
  const missesError = $('misses-error');
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
}
