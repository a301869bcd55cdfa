// Academic periods: named date ranges with their own week (or closed, e.g. a term break).
import { actionButton } from '../common/admin-ui.js';
import { $, el, field, hours, newId } from './page.js';
import { renderWeek } from './week.js';

export function renderPeriods() {
  const container = $('periods');
  container.replaceChildren();
  hours.settings.academicPeriods.forEach((period, index) => {
    const prefix = `academicPeriods[${index}]`;
    const title = period.name || `Academic period ${index + 1}`;
    const name = el('input', {
      type: 'text',
      value: period.name,
      maxLength: 120,
      dataset: { field: `${prefix}.name` },
    });
    name.addEventListener('change', () => {
      period.name = name.value.trim();
    });
    const start = el('input', { type: 'date', value: period.start, dataset: { field: `${prefix}.start` } });
    start.addEventListener('change', () => {
      period.start = start.value;
    });
    const end = el('input', { type: 'date', value: period.end, dataset: { field: `${prefix}.end` } });
    end.addEventListener('change', () => {
      period.end = end.value;
    });
    const closed = el('input', { type: 'checkbox', checked: period.closed, id: newId('closed') });
    const week = el('div', { className: 'week', dataset: { field: `${prefix}.hours` } });
    period.hours = period.hours || {};
    renderWeek(week, period.hours, `${prefix}.hours`, `${title}: `);
    week.hidden = period.closed;
    closed.addEventListener('change', () => {
      period.closed = closed.checked;
      week.hidden = closed.checked;
    });
    const remove = actionButton(
      'Remove',
      title,
      () => {
        hours.settings.academicPeriods.splice(index, 1);
        renderPeriods();
      },
      true,
    );
    container.append(
      el(
        'div',
        { className: 'item-card', role: 'group', 'aria-label': title },
        el(
          'div',
          { className: 'inline-fields' },
          field('Name', name),
          field('From', start),
          field('To', end),
        ),
        el(
          'div',
          { className: 'field' },
          el('label', { for: closed.id }, closed, ' Closed (no hours, e.g. a term break)'),
        ),
        week,
        remove,
      ),
    );
  });
}

export function wirePeriods() {
  $('period-add').addEventListener('click', () => {
    hours.settings.academicPeriods.push({
      name: '',
      start: '',
      end: '',
      closed: false,
      // Starts from the usual week, to lengthen or shorten.
      hours: structuredClone(hours.settings.weeklyHours),
    });
    renderPeriods();
    $('periods').querySelector('.item-card:last-child input')?.focus();
  });
}
