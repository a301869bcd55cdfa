// @ts-check
// "Email me replies when I'm away": the learner's own follow-up preference, saved on change.
import { api } from '../common/session.js';
import { announce, t } from './page.js';

const followUpBox = /** @type {HTMLElement | null} */ (document.getElementById('follow-up-pref'));
const followUpInput = /** @type {HTMLInputElement | null} */ (document.getElementById('follow-up-email'));
export async function loadFollowUpPreference() {
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
