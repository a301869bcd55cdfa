// 1EdTech LTI platform storage (client-side postMessages): when the LMS offers it, the launch is bound
// to this browser through the LMS page instead of a third-party cookie, which browsers block in iframes.
(() => {
  const root = document.getElementById('lti-storage');
  if (!root) return;
  const { mode, target, origin, key, value, next } = root.dataset;
  const frame =
    target === '_parent' || !target ? window.parent : window.parent.frames[target] || window.parent;
  const messageId = `chatref-${Math.random().toString(36).slice(2)}`;

  function request(subject, body, timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        window.removeEventListener('message', onMessage);
        reject(new Error('no answer'));
      }, timeoutMs);
      function onMessage(event) {
        const data = event.data;
        if (!data || data.subject !== `${subject}.response` || data.message_id !== messageId) return;
        if (origin !== '*' && event.origin !== origin) return;
        clearTimeout(timer);
        window.removeEventListener('message', onMessage);
        if (data.error) reject(new Error(data.error.message || data.error.code));
        else resolve(data);
      }
      window.addEventListener('message', onMessage);
      frame.postMessage({ subject, message_id: messageId, ...body }, origin);
    });
  }

  if (mode === 'put') {
    // Store the binding, then go to the LMS authorization endpoint; if storage fails, the cookie may still work.
    request('lti.put_data', { key, value }, 2000)
      .catch(() => undefined)
      .finally(() => window.location.assign(next));
  } else {
    const form = document.getElementById('lti-storage-form');
    request('lti.get_data', { key }, 2000)
      .then((data) => {
        form.elements.lti_storage_binding.value = data.value || '';
      })
      .catch(() => {
        form.elements.lti_storage_binding.value = '';
      })
      .finally(() => form.submit());
  }
})();
