import { expect } from 'chai';
import { startTestApp, type TestApp } from '../support/app.js';
import { launch } from '../support/lms-client.js';

const ADMIN_PAGES: Array<[path: string, label: string]> = [
  ['/inbox', 'Inbox'],
  ['/inbox/setup', 'Inbox setup'],
  ['/leads', 'Leads'],
  ['/knowledge', 'Knowledge'],
  ['/insights', 'Insights'],
  ['/settings', 'Handoff settings'],
  ['/settings/notifications', 'Notifications'],
  ['/settings/hours', 'Hours and SLAs'],
  ['/settings/privacy', 'Data and privacy'],
];

/** The header navigation of a page: its label, its links in order, and the one marked as the current page. */
async function navigationOf(app: TestApp, path: string, sessionToken: string) {
  const response = await fetch(`${app.url}${path}?ltik=${encodeURIComponent(sessionToken)}`);
  expect(response.status, path).to.equal(200);
  const html = await response.text();
  const nav = /<nav class="staff-nav" aria-label="([^"]+)">([\s\S]*?)<\/nav>/.exec(html);
  expect(nav, `${path} has the staff navigation`).to.not.equal(null);
  const links = [
    ...(nav?.[2] ?? '').matchAll(/<a href="([^"]+)"[^>]*?( aria-current="page")?>([^<]+)<\/a>/g),
  ];
  return {
    label: nav?.[1],
    links: links.map((link) => [link[1], link[3]]),
    current: links.filter((link) => link[2]).map((link) => link[1]),
  };
}

describe('the staff pages share one navigation (real launches)', function () {
  this.timeout(60_000);
  let app: TestApp;

  before(async () => {
    app = await startTestApp();
  });
  after(() => app?.stop());

  it('an admin reaches every staff page from every staff page, with the page they are on marked', async () => {
    const admin = await launch(app.url, { role: 'admin' });
    for (const [path] of ADMIN_PAGES) {
      const nav = await navigationOf(app, path, admin.sessionToken);
      expect(nav.label, path).to.equal('Admin pages');
      expect(nav.links, path).to.deep.equal(ADMIN_PAGES);
      expect(nav.current, path).to.deep.equal([path]);
    }
  });

  it("an instructor is offered only their course's inbox and insights", async () => {
    const instructor = await launch(app.url, { role: 'instructor' });
    for (const path of ['/inbox', '/insights']) {
      const nav = await navigationOf(app, path, instructor.sessionToken);
      expect(nav.label, path).to.equal('Instructor pages');
      expect(nav.links, path).to.deep.equal([
        ['/inbox', 'Inbox'],
        ['/insights', 'Insights'],
      ]);
      expect(nav.current, path).to.deep.equal([path]);
    }
  });
});
