// @ts-check
// The support inbox: a list of handed-off conversations (views, filters, search, keyset "Load more"),
// the thread with its handoff card and history, and the staff actions (take over, reply, internal notes,
// transfer, resolve, hand back, reopen, canned replies), all kept live over Server-Sent Events.
// Everything from the server is written with textContent (never innerHTML): names and messages stay text.
// Live frames are typed by the server's declaration (src/live/frames.ts), checked by `npm run typecheck`.

/** @typedef {import('../../src/inbox/presence.js').PresencePerson} PresencePerson */
/**
 * The open thread; its conversation and permissions are what /api/inbox/conversations/:id answered.
 * @typedef {{ id: string, conversation: any, permissions: Record<string, boolean>, viewers: PresencePerson[], typing: PresencePerson[] }} OpenThread
 */

(() => {
  const root = /** @type {HTMLElement} */ (document.getElementById('inbox'));
  if (!root || !window.chatref || !window.chatrefAdmin) return;
  const { sendJson, showError } = window.chatrefAdmin;
  const { liveEvents } = window.chatref;
  const slaText = window.chatrefSla;

  /** @type {(id: string) => any} */
  const $ = (id) => document.getElementById(id);
  const listPane = $('list-pane');
  const list = $('conversation-list');
  const listEmpty = $('list-empty');
  const listError = $('list-error');
  const loadMore = $('load-more');
  const connection = $('connection');
  const searchForm = $('search-form');
  const search = $('search');
  const filterSummary = $('filter-summary');
  const filterInputs = {
    category: $('filter-category'),
    courseId: $('filter-course'),
    priority: $('filter-priority'),
    teamId: $('filter-team'),
  };
  const placeholder = $('thread-placeholder');
  const thread = $('thread');
  const threadTitle = $('thread-title');
  const threadStatus = $('thread-status');
  const presenceLine = $('presence');
  const threadError = $('thread-error');
  const handoffCard = $('handoff-card');
  const history = $('history');
  const claimButton = $('claim-button');
  const ownerLine = $('owner-line');
  const replyForm = $('reply-form');
  const reply = $('reply');
  const replyWhy = $('reply-why');
  const sendReply = $('send-reply');
  const canned = $('canned');
  const insertCanned = $('insert-canned');
  const noteForm = $('note-form');
  const note = $('note');
  const addNote = $('add-note');
  const transferRow = $('transfer-row');
  const transferTarget = $('transfer-target');
  const transferButton = $('transfer-button');
  const resolveRow = $('resolve-row');
  const resolution = $('resolution');
  const resolveButton = $('resolve-button');
  const handBackButton = $('hand-back-button');
  const reopenButton = $('reopen-button');

  const announceList = window.chatrefAdmin.announcer($('list-announcer'));
  const announceThread = window.chatrefAdmin.announcer($('thread-announcer'));

  /** Who is signed in: the user id from the session token (a signed JWT), the name from the page. */
  const me = { userId: tokenUserId(), name: root.dataset.userName || '' };
  function tokenUserId() {
    try {
      const part = (window.chatref.token() || '').split('.')[1] || '';
      const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
      return String(JSON.parse(json).uid || '');
    } catch {
      return '';
    }
  }

  const PRIORITY_LABEL = { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' };
  const PRIORITY_RANK = { low: 0, normal: 1, high: 2, urgent: 3 };
  const STATUS_LABEL = {
    bot: 'With the assistant',
    waiting: 'Waiting for a person',
    assigned: 'Assigned',
    resolved: 'Resolved',
  };
  const VIEW_LABEL = {
    attention: 'Needs attention',
    mine: 'Mine',
    unassigned: 'Unassigned',
    at_risk: 'At risk',
    breached: 'Breached',
    open: 'All open',
    resolved: 'Resolved',
    all: 'All',
  };
  const PAGE_SIZE = 25;
  const HEARTBEAT_MS = 10_000;
  const TYPING_IDLE_MS = 4_000;
  const TYPING_REPEAT_MS = 5_000;

  const state = {
    /** @type {string} */
    view: 'attention',
    filters: { category: '', courseId: '', priority: '', teamId: '', q: '' },
    /** @type {Map<string, any>} id -> { item, li } in list order (the DOM keeps the order). */
    items: new Map(),
    /** @type {string | null} */
    nextCursor: null,
    /** id -> status of every thread seen since the page opened (to announce only new waiting ones). */
    known: new Map(),
    /** id -> SLA state of every thread seen since the page opened (to announce a change to at risk). */
    knownSla: new Map(),
    /** How many pages are shown (1 + each "Load more"). */
    pages: 0,
    listRequest: 0,
    /** @type {OpenThread | null} */
    current: null,
    threadRequest: 0,
    /** @type {Map<string, HTMLLIElement>} message id or client id -> <li> of the open thread */
    rendered: new Map(),
    /** @type {any[]} */
    staff: [],
    /** @type {any[]} */
    teams: [],
    /** @type {any[]} */
    replies: [],
    /**
     * The zone reply-by and due times are written in: the tenant's calendar zone, named ("New York time"),
     * as every list and thread answer says. The browser's own zone until the first answer.
     */
    zone: { timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, name: 'your time' },
  };

  /** The open thread, where only an open thread can be acted on (its actions are hidden otherwise). */
  const openThreadState = () => /** @type {OpenThread} */ (state.current);

  const newClientId = () =>
    crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // --- Times ------------------------------------------------------------------------------------------

  const timeFormat = new Intl.DateTimeFormat(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
  const dateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

  /** "14:00" today, "Mon 14:00" this week, "24 Nov 14:00" otherwise. */
  function shortTime(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return '';
    const now = new Date();
    const time = timeFormat.format(date);
    if (date.toDateString() === now.toDateString()) return time;
    if (Math.abs(date.getTime() - now.getTime()) < 6 * 86_400_000) return `${dayFormat.format(date)} ${time}`;
    return `${dateFormat.format(date)} ${time}`;
  }

  function timeElement(iso, className) {
    const node = el('time', className, shortTime(iso));
    node.dateTime = iso;
    node.title = new Date(iso).toLocaleString();
    return node;
  }

  /**
   * The reply-by label in the tenant's zone, named: "reply by 14:00, New York time", or "overdue: reply
   * by …" once the time has passed. The same words in the list and the thread.
   */
  function replyByText(iso) {
    const overdue = new Date(iso).getTime() < Date.now();
    return `${overdue ? 'overdue: ' : ''}reply by ${slaText.zonedTime(iso, state.zone, Date.now())}`;
  }

  function fillReplyBy(node, iso) {
    node.textContent = replyByText(iso);
    node.dateTime = iso;
    node.classList.toggle('overdue', new Date(iso).getTime() < Date.now());
  }

  /** What rows and the thread header show: running and paused clocks; met or stopped ones say nothing. */
  function rowSla(sla) {
    return sla && sla.state !== 'met' && sla.state !== 'stopped' ? sla : undefined;
  }

  /**
   * A row's SLA: the state in words with its colour ("At risk") and the time left, ticking on the page
   * ("32 min left", "overdue 5 min"). Nothing for a thread without a clock.
   */
  function fillSla(node, sla) {
    const shown = slaText.describe(rowSla(sla), Date.now());
    node.replaceChildren();
    node.hidden = !shown.label;
    node.className = `item-sla sla-${shown.state || 'none'}`;
    node.dataset.state = shown.state;
    if (!shown.label) return;
    node.append(el('span', 'sla-state', shown.label));
    if (shown.left) {
      const left = el('time', 'sla-left', shown.left);
      left.dateTime = sla.dueAt;
      left.title = `Due ${slaText.zonedTime(sla.dueAt, state.zone, Date.now())}`;
      node.append(document.createTextNode(' · '), left);
    }
  }

  // --- The list ---------------------------------------------------------------------------------------

  function listQuery(extra = {}) {
    const params = new URLSearchParams({ view: state.view, limit: String(PAGE_SIZE) });
    for (const [key, value] of Object.entries(state.filters)) if (value) params.set(key, value);
    for (const [key, value] of Object.entries(extra)) if (value) params.set(key, value);
    return `/api/inbox/conversations?${params}`;
  }

  function showCounts(counts) {
    if (!counts) return;
    for (const node of /** @type {NodeListOf<HTMLElement>} */ (root.querySelectorAll('[data-count]'))) {
      const value = counts[node.dataset.count || ''];
      node.textContent = typeof value === 'number' ? String(value) : '';
      node.dataset.zero = String(value === 0);
    }
  }

  function learnerName(item) {
    return item.learner?.name || 'Unnamed learner';
  }

  function courseName(item) {
    return item.course?.title || (item.course?.id ? 'Course' : '');
  }

  function ownerText(item) {
    if (item.assignee) {
      const mine = item.assignee.userId === me.userId;
      return mine ? 'Owned by you' : `Owned by ${item.assignee.name || 'another admin'}`;
    }
    if (item.team) return `Team ${item.team.name}`;
    return item.status === 'resolved' ? 'Resolved' : 'Unassigned';
  }

  /** The list entry's content: learner, course, reason, preview, reply-by, priority, owner, unread. */
  function fillItem(entry, item) {
    const button = entry.button;
    button.replaceChildren();
    button.dataset.status = item.status;
    button.dataset.priority = item.priority;
    const top = el('span', 'item-top');
    const name = el('span', 'item-learner', learnerName(item));
    top.append(name);
    if (item.unread && state.current?.id !== item.id) {
      top.append(el('span', 'unread-dot'));
      top.append(el('span', 'visually-hidden', ' (unread)'));
    }
    const badge = el(
      'span',
      `priority-badge priority-${item.priority}`,
      PRIORITY_LABEL[item.priority] || item.priority,
    );
    top.append(badge);
    const meta = el('span', 'item-meta');
    const parts = [
      courseName(item),
      item.category,
      (item.reasons || []).map(describeReason).join('; '),
    ].filter(Boolean);
    meta.textContent = parts.join(' · ');
    const preview = el('span', 'item-preview', item.preview || '');
    const bottom = el('span', 'item-bottom');
    const slaNode = el('span', 'item-sla');
    entry.sla = slaNode;
    fillSla(slaNode, item.status === 'resolved' ? undefined : item.sla);
    if (!slaNode.hidden) bottom.append(slaNode, document.createTextNode(' · '));
    if (item.replyBy && item.status !== 'resolved') {
      const due = el('time', 'item-reply-by');
      fillReplyBy(due, item.replyBy);
      bottom.append(due, document.createTextNode(' · '));
    }
    bottom.append(el('span', 'item-owner', ownerText(item)));
    button.append(top, meta, preview, bottom);
    entry.item = item;
  }

  function createEntry(item) {
    const li = el('li', 'conversation');
    const button = el('button', 'conversation-item');
    button.type = 'button';
    button.dataset.id = item.id;
    button.addEventListener('click', () => openThread(item.id, { focus: true }));
    li.append(button);
    return { li, button, item };
  }

  /** Keeps the filter menus offering the categories and courses seen so far. */
  function learnOptions(item) {
    if (item.category) addOption(filterInputs.category, item.category, item.category);
    if (item.course?.id)
      addOption(filterInputs.courseId, item.course.id, item.course.title || item.course.id);
  }

  function addOption(select, value, label) {
    for (const option of select.options) if (option.value === value) return;
    const option = el('option', '', label);
    option.value = value;
    select.append(option);
  }

  function updateEmpty() {
    listEmpty.hidden = state.items.size > 0;
    listEmpty.textContent = state.filters.q
      ? `No conversations match "${state.filters.q}".`
      : `No conversations in ${VIEW_LABEL[state.view]}.`;
  }

  /** Loads the first page (replacing the list) or the next one ("Load more"). */
  async function loadList({ append = false } = {}) {
    const request = ++state.listRequest;
    list.setAttribute('aria-busy', 'true');
    loadMore.disabled = true;
    const result = await sendJson(listQuery(append ? { cursor: state.nextCursor } : {}));
    if (request !== state.listRequest) return;
    list.setAttribute('aria-busy', 'false');
    loadMore.disabled = false;
    if (!result.ok) {
      showError(listError, result.message);
      return;
    }
    showError(listError, '');
    const body = result.body;
    if (body.zone?.timeZone) state.zone = body.zone;
    if (!append) {
      list.replaceChildren();
      state.items.clear();
    }
    state.pages = append ? state.pages + 1 : 1;
    const firstNew = [];
    for (const item of body.items || []) {
      state.known.set(item.id, item.status);
      state.knownSla.set(item.id, item.sla?.state);
      if (state.items.has(item.id)) continue;
      const entry = createEntry(item);
      fillItem(entry, item);
      state.items.set(item.id, entry);
      list.append(entry.li);
      firstNew.push(entry);
      learnOptions(item);
    }
    markSelected();
    showCounts(body.counts);
    state.nextCursor = body.nextCursor || null;
    loadMore.hidden = !state.nextCursor;
    updateEmpty();
    if (append && firstNew[0]) firstNew[0].button.focus();
  }

  /** Counts change with every live update; fetch them at most twice a second. */
  let countsTimer = null;
  function refreshCountsSoon() {
    if (countsTimer) return;
    countsTimer = window.setTimeout(async () => {
      countsTimer = null;
      // The counts under the current filters (every list answer carries them).
      const result = await sendJson(listQuery({ limit: '1' }));
      if (result.ok) showCounts(result.body.counts);
    }, 500);
  }

  /**
   * Whether a live item belongs in the current view: true, false, or null when the item cannot tell
   * (Needs attention holds owned threads whose learner wrote last). Items that list their views decide.
   */
  function matchesView(item) {
    const f = state.filters;
    if (f.category && item.category !== f.category) return false;
    if (f.courseId && item.course?.id !== f.courseId) return false;
    if (f.priority && item.priority !== f.priority) return false;
    if (f.teamId && item.team?.id !== f.teamId) return false;
    if (Array.isArray(item.views)) return item.views.includes(state.view);
    const assignedToMe = Boolean(item.assignee?.userId) && item.assignee.userId === me.userId;
    // At risk and Breached follow the server's SLA state (src/inbox/index-doc.ts viewsOf).
    const withPeople = item.status === 'waiting' || item.status === 'assigned';
    return {
      attention: item.status === 'waiting' ? true : item.status === 'assigned' ? null : false,
      mine: assignedToMe && item.status === 'assigned',
      unassigned: item.status === 'waiting',
      at_risk: withPeople && item.sla?.state === 'at_risk',
      breached: withPeople && item.sla?.state === 'breached',
      open: item.status !== 'resolved',
      resolved: item.status === 'resolved',
      all: true,
    }[state.view];
  }

  /** When a live item cannot say where it goes: read the first page again (unless the admin paged on). */
  let reconcileTimer = null;
  function reconcileSoon() {
    window.clearTimeout(reconcileTimer);
    reconcileTimer = window.setTimeout(() => {
      if (state.pages > 1 || list.contains(document.activeElement)) return;
      void loadList();
    }, 1500);
  }

  /** The list's order (the server's): reply-by first (missing last), then priority, then newest. */
  function compare(a, b) {
    const newest = (x, y) => Date.parse(y.lastMessageAt) - Date.parse(x.lastMessageAt);
    if (state.view === 'resolved') return newest(a, b);
    const ra = a.replyBy ? Date.parse(a.replyBy) : Number.POSITIVE_INFINITY;
    const rb = b.replyBy ? Date.parse(b.replyBy) : Number.POSITIVE_INFINITY;
    if (ra !== rb) return ra < rb ? -1 : 1;
    const pa = PRIORITY_RANK[a.priority] ?? 1;
    const pb = PRIORITY_RANK[b.priority] ?? 1;
    if (pa !== pb) return pb - pa;
    return newest(a, b);
  }

  /** A list item changed or appeared (live): update, move, insert or drop it; announce new waiting ones. */
  function onItem(item) {
    learnOptions(item);
    const entry = state.items.get(item.id);
    const before = entry?.item;
    const belongs = matchesView(item);
    if (belongs === null) {
      if (entry) fillItem(entry, item);
      reconcileSoon();
    } else if (entry && !belongs) {
      const hadFocus = entry.li.contains(document.activeElement);
      const next = entry.li.nextElementSibling || entry.li.previousElementSibling;
      entry.li.remove();
      state.items.delete(item.id);
      if (hadFocus) (next?.querySelector('button') || search).focus();
    } else if (belongs && !(state.filters.q && !entry)) {
      const target = entry || createEntry(item);
      const hadFocus = target.li.contains(document.activeElement);
      fillItem(target, item);
      if (!entry) state.items.set(item.id, target);
      // Place it where the server would: before the first item it sorts ahead of.
      let placed = false;
      for (const other of list.children) {
        if (other === target.li) continue;
        const otherEntry = state.items.get(other.firstElementChild?.dataset.id);
        if (otherEntry && compare(item, otherEntry.item) < 0) {
          if (other.previousElementSibling !== target.li) list.insertBefore(target.li, other);
          placed = true;
          break;
        }
      }
      if (!placed) {
        // Past the loaded page: it arrives with "Load more" instead (keyset order stays consistent).
        if (state.nextCursor && !entry) state.items.delete(item.id);
        else if (list.lastElementChild !== target.li) list.append(target.li);
      }
      if (hadFocus) target.button.focus();
    }
    // Announce a thread that starts waiting (known: every status seen since the page opened, any view).
    const previous = before?.status ?? state.known.get(item.id);
    state.known.set(item.id, item.status);
    // And one whose SLA turns at risk or breached (the row's words change too, but nobody hears those).
    const slaState = item.sla?.state;
    const slaBefore = before ? before.sla?.state : state.knownSla.get(item.id);
    state.knownSla.set(item.id, slaState);
    if (
      slaState !== slaBefore &&
      (slaState === 'at_risk' || slaState === 'breached') &&
      item.status !== 'resolved'
    )
      announceList(`${learnerName(item)}: SLA ${slaText.STATE_LABEL[slaState].toLowerCase()}`);
    if (item.status === 'waiting' && previous !== 'waiting')
      announceList(
        `New conversation waiting: ${learnerName(item)}${item.reasons?.length ? `, ${describeReason(item.reasons[0])}` : ''}`,
      );
    markSelected();
    updateEmpty();
    refreshCountsSoon();
    if (state.current?.id === item.id) refreshThreadSoon();
  }

  function markSelected() {
    for (const entry of state.items.values()) {
      if (state.current?.id === entry.item.id) entry.button.setAttribute('aria-current', 'true');
      else entry.button.removeAttribute('aria-current');
    }
  }

  const viewTabs = /** @type {HTMLElement[]} */ ([...root.querySelectorAll('[role="tab"][data-view]')]);

  function setView(view) {
    state.view = view;
    for (const tab of viewTabs) {
      const selected = tab.dataset.view === view;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
    }
    void loadList();
  }

  for (const tab of viewTabs) tab.addEventListener('click', () => setView(tab.dataset.view || ''));
  // The tabs pattern: arrows (and Home/End) move between views; Tab goes on to the list.
  root.querySelector('[role="tablist"]')?.addEventListener('keydown', (event) => {
    if (!(event instanceof KeyboardEvent)) return;
    const index = viewTabs.indexOf(/** @type {HTMLElement} */ (event.target));
    if (index < 0) return;
    const last = viewTabs.length - 1;
    const next = {
      ArrowRight: index === last ? 0 : index + 1,
      ArrowLeft: index === 0 ? last : index - 1,
      Home: 0,
      End: last,
    }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    viewTabs[next]?.focus();
    setView(viewTabs[next]?.dataset.view || '');
  });

  searchForm.addEventListener('submit', (event) => {
    event.preventDefault();
    state.filters.q = search.value.trim();
    void loadList();
  });
  search.addEventListener('search', () => {
    // The clear button of a search field.
    if (!search.value && state.filters.q) {
      state.filters.q = '';
      void loadList();
    }
  });

  function describeFilters() {
    const active = Object.entries(filterInputs)
      .filter(([, select]) => select.value)
      .map(([, select]) => select.selectedOptions[0]?.textContent || select.value);
    filterSummary.textContent = active.length ? `(${active.join(', ')})` : '';
  }
  for (const [key, select] of Object.entries(filterInputs)) {
    select.addEventListener('change', () => {
      state.filters[key] = select.value;
      describeFilters();
      void loadList();
    });
  }
  $('clear-filters').addEventListener('click', () => {
    for (const [key, select] of Object.entries(filterInputs)) {
      select.value = '';
      state.filters[key] = '';
    }
    describeFilters();
    void loadList();
  });

  loadMore.addEventListener('click', () => loadList({ append: true }));

  // Up and Down move between conversations (the list is long; Tab still works too).
  list.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const li = event.target.closest('li');
    const next = event.key === 'ArrowDown' ? li?.nextElementSibling : li?.previousElementSibling;
    const target = next?.querySelector('button');
    if (target) {
      event.preventDefault();
      target.focus();
    }
  });

  // --- The thread -------------------------------------------------------------------------------------

  const AUTHOR_LABEL = { learner: 'Learner', bot: 'Assistant', admin: 'Staff', system: 'System' };

  function authorOf(message) {
    if (message.author === 'learner') return state.current?.conversation?.learner?.name || 'Learner';
    if (message.author === 'admin') {
      if (message.authorId && message.authorId === me.userId) return `${message.authorName || me.name} (you)`;
      return message.authorName || 'Staff';
    }
    return AUTHOR_LABEL[message.author] || message.author;
  }

  function renderCitations(container, citations, confidence) {
    if ((!citations || citations.length === 0) && typeof confidence !== 'number') return;
    const box = el('div', 'citations');
    if (citations?.length) {
      box.append(el('p', 'citations-title', 'Sources'));
      const items = el('ol');
      for (const citation of citations) {
        const item = el('li');
        if (citation.index) item.value = citation.index;
        const label = citation.heading ? `${citation.title} — ${citation.heading}` : citation.title;
        if (citation.url && /^https?:\/\//i.test(citation.url)) {
          const link = el('a', '', label);
          link.href = citation.url;
          link.target = '_blank';
          link.rel = 'noopener noreferrer';
          item.append(link);
        } else {
          item.textContent = citation.path ? `${label} (${citation.path})` : label;
        }
        items.append(item);
      }
      box.append(items);
    }
    if (typeof confidence === 'number')
      box.append(el('p', 'confidence', `Confidence ${Math.round(confidence * 100)}%`));
    container.append(box);
  }

  /** Adds or updates one line of the history; `id` or `clientId` identifies it. */
  function renderMessage(message, options = {}) {
    let li = (message.id && state.rendered.get(message.id)) || state.rendered.get(message.clientId);
    const isNew = !li;
    if (!li) {
      li = el('li');
      history.append(li);
    }
    if (message.id) state.rendered.set(message.id, li);
    if (message.clientId) state.rendered.set(message.clientId, li);
    // A refresh brings the same stored line again: leave it alone (keeps a screen reader's place).
    const version = message.id ? `${message.id}:${message.text}` : '';
    if (!isNew && !options.status && version && li.dataset.version === version) return li;
    li.dataset.version = options.status ? '' : version;
    const isNote = message.kind === 'note' || message.internal;
    const isEvent = message.kind === 'event' || message.author === 'system';
    // The SLA timers record warnings, breaches and escalations as staff-only system notes (client id
    // `sla:<target>:<cycle>:<stage>`): labelled as SLA lines, breaches and escalations marked.
    const slaStage =
      message.author === 'system' && /^sla:/.test(message.clientId || '')
        ? message.clientId.split(':')[3] || ''
        : '';
    li.className = `entry entry-${message.author}${isNote ? ' entry-note' : ''}${isEvent ? ' entry-event' : ''}${
      slaStage ? ` entry-sla sla-line-${slaStage === 'warning' ? 'warning' : 'breach'}` : ''
    }`;
    li.dataset.author = message.author;
    li.dataset.kind = isNote ? 'note' : message.kind || 'message';
    li.replaceChildren();
    const head = el('p', 'entry-head');
    if (slaStage) head.append(el('span', 'note-label', 'SLA (staff only)'), document.createTextNode(' '));
    else if (isNote) head.append(el('span', 'note-label', 'Internal note'), document.createTextNode(' '));
    head.append(el('span', 'entry-author', authorOf(message)));
    if (message.createdAt) head.append(document.createTextNode(' · '), timeElement(message.createdAt));
    const body = el('p', 'entry-text', message.text);
    li.append(head, body);
    if (message.author === 'bot') renderCitations(li, message.citations, message.confidence);
    if (options.status) {
      const status = el('p', 'entry-status');
      if (options.status === 'failed') {
        const retry = el('button', 'link-button', 'Not sent. Retry');
        retry.type = 'button';
        retry.addEventListener('click', () => options.retry?.());
        status.append(retry);
      } else status.textContent = 'Sending…';
      li.append(status);
    }
    return li;
  }

  /** List items carry reason codes; the handoff card carries the full reasons. */
  const REASON_LABEL = {
    human_request: 'Asked for a person',
    low_confidence: 'Low-confidence answers',
    keyword_rule: 'Keyword rule',
    urgent_rule: 'Urgent rule',
    out_of_hours: 'Out of staff hours',
    no_staff_online: 'No admin was online',
  };

  function describeReason(reason) {
    if (typeof reason === 'string') return REASON_LABEL[reason] || reason.replace(/_/g, ' ');
    switch (reason?.code) {
      case 'human_request':
        return reason.via === 'button'
          ? 'Asked for a person (button)'
          : `Asked for a person ("${reason.phrase || ''}")`;
      case 'low_confidence':
        return `${reason.streak} low-confidence answer${reason.streak === 1 ? '' : 's'} in a row`;
      case 'keyword_rule':
        return `Keyword rule ${reason.ruleName ? `"${reason.ruleName}" ` : ''}matched "${reason.matched}"`;
      case 'urgent_rule':
        return `Urgent rule "${reason.ruleName}"`;
      case 'out_of_hours':
        return 'Out of staff hours';
      case 'no_staff_online':
        return 'No admin was online';
      default:
        return reason?.code || '';
    }
  }

  function fact(list, term, value) {
    if (!value) return;
    list.append(el('dt', '', term), el('dd', '', value));
  }

  /** The handoff card: why it came, summary, what the bot tried, who and where. */
  function renderHandoff(conversation) {
    const card = conversation.handoff;
    const facts = $('handoff-facts');
    const summary = $('handoff-summary');
    const bot = $('handoff-bot');
    facts.replaceChildren();
    summary.replaceChildren();
    bot.replaceChildren();
    const reasons = (card?.reasons?.length ? card.reasons : conversation.reasons || []).map(describeReason);
    fact(facts, reasons.length > 1 ? 'Reasons' : 'Reason', reasons.filter(Boolean).join('; '));
    const user = card?.user || {};
    fact(facts, 'User', user.name || conversation.learner?.name || 'Unnamed learner');
    fact(facts, 'Role', user.role || conversation.learner?.role);
    fact(facts, 'Email', conversation.contactEmail || user.email);
    fact(facts, 'Course', conversation.course?.title || card?.course?.title || card?.course?.label);
    const lms = conversation.lms || card?.lms;
    fact(facts, 'LMS', [lms?.name, lms?.productFamily].filter(Boolean).join(' · '));
    fact(facts, 'Priority', PRIORITY_LABEL[conversation.priority] || conversation.priority);
    fact(facts, 'Category', conversation.category);
    if (card?.question) {
      summary.append(el('p', 'handoff-question-label', 'Question'));
      summary.append(el('blockquote', 'handoff-question', card.question));
    }
    if (card?.summary?.length) {
      summary.append(el('p', 'handoff-question-label', 'Summary'));
      const lines = el('ul', 'handoff-lines');
      for (const line of card.summary) lines.append(el('li', '', line));
      summary.append(lines);
    }
    if (card?.botAnswer) {
      bot.append(el('p', 'handoff-question-label', 'What the assistant tried'));
      bot.append(el('p', 'handoff-bot-text', card.botAnswer.text));
      renderCitations(bot, card.botAnswer.citations, card.botAnswer.confidence);
    } else if (card) {
      bot.append(el('p', 'hint', 'The assistant had not answered yet.'));
    }
    handoffCard.hidden = !card && reasons.length === 0;
  }

  function statusText(conversation) {
    const parts = [STATUS_LABEL[conversation.status] || conversation.status];
    if (conversation.assignee) parts.push(ownerText(conversation));
    else if (conversation.team) parts.push(`Team ${conversation.team.name}`);
    if (conversation.status !== 'resolved') {
      const shown = slaText.describe(rowSla(conversation.sla), Date.now());
      if (shown.label) parts.push(`SLA ${shown.label.toLowerCase()}${shown.left ? `, ${shown.left}` : ''}`);
    }
    if (conversation.replyBy && conversation.status !== 'resolved')
      parts.push(replyByText(conversation.replyBy));
    return parts.join(' · ');
  }

  /** Why the Reply box is closed to this person, in words. */
  function replyClosedReason(conversation, permissions) {
    if (permissions.canReply) return '';
    if (conversation.status === 'resolved') return 'This conversation is resolved. Reopen it to reply.';
    if (conversation.assignee && conversation.assignee.userId !== me.userId)
      return `${conversation.assignee.name || 'Another admin'} owns this conversation, so only they reply. Add an internal note${
        permissions.isLead ? ', or reassign it with Transfer' : ' or ask them for a transfer'
      }.`;
    if (permissions.canClaim)
      return 'Take over to reply: only the owner replies, so two people never answer the same learner.';
    return 'You cannot reply to this conversation.';
  }

  function applyPermissions() {
    const { conversation, permissions: p } = openThreadState();
    claimButton.hidden = !p.canClaim;
    claimButton.disabled = false;
    ownerLine.textContent = conversation.assignee ? ownerText(conversation) : '';
    const closed = replyClosedReason(conversation, p);
    reply.readOnly = !p.canReply;
    reply.setAttribute('aria-disabled', String(!p.canReply));
    sendReply.disabled = !p.canReply;
    canned.disabled = !p.canReply || state.replies.length === 0;
    insertCanned.disabled = canned.disabled;
    replyWhy.textContent = closed;
    replyWhy.hidden = !closed;
    transferRow.hidden = !p.canTransfer;
    resolveRow.hidden = !p.canResolve;
    handBackButton.hidden = !p.canHandBack;
    reopenButton.hidden = !p.canReopen;
    fillTransferTargets(conversation);
  }

  function fillTransferTargets(conversation) {
    const previous = transferTarget.value;
    transferTarget.replaceChildren(el('option', '', 'Choose an admin or team'));
    transferTarget.firstElementChild.value = '';
    const people = state.staff.filter(
      (person) => person.userId !== me.userId && person.userId !== conversation.assignee?.userId,
    );
    if (people.length) {
      const group = el('optgroup');
      group.label = 'Admins';
      for (const person of people) {
        const option = el('option', '', person.name || person.userId);
        option.value = `user:${person.userId}`;
        group.append(option);
      }
      transferTarget.append(group);
    }
    if (state.teams.length) {
      const group = el('optgroup');
      group.label = 'Teams';
      for (const team of state.teams) {
        const option = el('option', '', team.name);
        option.value = `team:${team.id}`;
        group.append(option);
      }
      transferTarget.append(group);
    }
    transferTarget.value = previous;
    if (transferTarget.value !== previous) transferTarget.value = '';
  }

  function showThread(body, options = {}) {
    const { conversation, messages, permissions, viewers } = body;
    if (body.zone?.timeZone) state.zone = body.zone;
    const switching = state.current?.id !== conversation.id;
    if (switching) {
      history.replaceChildren();
      state.rendered.clear();
      reply.value = '';
      note.value = '';
      typingState.active = false;
    }
    state.current = {
      id: conversation.id,
      conversation,
      permissions: permissions || {},
      viewers: viewers || [],
      typing: switching ? [] : state.current?.typing || [],
    };
    placeholder.hidden = true;
    thread.hidden = false;
    // A refresh keeps an error on screen; opening another thread, or a new error, replaces it.
    if (switching || options.error) showError(threadError, options.error || '');
    threadTitle.textContent = `${conversation.learner?.name || 'Unnamed learner'}${conversation.course?.title ? ` · ${conversation.course.title}` : ''}`;
    threadStatus.textContent = statusText(conversation);
    renderHandoff(conversation);
    for (const message of messages || []) renderMessage(message);
    applyPermissions();
    offerGapQa(conversation);
    renderPresence();
    // Opening marks it read for this admin.
    const entry = state.items.get(conversation.id);
    if (entry) fillItem(entry, { ...entry.item, ...pickItem(conversation), unread: false });
    markSelected();
  }

  /**
   * A resolved thread's staff reply can become a knowledge Q&A (admins, as on the Knowledge page): a link to
   * the form on the Insights page (public/js/insights-gaps.js opens it from #qa=<id>).
   */
  function offerGapQa(conversation) {
    let link = $('gap-qa-link');
    if (!link) {
      link = el('a', 'gap-qa-link', 'Turn into a Q&A');
      link.id = 'gap-qa-link';
      link.dataset.sessionLink = '';
      threadStatus.after(link);
    }
    link.href = `/insights#qa=${encodeURIComponent(conversation.id)}`;
    const role = document.querySelector('[data-testid="user-role"]')?.textContent;
    link.hidden = conversation.status !== 'resolved' || role !== 'admin';
  }

  /** The fields a list row shows, taken from a thread's conversation (it is an InboxItem with more). */
  const ITEM_FIELDS = [
    'id',
    'status',
    'priority',
    'category',
    'learner',
    'course',
    'assignee',
    'team',
    'replyBy',
    'sla',
    'lastMessageAt',
  ];

  function pickItem(conversation) {
    /** @type {Record<string, any>} */
    const item = Object.fromEntries(ITEM_FIELDS.map((key) => [key, conversation[key]]));
    item.reasons = conversation.reasons || [];
    if (conversation.preview !== undefined) item.preview = conversation.preview;
    return item;
  }

  async function openThread(id, options = {}) {
    const request = ++state.threadRequest;
    root.dataset.pane = 'thread';
    if (state.current?.id !== id) {
      thread.hidden = true;
      placeholder.hidden = false;
      placeholder.textContent = 'Loading the conversation…';
    }
    const result = await sendJson(`/api/inbox/conversations/${encodeURIComponent(id)}`);
    if (request !== state.threadRequest) return;
    if (!result.ok) {
      placeholder.hidden = false;
      placeholder.textContent = result.message;
      thread.hidden = true;
      if (state.current?.id === id) state.current = null;
      return;
    }
    const changed = state.current?.id !== id;
    showThread(result.body, options);
    if (changed || !heartbeat) startHeartbeat();
    if (changed) void loadSupport();
    if (changed) {
      if (location.hash !== `#conversation=${id}`)
        window.history.replaceState(null, '', `#conversation=${id}`);
    }
    if (options.focus) threadTitle.focus();
  }

  let threadTimer = null;
  function refreshThreadSoon() {
    if (threadTimer || !state.current) return;
    threadTimer = window.setTimeout(() => {
      threadTimer = null;
      if (state.current) void openThread(state.current.id);
    }, 300);
  }

  $('back-button').addEventListener('click', () => {
    const id = state.current?.id;
    root.dataset.pane = 'list';
    // Not viewing the thread any more: stop the heartbeats (they resume when it is opened again).
    window.clearInterval(heartbeat);
    heartbeat = undefined;
    const entry = id && state.items.get(id);
    (entry ? entry.button : listPane.querySelector('[aria-selected="true"]'))?.focus();
  });

  // --- Actions ----------------------------------------------------------------------------------------

  function currentPath(action) {
    return `/api/inbox/conversations/${encodeURIComponent(openThreadState().id)}/${action}`;
  }

  /** After an action: show the thread as it is now and update its list entry. */
  async function afterAction(result, doneText) {
    if (result.body?.conversation) onItem({ ...result.body.conversation, unread: false });
    showError(threadError, '');
    if (doneText) announceThread(doneText);
    await openThread(openThreadState().id);
  }

  claimButton.addEventListener('click', async () => {
    if (!state.current) return;
    claimButton.disabled = true;
    const result = await sendJson(currentPath('claim'), 'POST', {});
    if (result.status === 409) {
      const name = result.body?.error?.details?.assigneeName;
      const text = result.body?.error?.message || `${name || 'Someone else'} already owns this conversation.`;
      // Said once, by the alert (role=alert); it stays until the admin does something else.
      await openThread(openThreadState().id, { error: text });
      return;
    }
    if (!result.ok) {
      claimButton.disabled = false;
      showError(threadError, result.message);
      return;
    }
    await afterAction(result, 'You own this conversation now.');
    reply.focus();
  });

  /** Sends a reply or note; shows it at once, then as stored (or with a retry when it failed). */
  async function post(kind, text, clientId = newClientId()) {
    const draft = {
      clientId,
      author: 'admin',
      authorId: me.userId,
      authorName: me.name,
      kind: kind === 'notes' ? 'note' : 'message',
      internal: kind === 'notes',
      text,
    };
    renderMessage(draft, { status: 'sending' });
    const result = await sendJson(currentPath(kind), 'POST', { clientId, text });
    if (!result.ok) {
      renderMessage(draft, { status: 'failed', retry: () => post(kind, text, clientId) });
      showError(threadError, result.message);
      return false;
    }
    showError(threadError, '');
    if (result.body?.message) renderMessage({ ...result.body.message, clientId });
    return true;
  }

  replyForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!state.current?.permissions.canReply) return;
    const text = reply.value.trim();
    if (!text) {
      showError(threadError, 'Write a reply first.');
      reply.focus();
      return;
    }
    reply.value = '';
    stopTyping();
    sendReply.disabled = true;
    const sent = await post('reply', text);
    sendReply.disabled = !state.current?.permissions.canReply;
    if (sent) announceThread('Reply sent.');
    reply.focus();
  });
  reply.addEventListener('keydown', (event) => {
    // Ctrl/Cmd+Enter sends (plain Enter adds a line: admin replies are often several paragraphs).
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      replyForm.requestSubmit();
    }
  });

  noteForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!state.current) return;
    const text = note.value.trim();
    if (!text) {
      showError(threadError, 'Write the note first.');
      note.focus();
      return;
    }
    note.value = '';
    stopTyping();
    addNote.disabled = true;
    const sent = await post('notes', text);
    addNote.disabled = false;
    if (sent) announceThread('Internal note added.');
    note.focus();
  });

  transferButton.addEventListener('click', async () => {
    if (!state.current) return;
    const value = transferTarget.value;
    if (!value) {
      showError(threadError, 'Choose who to transfer the conversation to.');
      transferTarget.focus();
      return;
    }
    const label = transferTarget.selectedOptions[0]?.textContent || '';
    if (!window.confirm(`Transfer this conversation to ${label}?`)) return;
    const [kind, id] = [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)];
    const result = await sendJson(
      currentPath('transfer'),
      'POST',
      kind === 'team' ? { teamId: id } : { toUserId: id },
    );
    if (!result.ok) return showError(threadError, result.message);
    transferTarget.value = '';
    await afterAction(result, `Transferred to ${label}.`);
  });

  async function simpleAction(button, action, data, doneText) {
    if (!state.current) return;
    button.disabled = true;
    const result = await sendJson(currentPath(action), 'POST', data);
    button.disabled = false;
    if (!result.ok) return showError(threadError, result.message);
    await afterAction(result, doneText);
  }

  resolveButton.addEventListener('click', () =>
    simpleAction(
      resolveButton,
      'resolve',
      resolution.value ? { resolution: resolution.value } : {},
      'Resolved.',
    ),
  );
  handBackButton.addEventListener('click', () =>
    simpleAction(handBackButton, 'hand-back', {}, 'Handed back to the assistant.'),
  );
  reopenButton.addEventListener('click', () => simpleAction(reopenButton, 'reopen', {}, 'Reopened.'));

  insertCanned.addEventListener('click', async () => {
    if (!state.current || !canned.value) return;
    const result = await sendJson(
      `/api/inbox/canned-replies/${encodeURIComponent(canned.value)}/render`,
      'POST',
      { conversationId: openThreadState().id },
    );
    if (!result.ok) return showError(threadError, result.message);
    const text = result.body?.text || '';
    const start = reply.selectionStart ?? reply.value.length;
    const end = reply.selectionEnd ?? reply.value.length;
    reply.value = `${reply.value.slice(0, start)}${text}${reply.value.slice(end)}`;
    reply.focus();
    reply.setSelectionRange(start + text.length, start + text.length);
    canned.value = '';
  });

  // --- Presence ---------------------------------------------------------------------------------------

  /** @type {{ active: boolean, idle: number | undefined, typingSentAt: number }} */
  const typingState = { active: false, idle: undefined, typingSentAt: 0 };
  /** @type {number | undefined} */
  let heartbeat;

  function sendPresence() {
    if (!state.current || document.hidden) return;
    if (typingState.active) typingState.typingSentAt = Date.now();
    void sendJson(currentPath('presence'), 'POST', { typing: typingState.active });
  }

  function startHeartbeat() {
    window.clearInterval(heartbeat);
    sendPresence();
    heartbeat = window.setInterval(sendPresence, HEARTBEAT_MS);
  }

  function stopTyping() {
    window.clearTimeout(typingState.idle);
    if (!typingState.active) return;
    typingState.active = false;
    sendPresence();
  }

  /**
   * Typing is said at once and repeated while it goes on (the server forgets it after a few seconds);
   * it stops a few seconds after the last key, or when the box is emptied.
   */
  function onTyping(event) {
    if (!event.target.value.trim()) {
      stopTyping();
      return;
    }
    window.clearTimeout(typingState.idle);
    typingState.idle = window.setTimeout(stopTyping, TYPING_IDLE_MS);
    if (typingState.active && Date.now() - typingState.typingSentAt < TYPING_REPEAT_MS) return;
    typingState.active = true;
    sendPresence();
  }
  reply.addEventListener('input', onTyping);
  note.addEventListener('input', onTyping);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) sendPresence();
  });

  function names(people) {
    const list = people.map((person) => person.name || 'Someone');
    if (list.length <= 1) return list.join('');
    return `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
  }

  /** "Ana is typing… · Ben is viewing" (others only). */
  function renderPresence() {
    if (!state.current) return;
    const others = (people) => (people || []).filter((person) => person.userId !== me.userId);
    const typing = others(state.current.typing);
    const typingIds = new Set(typing.map((person) => person.userId));
    const viewing = others(state.current.viewers).filter((person) => !typingIds.has(person.userId));
    const parts = [];
    if (typing.length) parts.push(`${names(typing)} ${typing.length === 1 ? 'is' : 'are'} typing…`);
    if (viewing.length) parts.push(`${names(viewing)} ${viewing.length === 1 ? 'is' : 'are'} viewing`);
    const text = parts.join(' · ');
    if (presenceLine.textContent !== text) presenceLine.textContent = text;
  }

  // --- Live updates -----------------------------------------------------------------------------------

  let connectedOnce = false;
  liveEvents(
    '/api/inbox/events',
    (type, data) => {
      if (type === 'conversation' && data.item) onItem(data.item);
      else if (type === 'message' && data.message) {
        const message = data.message;
        if (state.current?.id !== message.conversationId) return;
        const known = state.rendered.has(message.id) || state.rendered.has(message.clientId);
        renderMessage(message);
        if (!known && message.authorId !== me.userId) {
          const prefix = message.internal || message.kind === 'note' ? 'Internal note from ' : '';
          announceThread(`${prefix}${authorOf(message)}: ${message.text}`);
        }
      } else if (type === 'presence' && state.current?.id === data.conversationId) {
        state.current.viewers = data.viewers || [];
        state.current.typing = data.typing || [];
        renderPresence();
      }
    },
    (status) => {
      connection.textContent = status === 'connected' ? '' : 'Live updates paused. Reconnecting…';
      if (status === 'connected') {
        // Anything missed while disconnected: read the list (and thread) again.
        if (connectedOnce) {
          void loadList();
          if (state.current) refreshThreadSoon();
        }
        connectedOnce = true;
      }
    },
  );

  // Countdowns and overdue styling follow the clock (state changes themselves arrive as live items).
  window.setInterval(() => {
    for (const node of list.querySelectorAll('time.item-reply-by'))
      if (node instanceof HTMLTimeElement) fillReplyBy(node, node.dateTime);
    for (const entry of state.items.values())
      if (entry.sla && entry.item.status !== 'resolved') fillSla(entry.sla, entry.item.sla);
    if (state.current) threadStatus.textContent = statusText(state.current.conversation);
  }, 15_000);

  // --- Start ------------------------------------------------------------------------------------------

  /** Transfer targets, teams and canned replies: at start and whenever another thread is opened. */
  async function loadSupport() {
    const [staff, replies] = await Promise.all([
      sendJson('/api/inbox/staff'),
      sendJson('/api/inbox/canned-replies'),
    ]);
    if (staff.ok) {
      state.staff = staff.body.staff || [];
      state.teams = staff.body.teams || [];
      for (const team of state.teams) addOption(filterInputs.teamId, team.id, team.name);
    }
    if (replies.ok) {
      state.replies = replies.body.replies || [];
      const chosen = canned.value;
      while (canned.options.length > 1) canned.lastElementChild.remove();
      for (const item of state.replies) addOption(canned, item.id, item.title);
      canned.value = chosen;
      if (canned.value !== chosen) canned.value = '';
    }
    if (state.current) applyPermissions();
  }

  root.dataset.pane = 'list';
  void loadSupport();
  void loadList();
  const fromHash = /^#conversation=([0-9a-zA-Z_-]+)$/.exec(location.hash);
  if (fromHash) void openThread(fromHash[1]);
})();
