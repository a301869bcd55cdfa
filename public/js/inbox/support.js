// @ts-check
// What the thread's controls offer: transfer targets (admins and teams) and canned replies, read at start
// and whenever another thread is opened.
import { sendJson } from '../common/admin-ui.js';
import { addOption } from './list.js';
import { state, ui } from './page.js';
import { applyPermissions } from './permissions.js';

export async function loadSupport() {
  const [staff, replies] = await Promise.all([
    sendJson('/api/inbox/staff'),
    sendJson('/api/inbox/canned-replies'),
  ]);
  if (staff.ok) {
    state.staff = staff.body.staff || [];
    state.teams = staff.body.teams || [];
    for (const team of state.teams) addOption(ui.filterInputs.teamId, team.id, team.name);
  }
  if (replies.ok) {
    const { canned } = ui;
    state.replies = replies.body.replies || [];
    const chosen = canned.value;
    while (canned.options.length > 1) canned.lastElementChild.remove();
    for (const item of state.replies) addOption(canned, item.id, item.title);
    canned.value = chosen;
    if (canned.value !== chosen) canned.value = '';
  }
  if (state.current) applyPermissions();
}
