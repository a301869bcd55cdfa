// A page reloaded inside the LMS has no session token in its URL any more (session.js removes it):
// take it from this tab's sessionStorage and load the page again with it, once.
(() => {
  let token = null;
  try {
    token = sessionStorage.getItem('chatref.ltik');
  } catch {
    token = null;
  }
  const url = new URL(window.location.href);
  if (token && !url.searchParams.has('restored')) {
    url.searchParams.set('ltik', token);
    url.searchParams.set('restored', '1');
    window.location.replace(url.toString());
    return;
  }
  document.getElementById('session-restore-status').textContent = '';
  document.getElementById('session-restore-help').hidden = false;
})();
