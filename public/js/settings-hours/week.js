// The week editor: open periods per day, for the usual week and inside academic periods.
import { actionButton } from '../common/admin-ui.js';
import { DAYS, el, newId } from './page.js';

/** Draws a week editor for `schedule` (edited in place); `prefix` is its field path ("weeklyHours"). */
export function renderWeek(container, schedule, prefix, context = '') {
  container.replaceChildren();
  for (const [day, dayName] of DAYS) {
    if (!Array.isArray(schedule[day])) schedule[day] = [];
    const periods = schedule[day];
    const legend = el('legend', {}, dayName);
    const rows = el('div', { className: 'week-periods' });
    const box = el('fieldset', { className: 'week-day' }, legend, rows);
    const draw = () => {
      rows.replaceChildren();
      if (periods.length === 0) rows.append(el('p', { className: 'closed-note' }, 'Closed'));
      periods.forEach((period, index) => {
        const what = `${context}${dayName} period ${index + 1}`;
        const error = el('p', { className: 'field-error', id: newId('err'), hidden: true });
        const time = (key, word) => {
          const input = el('input', {
            type: 'time',
            value: period[key] === '24:00' ? '00:00' : period[key],
            'aria-label': `${what} ${word}`,
            'aria-describedby': error.id,
            dataset: { field: `${prefix}.${day}[${index}].${key}`, error: error.id },
          });
          input.addEventListener('change', () => {
            period[key] = input.value;
          });
          return input;
        };
        const remove = actionButton(
          'Remove',
          what,
          () => {
            periods.splice(index, 1);
            draw();
          },
          true,
        );
        rows.append(
          el(
            'div',
            { className: 'period-row', dataset: { field: `${prefix}.${day}[${index}]`, error: error.id } },
            time('start', 'opens'),
            el('span', { 'aria-hidden': 'true' }, '–'),
            time('end', 'closes'),
            remove,
            error,
          ),
        );
      });
      const add = actionButton('Add period', `to ${context}${dayName}`, () => {
        const last = periods[periods.length - 1];
        periods.push(
          last
            ? { start: last.end === '24:00' ? '00:00' : last.end, end: '17:00' }
            : { start: '09:00', end: '17:00' },
        );
        draw();
        rows.querySelector('.period-row:last-of-type input')?.focus();
      });
      add.className = 'button-quiet';
      rows.append(el('div', {}, add));
    };
    draw();
    container.append(box);
  }
}
