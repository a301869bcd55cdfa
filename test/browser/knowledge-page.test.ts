import { expect } from 'chai';
import { startWorker } from '../../src/app/worker.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { answerDialog, openBrowser, openStaffPage } from '../support/browser.js';
import { launch } from '../support/lms-client.js';

describe('the admin Knowledge page in Chromium', function () {
  this.timeout(90_000);
  let app: TestApp;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let token: string;
  let workerStarted = false;
  const ensureWorker = async () => {
    if (!workerStarted) await startWorker(app.runtime);
    workerStarted = true;
  };
  /** Console messages of every page, to catch CSP refusals and script errors. */
  const problems: string[] = [];

  before(async () => {
    // No worker yet: uploads stay queued, so the page's progress is there to be seen before it is ready.
    app = await startTestApp();
    token = (await launch(app.url, { role: 'admin' })).sessionToken;
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  const openPage = (viewport?: { width: number; height: number }) =>
    openStaffPage(browser.context, {
      url: `${app.url}/knowledge`,
      token: token,
      problems,
      viewport,
      ready: (page) => page.getByRole('table', { name: 'Knowledge sources' }),
    });

  it('uploads a document, shows its progress, then announces it is ready', async () => {
    const page = await openPage();
    expect(page.url()).not.to.contain('ltik=');
    const status = page.getByRole('status');

    await page.getByLabel('Upload documents').setInputFiles({
      name: 'exam-rules.md',
      mimeType: 'text/markdown',
      buffer: Buffer.from('# <b>Exam</b> rules & tips\n\nCalculators are allowed in the final exam.\n'),
    });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await status.getByText('Uploaded exam-rules.md').waitFor();

    const row = page.getByRole('row', { name: /exam-rules\.md/ });
    await row.waitFor();
    const progress = row.getByRole('progressbar', { name: 'Progress of exam-rules.md' });
    await progress.waitFor();
    expect(await progress.getAttribute('aria-valuenow')).to.equal('0');
    await row.getByText('Waiting to start: 0%').waitFor();

    await ensureWorker();
    await status.getByText('exam-rules.md is ready').waitFor({ timeout: 20_000 });
    await row.getByRole('cell', { name: 'Ready' }).waitFor();
    // The title from the document's heading is shown as text, never as markup.
    await row.getByRole('rowheader', { name: /<b>Exam<\/b> rules & tips/ }).waitFor();
    expect(await page.locator('#sources b').count()).to.equal(0);
    expect(await row.getByRole('progressbar').count()).to.equal(0);
    expect(Number(await row.locator('td[data-label="Passages"]').textContent())).to.be.greaterThan(0);
    await page.close();
  });

  it('says per file why an upload failed', async () => {
    await ensureWorker();
    const page = await openPage();
    await page.getByLabel('Upload documents').setInputFiles([
      { name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from([137, 80, 78, 71, 0, 1, 2]) },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from([0, 159, 146, 150, 0, 1, 0, 255]) },
    ]);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const status = page.getByRole('status');
    await status.getByText(/^photo\.png failed: "photo\.png" is not a supported file type/).waitFor();
    await page
      .getByRole('list', { name: 'Upload problems' })
      .getByText(/photo\.png/)
      .waitFor();
    await status.getByText('Uploaded notes.txt').waitFor();
    await status.getByText(/^notes\.txt failed: not a supported file type/).waitFor({ timeout: 20_000 });
    await page
      .getByRole('row', { name: /notes/ })
      .getByText(/Failed: not a supported file type/)
      .waitFor();
    await page.close();
  });

  it('adds a Q&A pair and removes a source after confirmation, at phone width', async () => {
    const page = await openPage({ width: 375, height: 740 });
    await page.getByRole('textbox', { name: 'Question' }).fill('Where is the exam room?');
    await page.getByRole('textbox', { name: 'Answer' }).fill('Room 101, main building.');
    await page.getByRole('button', { name: 'Add Q&A' }).click();
    await page.getByRole('status').getByText('Added Q&A: Where is the exam room?').waitFor();
    const row = page.getByRole('row', { name: /Where is the exam room\?/ });
    await row.getByText('Ready').waitFor();

    // Nothing is wider than the phone's screen.
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).to.be.at.most(0);

    // Dismissing the confirmation keeps the source; accepting it removes it.
    // (The removal that follows is the marker for the dismissal: had it removed the row, the second
    // click would find no button.)
    const remove = () => row.getByRole('button', { name: 'Remove Where is the exam room?' }).click();
    expect(await answerDialog(page, remove, 'dismiss')).to.contain('Remove "Where is the exam room?"');
    expect(await row.count()).to.equal(1);
    expect(await answerDialog(page, remove, 'accept')).to.contain('Remove "Where is the exam room?"');
    await page.getByRole('status').getByText('Removed Where is the exam room?').waitFor();
    expect(await page.getByRole('row', { name: /Where is the exam room\?/ }).count()).to.equal(0);
    await page.close();
  });

  it('ran without CSP refusals or script errors', () => {
    expect(problems).to.deep.equal([]);
  });
});
