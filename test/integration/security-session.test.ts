import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { VIEWS_DIR } from '../../src/http/app.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { beginLaunch, LmsBrowser, launch } from '../support/lms-client.js';

/** Scripts that run inline (no src): CSP script-src 'self' blocks them, so no page may rely on one. */
function inlineScripts(html: string): string[] {
  return (
    [...html.matchAll(/<script\b([^>]*)>/gi)]
      .map((match) => match[1] ?? '')
      .filter((attributes) => !/\bsrc\s*=/.test(attributes))
      // JSON data blocks are never executed; pages read them with JSON.parse.
      .filter((attributes) => !/type\s*=\s*["']application\/json["']/i.test(attributes))
  );
}

/** Inline event handler attributes (onclick=, onload=…), which CSP blocks just like inline scripts. */
function inlineHandlers(html: string): string[] {
  return [...html.matchAll(/<[a-z][^>]*\s(on[a-z]+)\s*=/gi)].map((match) => match[1] ?? '');
}

function viewFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? viewFiles(path.join(dir, entry.name))
      : entry.name.endsWith('.ejs')
        ? [path.join(dir, entry.name)]
        : [],
  );
}

describe('security: session header, CSP and cookies', function () {
  this.timeout(60_000);
  let app: TestApp;
  let learner: string;
  let admin: string;
  before(async () => {
    app = await startTestApp();
    learner = (await launch(app.url, { role: 'learner' })).sessionToken;
    admin = (await launch(app.url, { role: 'admin' })).sessionToken;
  });
  after(() => app.stop());

  describe('state-changing API calls need the session in a header', () => {
    const preferences = (init: RequestInit & { query?: string } = {}) =>
      fetch(`${app.url}/api/chat/preferences${init.query ?? ''}`, {
        method: 'PUT',
        ...init,
        headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
      });
    const followUp = async () =>
      (
        await (
          await fetch(`${app.url}/api/chat/preferences`, { headers: { authorization: `Bearer ${learner}` } })
        ).json()
      ).followUpEmail;

    it('the pages’ way (Authorization: Bearer, or the ltik-auth-v1 header) changes the setting', async () => {
      const before = await followUp();
      const bearer = await preferences({
        headers: { authorization: `Bearer ${learner}` },
        body: JSON.stringify({ followUpEmail: !before }),
      });
      expect(bearer.status).to.equal(200);
      expect(await followUp()).to.equal(!before);
      const ltikHeader = await preferences({
        headers: { 'ltik-auth-v1': learner },
        body: JSON.stringify({ followUpEmail: before }),
      });
      expect(ltikHeader.status).to.equal(200);
      expect(await followUp()).to.equal(before);
    });

    const refusals: Array<[string, (token: string) => RequestInit & { query?: string }]> = [
      ['a cookie alone', (token) => ({ headers: { cookie: `ltik=${token}; chatref.ltik=${token}` } })],
      ['a token in the query string', (token) => ({ query: `?ltik=${encodeURIComponent(token)}` })],
      ['a token in a JSON body', (token) => ({ body: JSON.stringify({ followUpEmail: true, ltik: token }) })],
      [
        'a token in a form post (what a cross-site form can send)',
        (token) => ({
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ followUpEmail: 'true', ltik: token }).toString(),
        }),
      ],
    ];
    for (const [label, build] of refusals) {
      it(`refuses ${label} with 401 and a message, changing nothing`, async () => {
        const before = await followUp();
        const init = build(learner);
        const response = await preferences({
          body: JSON.stringify({ followUpEmail: !before }),
          ...init,
        });
        expect(response.status).to.equal(401);
        const body = await response.json();
        expect(body.error.message).to.match(/Authorization header/);
        expect(await followUp()).to.equal(before);
      });
    }

    it('refuses every method that changes state (POST, PUT, PATCH, DELETE) without the header', async () => {
      const calls: Array<[string, string]> = [
        ['POST', '/api/chat/messages'],
        ['POST', '/api/inbox/canned-replies'],
        ['DELETE', '/api/inbox/canned-replies/000000000000000000000000'],
        ['PATCH', '/api/leads/000000000000000000000000'],
        ['PUT', '/api/settings/notifications'],
      ];
      for (const [method, route] of calls) {
        const token = route.startsWith('/api/chat') ? learner : admin;
        const response = await fetch(`${app.url}${route}?ltik=${encodeURIComponent(token)}`, {
          method,
          headers: { 'content-type': 'application/json', cookie: `ltik=${token}` },
          body: JSON.stringify({ text: 'hello', ltik: token }),
        });
        expect(response.status, `${method} ${route}`).to.equal(401);
      }
    });

    it('reads (GET) still accept the token in the URL: the first page load after a launch', async () => {
      const response = await fetch(`${app.url}/api/chat/preferences?ltik=${encodeURIComponent(learner)}`);
      expect(response.status).to.equal(200);
    });
  });

  describe('Content-Security-Policy without inline scripts', () => {
    it('every page is served with a CSP that allows only our own scripts', async () => {
      const response = await fetch(`${app.url}/chat?ltik=${encodeURIComponent(learner)}`);
      const csp = response.headers.get('content-security-policy') ?? '';
      const scriptSrc = csp.split(';').find((directive) => directive.trim().startsWith('script-src'));
      expect(scriptSrc?.trim()).to.equal("script-src 'self'");
      expect(csp).not.to.contain('unsafe-inline');
      expect(csp).not.to.contain('unsafe-eval');
      expect(csp).to.match(/object-src 'none'/);
      expect(csp).to.match(/frame-ancestors /);
    });

    it('no view template has an inline script or an inline event handler', () => {
      const files = viewFiles(VIEWS_DIR);
      expect(files.length).to.be.greaterThan(10);
      for (const file of files) {
        const template = readFileSync(file, 'utf8');
        expect(inlineScripts(template), path.relative(VIEWS_DIR, file)).to.deep.equal([]);
        expect(inlineHandlers(template), path.relative(VIEWS_DIR, file)).to.deep.equal([]);
      }
    });

    it('the rendered pages have no inline script or handler either', async () => {
      const pages: Array<[string, string]> = [
        ['/chat', learner],
        ['/inbox', admin],
        ['/inbox/setup', admin],
        ['/knowledge', admin],
        ['/insights', admin],
        ['/leads', admin],
        ['/settings', admin],
        ['/settings/hours', admin],
        ['/settings/notifications', admin],
      ];
      let checked = 0;
      for (const [route, token] of pages) {
        const response = await fetch(`${app.url}${route}?ltik=${encodeURIComponent(token)}`);
        const html = await response.text();
        if (!response.headers.get('content-type')?.includes('text/html')) continue;
        checked += 1;
        expect(inlineScripts(html), route).to.deep.equal([]);
        expect(inlineHandlers(html), route).to.deep.equal([]);
        expect(html, route).to.match(/<script[^>]+src="\/(public|vendor)\//);
      }
      expect(checked).to.be.at.least(6);
      // Pages without a session: the reload page and the refusal page.
      for (const html of [
        await (await fetch(`${app.url}/chat`, { headers: { accept: 'text/html' } })).text(),
        await (await fetch(`${app.url}/lti/login`)).text(),
      ]) {
        expect(inlineScripts(html)).to.deep.equal([]);
        expect(inlineHandlers(html)).to.deep.equal([]);
      }
    });
  });

  describe('cookies', () => {
    it('the launch binding cookie is HttpOnly, Secure and SameSite=None, scoped to /lti, short-lived', async () => {
      const browser = new LmsBrowser(app.url);
      const start = await browser.request('/dev/lms/launch', {
        method: 'POST',
        body: new URLSearchParams({ role: 'learner', message: 'resource' }),
      });
      const loginUrl = new URL(start.headers.get('location') ?? '', app.url);
      loginUrl.searchParams.delete('lti_storage_target');
      const login = await fetch(loginUrl, { redirect: 'manual' });
      const cookies = login.headers.getSetCookie();
      expect(cookies).to.have.length(1);
      const cookie = cookies[0] ?? '';
      expect(cookie).to.match(/^lti_bind_/);
      expect(cookie).to.match(/;\s*HttpOnly/i);
      expect(cookie).to.match(/;\s*Secure/i);
      expect(cookie).to.match(/;\s*SameSite=None/i);
      expect(cookie).to.match(/;\s*Path=\/lti(;|$)/i);
      expect(cookie).to.match(/;\s*Max-Age=600/i);
    });

    it('the launch clears the binding cookie with the same attributes, so a framed browser accepts it', async () => {
      const step = await beginLaunch(app.url);
      const authorization = await step.browser.request(step.authorizationUrl.toString());
      const html = await authorization.text();
      const fields = Object.fromEntries(
        [...html.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((m) => [m[1], m[2]]),
      );
      const response = await step.browser.request('/lti/launch', {
        method: 'POST',
        body: new URLSearchParams(fields as Record<string, string>),
      });
      expect(response.status).to.equal(303);
      const cleared = response.headers.getSetCookie().find((line) => line.startsWith('lti_bind_')) ?? '';
      expect(cleared).to.match(/Expires=Thu, 01 Jan 1970/i);
      expect(cleared).to.match(/;\s*Secure/i);
      expect(cleared).to.match(/;\s*SameSite=None/i);
      expect(cleared).to.match(/;\s*HttpOnly/i);
    });

    it('pages and API answers set no cookie at all (the session lives in a header, not a cookie)', async () => {
      const responses = [
        await fetch(`${app.url}/chat?ltik=${encodeURIComponent(learner)}`),
        await fetch(`${app.url}/api/chat/preferences`, { headers: { authorization: `Bearer ${learner}` } }),
        await fetch(`${app.url}/inbox?ltik=${encodeURIComponent(admin)}`),
      ];
      for (const response of responses) expect(response.headers.getSetCookie()).to.deep.equal([]);
    });
  });
});
