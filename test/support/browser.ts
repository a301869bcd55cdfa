import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type BrowserContext,
  chromium,
  type Frame,
  type Locator,
  type Page,
  type Request,
} from 'playwright-core';

/** Debian's chromium, never a downloaded browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Cross-site frames stay in their page's renderer. With site isolation, the launch moves the tool's frame
  // between processes three times (tool, LMS, tool), and on a loaded machine Playwright sometimes kept the
  // frame's address from before the last move: the chat or inbox was on screen and working (its requests
  // answered) while the test still saw the LMS's form-post page. What the tests check (third-party
  // cookies blocked, platform storage by postMessage, frame-ancestors) does not depend on the process model.
  '--disable-site-isolation-trials',
  '--disable-features=IsolateOrigins,site-per-process',
];

/**
 * A fresh Chromium profile. With `blockThirdPartyCookies`, cookies set or sent by a cross-site iframe are
 * dropped, as in Safari and Chrome's tracking protection: the condition LTI launches must survive.
 */
export async function openBrowser(
  options: { blockThirdPartyCookies?: boolean; allowThirdPartyCookies?: boolean } = {},
): Promise<{
  context: BrowserContext;
  close(): Promise<void>;
}> {
  const profile = mkdtempSync(path.join(tmpdir(), 'chatref-chromium-'));
  const args = [...ARGS];
  if (options.blockThirdPartyCookies) {
    // Chrome's own "Block third-party cookies" setting (chrome://settings/cookies), written into the profile.
    mkdirSync(path.join(profile, 'Default'), { recursive: true });
    writeFileSync(
      path.join(profile, 'Default', 'Preferences'),
      JSON.stringify({ profile: { block_third_party_cookies: true, cookie_controls_mode: 1 } }),
    );
  }
  if (options.allowThirdPartyCookies) {
    // The opposite setting: cross-site frames keep their SameSite=None cookies (where a browser still allows it).
    mkdirSync(path.join(profile, 'Default'), { recursive: true });
    writeFileSync(
      path.join(profile, 'Default', 'Preferences'),
      JSON.stringify({ profile: { block_third_party_cookies: false, cookie_controls_mode: 0 } }),
    );
  }
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args,
    viewport: { width: 1100, height: 800 },
  });
  recordNetwork(context);
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The browser's last requests, kept so that a launch that never arrives can say where it stopped. */
const networkLogs = new WeakMap<BrowserContext, string[]>();

function recordNetwork(context: BrowserContext): void {
  const log: string[] = [];
  networkLogs.set(context, log);
  const started = Date.now();
  const add = (line: string) => {
    log.push(`${((Date.now() - started) / 1000).toFixed(1)} s ${line}`);
    if (log.length > 30) log.shift();
  };
  const name = (request: Request) => `${request.method()} ${request.url().slice(0, 90)}`;
  context.on('request', (request) => add(`sent ${name(request)}`));
  context.on('requestfinished', (request) => add(`done ${name(request)}`));
  context.on('requestfailed', (request) => add(`failed ${name(request)}: ${request.failure()?.errorText}`));
}

/**
 * The tool's frame inside an LMS page, once it has navigated to `path` (e.g. '/chat'). The launch is five
 * requests and two page loads; on a busy 2-core machine that has taken over 15 s, hence the wait.
 */
export async function toolFrame(page: Page, path: string, timeoutMs = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const frame = page
      .frames()
      .find(
        (candidate) =>
          candidate !== page.mainFrame() &&
          new URL(candidate.url() || 'about:blank', 'http://x').pathname === path,
      );
    if (frame) return frame;
    await page.waitForTimeout(100);
  }
  const urls = page.frames().map((frame) => frame.url());
  const network = networkLogs.get(page.context()) ?? [];
  throw new Error(
    `the tool never reached ${path}; frames: ${urls.join(', ')}\nthe browser's last requests:\n${network.join('\n')}`,
  );
}

/**
 * Collects what must never happen on our pages: Content-Security-Policy refusals and script errors.
 * (Console errors for deliberate 4xx answers are not problems.) Tests assert the list stays empty.
 */
export function collectPageProblems(page: Page, problems: string[]): void {
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
}

/**
 * A page opened directly (not in the LMS frame) in a new tab, at a phone's size when `viewport` is given,
 * collecting page problems into `problems` from the start.
 */
export async function openToolPage(
  context: BrowserContext,
  url: string,
  problems: string[],
  viewport?: { width: number; height: number },
): Promise<Page> {
  const page = await context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  collectPageProblems(page, problems);
  await page.goto(url);
  return page;
}

/** A staff page opened by {@link openStaffPage}. */
export interface StaffPage {
  /** The page's address without a query, e.g. `${app.url}/insights`. */
  url: string;
  /** The session that opens it, passed as `?ltik=` as a launch's redirect passes it. */
  token: string;
  /** After the query, e.g. `#conversation=…`. */
  hash?: string;
  problems: string[];
  /** What the page shows once it has loaded its data; opening resolves when it is there. */
  ready?: (page: Page) => Locator;
  viewport?: { width: number; height: number };
}

/** A staff page opened with a session token in a new tab, as {@link openToolPage}; ready when `ready` shows. */
export async function openStaffPage(context: BrowserContext, staff: StaffPage): Promise<Page> {
  const url = `${staff.url}?ltik=${encodeURIComponent(staff.token)}${staff.hash ?? ''}`;
  const page = await openToolPage(context, url, staff.problems, staff.viewport);
  await staff.ready?.(page).waitFor();
  return page;
}

/**
 * Reloads the tool inside its LMS frame and resolves once the new page has loaded. (`location.reload()`
 * alone returns while the old page is still shown, so a check right after could pass on the old page.)
 */
export async function reloadFrame(frame: Frame): Promise<void> {
  const navigated = frame.page().waitForEvent('framenavigated', { predicate: (f) => f === frame });
  await frame.evaluate(() => window.location.reload());
  await navigated;
  await frame.waitForLoadState('load');
}

/**
 * Runs `click`, which must open a confirm/alert dialog, answers it and returns its message. Fails when no
 * dialog appears (the wait for it times out), unlike a `once('dialog')` handler that simply never runs.
 * The click is awaited after the dialog is answered: a click that opened a dialog ends only then.
 */
export async function answerDialog(
  page: Page,
  click: () => Promise<void>,
  answer: 'accept' | 'dismiss',
  timeoutMs = 10_000,
): Promise<string> {
  const shown = page.waitForEvent('dialog', { timeout: timeoutMs });
  const clicked = click();
  const dialog = await shown;
  const message = dialog.message();
  await (answer === 'accept' ? dialog.accept() : dialog.dismiss());
  await clicked;
  return message;
}
