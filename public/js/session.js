// Keeps the session token ("ltik") from the launch URL in memory and sessionStorage, then removes it
// from the address bar. API calls send it as a header, never as a cookie (LMS iframes block those).
(() => {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('ltik');
  if (fromUrl) {
    let stored = false;
    try {
      sessionStorage.setItem('chatref.ltik', fromUrl);
      stored = true;
    } catch {
      // Third-party frames with cookies blocked get no storage either.
    }
    // Take the token out of the address only when a reload can find it again; otherwise it stays in the
    // frame's URL (never sent onwards: Referrer-Policy is no-referrer).
    if (stored) {
      url.searchParams.delete('ltik');
      url.searchParams.delete('restored');
      history.replaceState(null, '', url.pathname + url.search + url.hash);
    }
  }
  let token = fromUrl;
  if (!token) {
    try {
      token = sessionStorage.getItem('chatref.ltik');
    } catch {
      token = null;
    }
  }
  // Links to our own pages carry the session on the way (pages have no cookie to find it in).
  for (const link of document.querySelectorAll('a[data-session-link]')) {
    link.addEventListener('click', (event) => {
      if (!token) return;
      event.preventDefault();
      const target = new URL(link.href);
      target.searchParams.set('ltik', token);
      window.location.assign(target.toString());
    });
  }
  window.chatref = {
    token: () => token,
    /** fetch() with the session header. */
    api: (path, init = {}) => {
      const headers = new Headers(init.headers || {});
      if (token) headers.set('Authorization', `Bearer ${token}`);
      return fetch(path, { ...init, headers });
    },
  };
})();
