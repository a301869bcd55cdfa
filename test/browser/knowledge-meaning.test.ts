import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { embedJobId } from '../../src/knowledge/embedding-retry.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { openBrowser, openStaffPage } from '../support/browser.js';
import { EmbeddingsServer } from '../support/embeddings-server.js';
import { eventually } from '../support/eventually.js';
import { launch } from '../support/lms-client.js';

/** The Knowledge page's search-by-meaning column and line, with a real local embeddings server. */
describe('the Knowledge page shows search by meaning in Chromium', function () {
  this.timeout(120_000);
  const server = new EmbeddingsServer();
  let app: TestApp;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let token: string;
  const problems: string[] = [];
  const run = randomUUID().slice(0, 8);
  const shot = async (page: Page, name: string) => {
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/${name}.png`, fullPage: true });
  };

  before(async () => {
    await server.start();
    app = await startTestApp({
      worker: true,
      env: {
        EMBEDDINGS_BASE_URL: server.url,
        EMBEDDINGS_MODEL: 'test-e5',
        EMBEDDINGS_BATCH_SIZE: '2',
        EMBEDDINGS_TIMEOUT_MS: '10000',
      },
    });
    token = (await launch(app.url, { role: 'admin' })).sessionToken;
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await server.stop();
  });

  it('shows a document stored while the server is down as pending, then ready once the retry job filled it', async () => {
    await server.stop();
    const page = await openStaffPage(browser.context, {
      url: `${app.url}/knowledge`,
      token,
      problems,
      ready: (opened) => opened.getByRole('table', { name: 'Knowledge sources' }),
    });
    const name = `grades-${run}.md`;
    await page.getByLabel('Upload documents').setInputFiles({
      name,
      mimeType: 'text/markdown',
      buffer: Buffer.from(
        `# Grades <i>${run}</i>\n\n## Where grades are\n\nOpen the course and select Grades in the menu.\n\n## Late grades\n\nA grade appears once the teacher releases it.\n`,
      ),
    });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const row = page.getByRole('row', { name: new RegExp(name.replace('.', '\\.')) });
    await page.getByRole('status').getByText(`${name} is ready`).waitFor({ timeout: 30_000 });

    // Stored and live (word search works), its vectors waiting for the server.
    const meaning = row.locator('td[data-label="Search by meaning"]');
    await meaning.getByText(/^Pending: \d+ passages? waiting for the embedding server/).waitFor();
    expect(await meaning.textContent()).to.contain('Last error: the embedding server could not be reached.');
    const summary = page.getByTestId('meaning-summary');
    await summary
      .getByText(/^Search by meaning: \d+ of \d+ documents? ready; 1 waiting for the embedding server/)
      .waitFor();
    // The title is text, never markup.
    expect(await page.locator('#sources i').count()).to.equal(0);
    await shot(page, 'knowledge-meaning-pending');

    // The server comes back; the retry job (its backoff brought forward) fills the vectors; the page's
    // own refresh shows it.
    await server.start();
    const source = await eventually(async () => {
      const response = await fetch(`${app.url}/api/knowledge/sources`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await response.json()) as {
        data: { id: string; path?: string; fileName: string; version: number }[];
      };
      return body.data.find((s) => s.fileName === name);
    }, 'the uploaded source');
    const tenantId = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).tid;
    const queue = app.runtime.queues.get('knowledge');
    await eventually(
      async () => {
        const job = await queue.getJob(embedJobId(tenantId, source.id, source.version));
        if (job && (await job.isDelayed())) await job.promote().catch(() => undefined);
        return (await meaning.textContent()) === 'Ready';
      },
      'the page to show the vectors ready',
      60_000,
    );
    await eventually(
      async () => !(await summary.textContent())?.includes('waiting'),
      'the line to drop "waiting"',
    );
    expect(await summary.textContent()).to.match(/^Search by meaning: \d+ of \d+ documents? ready/);
    await page.getByRole('status').getByText(`${name}: search by meaning is ready`).waitFor();
    await shot(page, 'knowledge-meaning-ready');

    // On a phone the column keeps its name as a label.
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'knowledge-meaning-phone');
    expect(problems).to.deep.equal([]);
    await page.close();
  });
});
