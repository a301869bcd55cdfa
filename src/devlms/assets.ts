/**
 * Browser assets of the development LMS, served as files because its pages run under
 * `script-src 'self'; style-src 'self'` (no inline code). Kept as strings so the TypeScript build ships them.
 */

/**
 * lms.js: auto-submits the authorization response, answers the tool's platform-storage postMessages
 * (1EdTech LTI Client Side postMessages: lti.capabilities, lti.put_data, lti.get_data) on the course page,
 * and follows Dynamic Registration on the admin page.
 */
export const LMS_JS = `(() => {
  'use strict';
  const body = document.body;
  const page = body.dataset.page;

  if (page === 'form-post') {
    const form = document.querySelector('form[data-autosubmit]');
    // HTMLFormElement.prototype.submit: a field named "submit" must not shadow it.
    if (form) HTMLFormElement.prototype.submit.call(form);
  }
  if (page === 'course') startPlatformStorage(body.dataset.toolOrigin);
  if (page === 'register-tool') startRegistration();

  function startPlatformStorage(toolOrigin) {
    if (!toolOrigin) return;
    const MAX_KEYS = 500;
    const MAX_VALUE_LENGTH = 4096;
    // Partitioned by origin as the spec requires; lives as long as this page, like a session.
    const stores = new Map();
    const storeFor = (origin) => {
      if (!stores.has(origin)) stores.set(origin, new Map());
      return stores.get(origin);
    };
    const supported = ['lti.capabilities', 'lti.put_data', 'lti.get_data'];

    window.addEventListener('message', (event) => {
      if (event.origin !== toolOrigin || !event.source) return;
      const data = event.data;
      if (!data || typeof data !== 'object' || typeof data.subject !== 'string') return;
      const subject = data.subject;
      // Responses and other frameworks' messages are not requests to us.
      if (!subject.startsWith('lti.') || subject.endsWith('.response')) return;
      const messageId = data.message_id;
      const reply = (message) =>
        event.source.postMessage(Object.assign({ subject: subject + '.response', message_id: messageId }, message), event.origin);
      const fail = (code, message) => reply({ error: { code: code, message: message } });

      if (!supported.includes(subject)) return fail('unsupported_subject', 'Unsupported subject: ' + subject);
      if (typeof messageId !== 'string' && typeof messageId !== 'number') return fail('bad_request', 'message_id is required');
      if (subject === 'lti.capabilities') {
        return reply({ supported_messages: [{ subject: 'lti.put_data' }, { subject: 'lti.get_data' }] });
      }
      const key = data.key;
      if (typeof key !== 'string' || key === '') return fail('bad_request', 'key must be a non-empty string');
      const store = storeFor(event.origin);
      if (subject === 'lti.put_data') {
        const value = data.value;
        if (value === undefined || value === null) {
          store.delete(key);
          return reply({ key: key });
        }
        if (typeof value !== 'string') return fail('bad_request', 'value must be a string');
        if (value.length > MAX_VALUE_LENGTH) return fail('storage_exhaustion', 'value is longer than ' + MAX_VALUE_LENGTH + ' characters');
        if (!store.has(key) && store.size >= MAX_KEYS) return fail('storage_exhaustion', 'no more than ' + MAX_KEYS + ' keys per origin');
        store.set(key, value);
        return reply({ key: key, value: value });
      }
      return reply({ key: key, value: store.has(key) ? store.get(key) : null });
    });
  }

  function startRegistration() {
    const form = document.getElementById('register-form');
    const frame = document.getElementById('registration-frame');
    const status = document.getElementById('registration-status');
    if (!form || !frame || !status) return;
    let expectedOrigin = null;

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const field = form.elements.namedItem('registration_url');
      let url;
      try {
        url = new URL(field.value, window.location.href);
      } catch {
        status.textContent = 'Enter the full URL of the tool registration page.';
        return;
      }
      url.searchParams.set('openid_configuration', form.dataset.openidConfiguration);
      url.searchParams.set('registration_token', form.dataset.registrationToken);
      expectedOrigin = url.origin;
      status.textContent = 'Registering…';
      frame.hidden = false;
      frame.src = url.toString();
    });

    window.addEventListener('message', (event) => {
      if (!expectedOrigin || event.origin !== expectedOrigin || event.source !== frame.contentWindow) return;
      const data = event.data;
      if (!data || typeof data !== 'object' || data.subject !== 'org.imsglobal.lti.close') return;
      frame.hidden = true;
      frame.removeAttribute('src');
      status.textContent = 'Tool registered';
    });
  }
})();
`;

export const LMS_CSS = `:root { color-scheme: light; font-family: system-ui, sans-serif; color: #1d2433; background: #f4f6fa; }
body { margin: 0; }
.banner { background: #24325f; color: #fff; padding: 0.75rem 1.5rem; display: flex; flex-wrap: wrap; gap: 0.25rem 1.5rem; align-items: baseline; }
.banner .brand { color: #fff; font-weight: 700; font-size: 1.2rem; text-decoration: none; }
.banner .notice { margin: 0; font-size: 0.9rem; opacity: 0.9; }
main { max-width: 70rem; margin: 0 auto; padding: 1rem 1.5rem 2rem; }
.crumbs, .meta, .where { color: #4a5572; font-size: 0.9rem; }
h1 { margin: 0.5rem 0 0.25rem; }
.tool { background: #fff; border: 1px solid #d6dbe6; border-radius: 0.5rem; padding: 1rem 1.25rem; margin: 1rem 0; }
.launchers { display: flex; flex-wrap: wrap; gap: 0.5rem; }
.launchers form { margin: 0; }
button { font: inherit; padding: 0.5rem 1rem; border-radius: 0.375rem; border: 1px solid #24325f; background: #24325f; color: #fff; cursor: pointer; }
button:hover, button:focus-visible { background: #3a4c8a; }
button:focus-visible, a:focus-visible, input:focus-visible { outline: 3px solid #f0b429; outline-offset: 2px; }
a { color: #24325f; }
.tool-frame { display: block; width: 100%; height: 42rem; border: 1px solid #d6dbe6; border-radius: 0.5rem; background: #fff; }
.tool-frame[hidden] { display: none; }
.handoff { text-align: center; padding-top: 3rem; }
.reasons li, .items li { margin: 0.35rem 0; }
.message { padding: 0.5rem 0.75rem; background: #e8f1ff; border-radius: 0.375rem; }
.message.error { background: #fdecea; }
.type { color: #4a5572; }
label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
input[type=url] { font: inherit; width: min(100%, 36rem); padding: 0.45rem; margin-bottom: 0.5rem; }
`;
