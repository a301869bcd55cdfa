// Keeps the session token ("ltik") from the launch URL in memory and sessionStorage, then removes it
// from the address bar. API calls send it as a header, never as a cookie (LMS iframes block those).
(() => {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('ltik');
  if (fromUrl) {
    try {
      sessionStorage.setItem('chatref.ltik', fromUrl);
    } catch {
      // Storage can be unavailable in partitioned iframes; memory is enough for this page.
    }
    url.searchParams.delete('ltik');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  let token = fromUrl;
  if (!token) {
    try {
      token = sessionStorage.getItem('chatref.ltik');
    } catch {
      token = null;
    }
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
