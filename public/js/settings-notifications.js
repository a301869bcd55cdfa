// Settings → Notifications (inbox leads): the tenant's channels, which kinds each one sends, a test send,
// and failed deliveries (dead letters) with Retry. Server text is written with textContent, never HTML.
import { actionButton, announcer, cell, sendJson, showError } from './common/admin-ui.js';
import { dateTime } from './common/time.js';

(() => {
  const root = document.getElementById('notify-settings');
  if (!root) return;

  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const announce = announcer($('announcer'));
  const form = /** @type {HTMLFormElement} */ ($('channel-form'));
  const idInput = /** @type {HTMLInputElement} */ ($('channel-id'));
  const typeInput = /** @type {HTMLSelectElement} */ ($('channel-type'));
  const nameInput = /** @type {HTMLInputElement} */ ($('channel-name'));
  const targetInput = /** @type {HTMLInputElement} */ ($('channel-target'));
  const targetLabel = $('channel-target-label');
  const enabledInput = /** @type {HTMLInputElement} */ ($('channel-enabled'));
  const formTitle = $('channel-form-title');
  const submit = /** @type {HTMLButtonElement} */ ($('channel-button'));
  const cancel = /** @type {HTMLButtonElement} */ ($('channel-cancel'));
  const formError = $('channel-error');
  const secretBox = $('secret-box');
  const channelsBody = $('channels-body');
  const channelsEmpty = $('channels-empty');
  const channelsError = $('channels-error');
  const deadBody = $('dead-body');
  const deadEmpty = $('dead-empty');
  const deadError = $('dead-error');

  const TYPE = { email: 'Email', slack: 'Slack', teams: 'Teams', webhook: 'Webhook' };
  const TARGET_LABEL = {
    email: 'Email addresses (comma-separated)',
    slack: 'Slack incoming webhook URL (https://hooks.slack.com/services/…)',
    teams: 'Teams incoming webhook or Workflows URL',
    webhook: 'Webhook URL (receives signed JSON)',
  };
  /** @type {{ kind: string, label: string }[]} */
  let kinds = [];
  /** @type {any[]} the channels as the server last answered */
  let channels = [];

  const kindBoxes = () =>
    /** @type {HTMLInputElement[]} */ ([...form.querySelectorAll('input[name="kinds"]')]);
  const labelOf = (kind) => kinds.find((k) => k.kind === kind)?.label ?? kind;

  function updateTargetLabel() {
    targetLabel.textContent = TARGET_LABEL[typeInput.value] ?? 'Address or URL';
  }
  typeInput.addEventListener('change', updateTargetLabel);

  /** The saved channels as the PUT body expects them: ids without targets keep their saved URL. */
  const keepAll = () =>
    channels.map((c) => ({ id: c.id, type: c.type, name: c.name, kinds: c.kinds, enabled: c.enabled }));

  async function save(list, what) {
    const result = await sendJson('/api/settings/notifications', 'PUT', { channels: list });
    if (result.ok) {
      channels = result.body.data.channels;
      renderChannels();
      const secrets = Object.entries(result.body.data.secrets ?? {});
      if (secrets.length) {
        const [id, secret] = secrets[0];
        $('secret-channel').textContent = channels.find((c) => c.id === id)?.name ?? 'the webhook';
        $('secret-value').textContent = String(secret);
        secretBox.hidden = false;
      }
      announce(what);
    }
    return result;
  }

  function resetForm() {
    form.reset();
    idInput.value = '';
    typeInput.disabled = false;
    formTitle.textContent = 'Add a channel';
    submit.textContent = 'Add channel';
    cancel.hidden = true;
    for (const box of kindBoxes()) box.checked = box.defaultChecked;
    updateTargetLabel();
  }
  cancel.addEventListener('click', resetForm);

  function edit(channel) {
    idInput.value = channel.id;
    typeInput.value = channel.type;
    nameInput.value = channel.name;
    targetInput.value = '';
    targetInput.placeholder = channel.target;
    enabledInput.checked = channel.enabled;
    for (const box of kindBoxes()) box.checked = channel.kinds.includes(box.value);
    formTitle.textContent = `Edit channel ${channel.name}`;
    submit.textContent = 'Save channel';
    cancel.hidden = false;
    updateTargetLabel();
    nameInput.focus();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(formError, '');
    const name = nameInput.value.trim();
    const target = targetInput.value.trim();
    const editing = idInput.value;
    if (!name) {
      showError(formError, 'Give the channel a name.');
      nameInput.focus();
      return;
    }
    if (!editing && !target) {
      showError(formError, `${TARGET_LABEL[typeInput.value]}: required.`);
      targetInput.focus();
      return;
    }
    const entry = {
      ...(editing ? { id: editing } : {}),
      type: typeInput.value,
      name,
      ...(target ? { target } : {}),
      kinds: kindBoxes()
        .filter((box) => box.checked)
        .map((box) => box.value),
      enabled: enabledInput.checked,
    };
    const list = editing ? keepAll().map((c) => (c.id === editing ? entry : c)) : [...keepAll(), entry];
    submit.disabled = true;
    secretBox.hidden = true;
    const result = await save(list, editing ? `Channel ${name} saved.` : `Channel ${name} added.`);
    submit.disabled = false;
    if (!result.ok) {
      showError(formError, result.message);
      return;
    }
    resetForm();
  });

  /** A table row whose first cell heads it (`label` names it in the phone layout), and its empty Actions cell. */
  function headedRow(label, text) {
    const row = document.createElement('tr');
    const head = document.createElement('th');
    head.scope = 'row';
    head.dataset.label = label;
    head.textContent = text;
    return { row, head, actions: cell('Actions') };
  }

  function renderChannels() {
    channelsBody.replaceChildren();
    channelsEmpty.hidden = channels.length > 0;
    for (const channel of channels) {
      const { row, head, actions } = headedRow('Name', channel.name);
      row.dataset.channelId = channel.id;
      const status = cell('Status', channel.enabled ? 'On' : 'Off');
      actions.append(
        actionButton('Send test', `to ${channel.name}`, async (event) => {
          const button = /** @type {HTMLButtonElement} */ (event.currentTarget);
          button.disabled = true;
          showError(channelsError, '');
          const result = await sendJson('/api/settings/notifications/test', 'POST', {
            channelId: channel.id,
          });
          button.disabled = false;
          if (!result.ok) showError(channelsError, result.message);
          else if (!result.body.data.ok)
            showError(channelsError, `Test to ${channel.name} failed: ${result.body.data.error}`);
          else announce(`Test sent to ${channel.name}.`);
        }),
        actionButton('Edit', channel.name, () => edit(channel), true),
        actionButton(
          'Remove',
          channel.name,
          async () => {
            if (!window.confirm(`Remove the channel ${channel.name}?`)) return;
            const result = await save(
              keepAll().filter((c) => c.id !== channel.id),
              `Channel ${channel.name} removed.`,
            );
            if (!result.ok) showError(channelsError, result.message);
          },
          true,
        ),
      );
      row.append(
        head,
        cell('Type', TYPE[channel.type] ?? channel.type),
        cell('Address or URL', channel.target),
        cell('Sends', channel.kinds.map(labelOf).join(', ') || 'Nothing yet'),
        status,
        actions,
      );
      channelsBody.append(row);
    }
  }

  async function loadDeadLetters() {
    const result = await sendJson('/api/settings/notifications/dead-letters');
    if (!result.ok) {
      showError(deadError, result.message);
      return;
    }
    showError(deadError, '');
    const letters = result.body.data;
    deadBody.replaceChildren();
    deadEmpty.hidden = letters.length > 0;
    for (const letter of letters) {
      const { row, head, actions } = headedRow('When', dateTime(letter.diedAt));
      row.dataset.deliveryId = letter.id;
      actions.append(
        actionButton('Retry', letter.title, async (event) => {
          const button = /** @type {HTMLButtonElement} */ (event.currentTarget);
          button.disabled = true;
          const retried = await sendJson(
            `/api/settings/notifications/dead-letters/${letter.id}/retry`,
            'POST',
          );
          if (!retried.ok) {
            button.disabled = false;
            showError(deadError, retried.message);
            return;
          }
          row.remove();
          deadEmpty.hidden = deadBody.childElementCount > 0;
          announce(`Retrying "${letter.title}" to ${letter.channel}.`);
        }),
      );
      row.append(
        head,
        cell('Channel', `${letter.channel} (${letter.recipient})`),
        cell('Message', letter.title),
        cell('Error', letter.error),
        cell('Tries', String(letter.attempts)),
        actions,
      );
      deadBody.append(row);
    }
  }

  async function load() {
    const result = await sendJson('/api/settings/notifications');
    if (!result.ok) {
      showError(channelsError, result.message);
      return;
    }
    kinds = result.body.data.kinds;
    channels = result.body.data.channels;
    renderChannels();
  }

  updateTargetLabel();
  void load();
  void loadDeadLetters();
})();
