// SLA policies: targets per priority (first response, next response, resolution) in business or
// calendar time, and which policy is the default.
import { actionButton, cell } from '../common/admin-ui.js';
import { $, el, field, hours, newId, PRIORITIES, TARGETS, UNITS } from './page.js';
import { renderRules } from './rules.js';

function unitOf(target) {
  if (target.clock === 'calendar') return target.minutes % 60 === 0 ? 'chour' : 'cmin';
  if (target.minutes % 480 === 0) return 'bday';
  return target.minutes % 60 === 0 ? 'bhour' : 'bmin';
}

function targetCell(policy, priority, priorityName, targetKey, targetName, prefix) {
  const target = policy.targets[priority][targetKey];
  const unit = UNITS.find((u) => u.key === unitOf(target));
  const path = `${prefix}.targets.${priority}.${targetKey}`;
  const error = el('p', { className: 'field-error', id: newId('err'), hidden: true });
  const amount = el('input', {
    type: 'number',
    min: 1,
    step: 'any',
    value: String(target.minutes / unit.factor),
    'aria-label': `${policy.name || 'Policy'}: ${priorityName} ${targetName.toLowerCase()}`,
    'aria-describedby': error.id,
    dataset: { field: `${path}.minutes`, error: error.id },
  });
  const select = el('select', {
    'aria-label': `${policy.name || 'Policy'}: ${priorityName} ${targetName.toLowerCase()} unit`,
    dataset: { field: `${path}.clock`, error: error.id },
  });
  for (const u of UNITS) select.append(el('option', { value: u.key, selected: u.key === unit.key }, u.label));
  const update = () => {
    const chosen = UNITS.find((u) => u.key === select.value) || UNITS[0];
    policy.targets[priority][targetKey] = {
      minutes: Math.round(Number(amount.value) * chosen.factor),
      clock: chosen.clock,
    };
  };
  amount.addEventListener('change', update);
  select.addEventListener('change', update);
  const td = cell(targetName);
  td.append(el('div', { className: 'target-cell' }, amount, select), error);
  return td;
}

export function renderPolicies() {
  const container = $('policies');
  container.replaceChildren();
  hours.settings.policies.forEach((policy, index) => {
    const prefix = `policies[${index}]`;
    const name = el('input', {
      type: 'text',
      value: policy.name,
      maxLength: 80,
      dataset: { field: `${prefix}.name` },
    });
    name.addEventListener('change', () => {
      policy.name = name.value.trim();
      renderDefaultPolicy();
      renderRules();
    });
    const table = el('table', { className: 'targets' });
    table.append(
      el('caption', { className: 'visually-hidden' }, `Targets of ${policy.name}`),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { scope: 'col' }, 'Priority'),
          ...TARGETS.map(([, label]) => el('th', { scope: 'col' }, label)),
        ),
      ),
    );
    const tbody = el('tbody');
    for (const [priority, priorityName] of PRIORITIES) {
      tbody.append(
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, priorityName),
          ...TARGETS.map(([key, label]) => targetCell(policy, priority, priorityName, key, label, prefix)),
        ),
      );
    }
    table.append(tbody);
    const card = el(
      'div',
      { className: 'item-card', role: 'group', 'aria-label': `Policy ${policy.name}` },
      field('Policy name', name),
      table,
    );
    if (hours.settings.policies.length > 1) {
      card.append(
        actionButton(
          'Remove',
          `policy ${policy.name}`,
          () => {
            hours.settings.policies.splice(index, 1);
            if (hours.settings.defaultPolicyId === policy.id)
              hours.settings.defaultPolicyId = hours.settings.policies[0].id;
            renderPolicies();
            renderRules();
          },
          true,
        ),
      );
    }
    container.append(card);
  });
  renderDefaultPolicy();
}

function renderDefaultPolicy() {
  const select = $('default-policy');
  select.replaceChildren(
    ...hours.settings.policies.map((p) =>
      el('option', { value: p.id, selected: p.id === hours.settings.defaultPolicyId }, p.name),
    ),
  );
}

export function wirePolicies() {
  $('default-policy').addEventListener('change', () => {
    hours.settings.defaultPolicyId = $('default-policy').value;
  });

  $('policy-add').addEventListener('click', () => {
    const base =
      hours.settings.policies.find((p) => p.id === hours.settings.defaultPolicyId) ||
      hours.settings.policies[0];
    let n = hours.settings.policies.length + 1;
    while (hours.settings.policies.some((p) => p.id === `policy-${n}`)) n++;
    hours.settings.policies.push({
      id: `policy-${n}`,
      name: `Policy ${n}`,
      targets: structuredClone(base.targets),
    });
    renderPolicies();
    renderRules();
    $('policies').querySelector('.item-card:last-child input')?.focus();
  });
}
