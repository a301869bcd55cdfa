// @ts-check
// The list's controls: view tabs (arrow keys between them), search, filters, "Load more", and Up/Down
// between conversations.
import { loadList } from './list.js';
import { $, root, state, ui } from './page.js';

const viewTabs = /** @type {HTMLElement[]} */ ([...root.querySelectorAll('[role="tab"][data-view]')]);

/** @param {string} view */
function setView(view) {
  state.view = view;
  for (const tab of viewTabs) {
    const selected = tab.dataset.view === view;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
  }
  void loadList();
}

function describeFilters() {
  const active = Object.entries(ui.filterInputs)
    .filter(([, select]) => select.value)
    .map(([, select]) => select.selectedOptions[0]?.textContent || select.value);
  ui.filterSummary.textContent = active.length ? `(${active.join(', ')})` : '';
}

/** Wires the controls to the list. */
export function wireListControls() {
  const { list, search } = ui;
  for (const tab of viewTabs) tab.addEventListener('click', () => setView(tab.dataset.view || ''));
  // The tabs pattern: arrows (and Home/End) move between views; Tab goes on to the list.
  root.querySelector('[role="tablist"]')?.addEventListener('keydown', (event) => {
    if (!(event instanceof KeyboardEvent)) return;
    const index = viewTabs.indexOf(/** @type {HTMLElement} */ (event.target));
    if (index < 0) return;
    const last = viewTabs.length - 1;
    const next = /** @type {Record<string, number>} */ ({
      ArrowRight: index === last ? 0 : index + 1,
      ArrowLeft: index === 0 ? last : index - 1,
      Home: 0,
      End: last,
    })[event.key];
    if (next === undefined) return;
    event.preventDefault();
    viewTabs[next]?.focus();
    setView(viewTabs[next]?.dataset.view || '');
  });

  ui.searchForm.addEventListener('submit', (event) => {
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

  for (const [key, select] of Object.entries(ui.filterInputs)) {
    select.addEventListener('change', () => {
      state.filters[key] = select.value;
      describeFilters();
      void loadList();
    });
  }
  $('clear-filters').addEventListener('click', () => {
    for (const [key, select] of Object.entries(ui.filterInputs)) {
      select.value = '';
      state.filters[key] = '';
    }
    describeFilters();
    void loadList();
  });

  ui.loadMore.addEventListener('click', () => loadList({ append: true }));

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
}
