// SLA rules: which policy a thread gets by priority, role, category, course or keyword rule (first
// match wins, so rules can be moved up).
import { actionButton } from '../common/admin-ui.js';
import { $, el, field, hours, list, newId, PRIORITIES, ROLES } from './page.js';

function checkboxes(legendText, options, values, onChange) {
  const box = el('fieldset', { className: 'inline-fields' }, el('legend', {}, legendText));
  for (const [value, label] of options) {
    const input = el('input', { type: 'checkbox', checked: values.includes(value), id: newId('cb') });
    input.addEventListener('change', () => onChange(value, input.checked));
    box.append(el('label', { for: input.id }, input, ` ${label}`));
  }
  return box;
}

export function renderRules() {
  const container = $('rules');
  container.replaceChildren();
  hours.settings.rules.forEach((rule, index) => {
    const prefix = `rules[${index}]`;
    const title = rule.name || `Rule ${index + 1}`;
    const when = rule.when;
    const name = el('input', {
      type: 'text',
      value: rule.name,
      maxLength: 100,
      dataset: { field: `${prefix}.name` },
    });
    name.addEventListener('change', () => {
      rule.name = name.value.trim();
    });
    const policy = el('select', { dataset: { field: `${prefix}.policyId` } });
    policy.append(
      ...hours.settings.policies.map((p) =>
        el('option', { value: p.id, selected: p.id === rule.policyId }, p.name),
      ),
    );
    policy.addEventListener('change', () => {
      rule.policyId = policy.value;
    });
    const text = (key, label, hint) => {
      const input = el('input', {
        type: 'text',
        value: (when[key] || []).join(', '),
        dataset: { field: `${prefix}.when.${key}` },
      });
      input.addEventListener('change', () => {
        when[key] = list(input.value);
      });
      return field(label, input, { hint: el('p', { className: 'hint', id: newId('hint') }, hint) });
    };
    const toggle = (key) => (value, on) => {
      when[key] = on
        ? [...new Set([...(when[key] || []), value])]
        : (when[key] || []).filter((v) => v !== value);
    };
    const card = el(
      'div',
      {
        className: 'item-card',
        role: 'group',
        'aria-label': title,
        dataset: { field: `${prefix}.when`, error: newId('x') },
      },
      el('div', { className: 'inline-fields' }, field('Rule name', name), field('Use policy', policy)),
      checkboxes('Priorities', PRIORITIES, when.priorities || [], toggle('priorities')),
      checkboxes('Roles', ROLES, when.roles || [], toggle('roles')),
      text('categories', 'Categories', 'Such as Access, Grades.'),
      text('courseIds', 'Course ids', 'Ids as the inbox shows them.'),
      text('keywordRuleIds', 'Keyword rule ids', 'From Handoff settings.'),
    );
    const error = el('p', { className: 'field-error', id: card.dataset.error, hidden: true });
    card.append(error);
    if (index > 0) {
      card.append(
        actionButton('Move up', title, () => {
          hours.settings.rules.splice(index - 1, 0, ...hours.settings.rules.splice(index, 1));
          renderRules();
        }),
        ' ',
      );
    }
    card.append(
      actionButton(
        'Remove',
        title,
        () => {
          hours.settings.rules.splice(index, 1);
          renderRules();
        },
        true,
      ),
    );
    container.append(card);
  });
}

export function wireRules() {
  $('rule-add').addEventListener('click', () => {
    let n = hours.settings.rules.length + 1;
    while (hours.settings.rules.some((r) => r.id === `rule-${n}`)) n++;
    hours.settings.rules.push({
      id: `rule-${n}`,
      name: '',
      policyId: hours.settings.defaultPolicyId,
      when: { priorities: [], categories: [], roles: [], courseIds: [], keywordRuleIds: [] },
    });
    renderRules();
    $('rules').querySelector('.item-card:last-child input')?.focus();
  });
}
