import { expect } from 'chai';
import { openBrowser, toolFrame } from '../support/browser.js';
import { type FaultStack, startFaultStack, untilStatus, type WebProcess } from '../support/fault-stack.js';
import { api } from '../support/people.js';

/** The learner's chat page in Chromium while the database restarts: the page itself retries the send. */
describe('the chat page while FerretDB restarts', function () {
  this.timeout(150_000);
  let stack: FaultStack;
  let web: WebProcess;
  let browser: Awaited<ReturnType<typeof openBrowser>>;

  before(async () => {
    stack = await startFaultStack();
    web = await stack.startWeb();
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('keeps a message sent during the outage as "Sending…" and stores it once when the database is back', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${web.url}/dev/lms`);
    const threadLoaded = page.waitForResponse(
      (response) => new URL(response.url()).pathname === '/api/chat' && response.status() === 200,
    );
    await page.getByRole('button', { name: 'Launch as learner' }).click();
    const frame = await toolFrame(page, '/chat');
    const input = frame.getByRole('textbox', { name: 'Message' });
    await input.waitFor();
    await threadLoaded;
    // The session the page holds (it keeps the launch's token in memory, not in its address).
    const token = await frame.evaluate(() =>
      (window as unknown as { chatref: { token(): string } }).chatref.token(),
    );

    await stack.stopMongo();
    await untilStatus(`${web.url}/readyz`, 503, '/readyz to say 503 while the database is down');
    const refused = page.waitForResponse(
      (response) => response.url().endsWith('/api/chat/messages') && response.status() === 503,
    );
    const text = 'Is the final exam open book?';
    await input.fill(text);
    await frame.getByRole('button', { name: 'Send' }).click();
    await refused; // the page's first try met the outage
    const line = frame.locator('.message-learner', { hasText: text });
    expect(await line.locator('.message-status').textContent()).to.equal('Sending…');

    await stack.startMongo();
    await line.locator('.message-status', { hasText: 'Sent' }).waitFor({ timeout: 60_000 });
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/chat-retried-after-outage.png` });
    const thread = await api(web.app, token, '/api/chat');
    expect(thread.status, thread.text).to.equal(200);
    const stored = (thread.body.messages as { author: string; text: string }[]).filter(
      (message) => message.author === 'learner' && message.text === text,
    );
    expect(stored).to.have.length(1);
    await page.close();
  });
});
