// @ts-check
// The support inbox: a list of handed-off conversations (views, filters, search, keyset "Load more"),
// the thread with its handoff card and history, and the staff actions (take over, reply, internal notes,
// transfer, resolve, hand back, reopen, canned replies), all kept live over Server-Sent Events.
// Each panel is a module under ./inbox/; this one starts them. Everything from the server is written with
// textContent (never innerHTML): names and messages stay text.
import { wireActions } from './inbox/actions.js';
import { wireComposer } from './inbox/composer.js';
import { loadList } from './inbox/list.js';
import { wireListControls } from './inbox/list-controls.js';
import { followLiveUpdates, tickClock } from './inbox/live.js';
import { root } from './inbox/page.js';
import { wirePresence } from './inbox/presence.js';
import { loadSupport } from './inbox/support.js';
import { openThread, wireBackButton } from './inbox/thread.js';

if (root) {
  wireListControls();
  wireBackButton();
  wireActions();
  wireComposer();
  wirePresence();
  followLiveUpdates();
  tickClock();
  root.dataset.pane = 'list';
  void loadSupport();
  void loadList();
  const fromHash = /^#conversation=([0-9a-zA-Z_-]+)$/.exec(location.hash);
  if (fromHash) void openThread(fromHash[1]);
}
