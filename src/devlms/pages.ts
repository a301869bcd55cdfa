import { COURSE, DEV_LMS_NAME, type LaunchRole } from './constants.js';

/** HTML pages of the development LMS. Every interpolated value goes through `escapeHtml`. */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (char) => ESCAPES[char] ?? char);
}

/** Marks a string as already-escaped HTML, so templates can nest without double escaping. */
class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Tagged template: interpolations are escaped unless they are Html (or arrays of Html). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new Html(out);
}

function render(value: unknown): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(value);
}

interface LayoutOptions {
  base: string;
  title: string;
  /** Tells lms.js what this page needs (platform storage, auto-submit, registration). */
  page: string;
  data?: Record<string, string>;
}

function layout(options: LayoutOptions, body: Html): string {
  const data = Object.entries(options.data ?? {}).map(([key, value]) => html` data-${key}="${value}"`);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${options.title} · ${DEV_LMS_NAME}</title>
<link rel="stylesheet" href="${options.base}/lms.css">
<script src="${options.base}/lms.js" defer></script>
</head>
<body data-page="${options.page}"${data}>
${body}
</body>
</html>
`.value;
}

function banner(base: string): Html {
  return html`<header class="banner">
<a class="brand" href="${base}" target="_top">${DEV_LMS_NAME}</a>
<p class="notice">Development LMS built into Chatref for demos and tests. It is not a real LMS: it speaks LTI 1.3 to the tool exactly as one would.</p>
</header>`;
}

export interface HomePageInput {
  base: string;
  target: 'iframe' | 'window';
  toolOrigin: string;
  clientId?: string;
  toolName: string;
}

const LAUNCHERS: { role: LaunchRole; message: 'resource' | 'deeplink'; label: string }[] = [
  { role: 'learner', message: 'resource', label: 'Launch as learner' },
  { role: 'instructor', message: 'resource', label: 'Launch as instructor' },
  { role: 'admin', message: 'resource', label: 'Launch as admin' },
  { role: 'instructor', message: 'deeplink', label: 'Place the assistant (deep linking)' },
];

const FRAME_NAME = 'chatref-tool';

/** The course page: launch buttons and the iframe the tool opens in. */
export function homePage(input: HomePageInput): string {
  const { base, target } = input;
  const formTarget = target === 'window' ? '_top' : FRAME_NAME;
  const forms = LAUNCHERS.map(
    (launcher) => html`<form method="post" action="${base}/launch" target="${formTarget}">
<input type="hidden" name="role" value="${launcher.role}">
<input type="hidden" name="message" value="${launcher.message}">
<input type="hidden" name="target" value="${target}">
${input.clientId ? html`<input type="hidden" name="client_id" value="${input.clientId}">` : ''}
<button type="submit">${launcher.label}</button>
</form>`,
  );
  const query = (targetValue?: string) => {
    const params = new URLSearchParams();
    if (targetValue) params.set('target', targetValue);
    if (input.clientId) params.set('client_id', input.clientId);
    const text = params.toString();
    return text ? `${base}?${text}` : base;
  };
  const body = html`${banner(base)}
<main>
<nav class="crumbs" aria-label="Breadcrumb"><a href="${base}">Courses</a> › ${COURSE.label}</nav>
<h1>${COURSE.title}</h1>
<p class="meta">${COURSE.label} · course id ${COURSE.id}</p>
<section class="tool" aria-labelledby="tool-heading">
<h2 id="tool-heading">${input.toolName}</h2>
<p>Each button starts a real LTI 1.3 launch: login initiation, authorization, then a signed id token posted to the tool.</p>
<div class="launchers">${forms}</div>
<p class="where">${
    target === 'window'
      ? html`Launches open in the whole window. <a href="${query()}">Open them in a frame instead</a>.`
      : html`Launches open in the frame below. <a href="${query('window')}">Open them in the whole window instead</a>.`
  }</p>
</section>
${target === 'iframe' ? html`<iframe class="tool-frame" name="${FRAME_NAME}" title="Chatref" allow="clipboard-write"></iframe>` : ''}
<p class="admin"><a href="${base}/register-tool">Register a tool (LTI Dynamic Registration)</a></p>
</main>`;
  return layout(
    { base, title: COURSE.title, page: 'course', data: { 'tool-origin': input.toolOrigin } },
    body,
  );
}

/** The authorization response: posts the id token to the tool (lms.js submits it; the button is for no-JS). */
export function formPostPage(base: string, action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  );
  const body = html`<main class="handoff">
<form method="post" action="${action}" data-autosubmit>
${inputs}
<p>Signing you in to the tool…</p>
<button type="submit">Continue</button>
</form>
</main>`;
  return layout({ base, title: 'Signing in', page: 'form-post' }, body);
}

/** A refused request: what went wrong, in words a developer can act on. */
export function errorPage(base: string, title: string, reasons: string[]): string {
  const body = html`${banner(base)}
<main>
<h1>${title}</h1>
<ul class="reasons">${reasons.map((reason) => html`<li>${reason}</li>`)}</ul>
<p><a href="${base}" target="_top">Back to the course</a></p>
</main>`;
  return layout({ base, title, page: 'error' }, body);
}

export interface PlacedItem {
  type: string;
  title?: string;
  text?: string;
  url?: string;
}

/** The deep-linking result: what the tool asked the LMS to place in the course. */
export function deepLinkResultPage(
  base: string,
  items: PlacedItem[],
  messages: { msg?: string; errormsg?: string },
): string {
  const first = items[0];
  const heading = first
    ? `Placed in ${COURSE.title}: ${first.title ?? 'Untitled'}`
    : `Nothing was placed in ${COURSE.title}`;
  const body = html`${banner(base)}
<main>
<h1>${heading}</h1>
${messages.msg ? html`<p class="message">${messages.msg}</p>` : ''}
${messages.errormsg ? html`<p class="message error">${messages.errormsg}</p>` : ''}
${
  items.length
    ? html`<ul class="items">${items.map(
        (item) =>
          html`<li><strong>${item.title ?? 'Untitled'}</strong> <span class="type">(${item.type})</span>${
            item.text ? html`<br>${item.text}` : ''
          }${item.url ? html`<br><code>${item.url}</code>` : ''}</li>`,
      )}</ul>`
    : ''
}
<p><a href="${base}" target="_top">Back to the course</a></p>
</main>`;
  return layout({ base, title: heading, page: 'deep-link-result' }, body);
}

/** Where launch_presentation.return_url leads: the tool sends people back here. */
export function returnPage(base: string, messages: { msg?: string; errormsg?: string }): string {
  const body = html`${banner(base)}
<main>
<h1>Back from the tool</h1>
${messages.msg ? html`<p class="message">${messages.msg}</p>` : ''}
${messages.errormsg ? html`<p class="message error">${messages.errormsg}</p>` : ''}
<p><a href="${base}" target="_top">Back to the course</a></p>
</main>`;
  return layout({ base, title: 'Back from the tool', page: 'return' }, body);
}

export interface RegisteredToolRow {
  clientId: string;
  name: string;
  deploymentId: string;
}

/** The admin page that runs LTI Dynamic Registration with a tool in an iframe. */
export function registerToolPage(input: {
  base: string;
  defaultRegistrationUrl: string;
  openidConfiguration: string;
  registrationToken: string;
  registered: RegisteredToolRow[];
}): string {
  const { base } = input;
  const body = html`${banner(base)}
<main>
<h1>Register a tool</h1>
<p>Starts LTI Dynamic Registration: the tool's registration page opens below with this platform's configuration URL and a one-time registration token.</p>
<noscript><p class="message error">This page needs JavaScript to follow the registration.</p></noscript>
<form id="register-form" data-openid-configuration="${input.openidConfiguration}" data-registration-token="${input.registrationToken}">
<label for="registration-url">Tool registration URL</label>
<input id="registration-url" name="registration_url" type="url" required value="${input.defaultRegistrationUrl}">
<button type="submit">Register a tool</button>
</form>
<p id="registration-status" role="status" aria-live="polite"></p>
<iframe id="registration-frame" class="tool-frame" title="Tool registration" hidden></iframe>
<h2>Registered tools</h2>
${
  input.registered.length
    ? html`<ul class="items">${input.registered.map(
        (row) =>
          html`<li><strong>${row.name}</strong> · client id <code>${row.clientId}</code> · deployment <code>${row.deploymentId}</code> · <a href="${base}?client_id=${encodeURIComponent(row.clientId)}">Launch from the course</a></li>`,
      )}</ul>`
    : html`<p>No tool registered yet. The built-in Chatref registration always works.</p>`
}
<p><a href="${base}">Back to the course</a></p>
</main>`;
  return layout({ base, title: 'Register a tool', page: 'register-tool' }, body);
}

/** A small SVG avatar with initials, so `picture` claims point somewhere real. */
export function avatarSvg(initials: string, hue: number): string {
  return html`<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96" role="img" aria-label="${initials}">
<rect width="96" height="96" rx="48" fill="hsl(${hue} 55% 45%)"/>
<text x="48" y="58" font-family="sans-serif" font-size="36" text-anchor="middle" fill="#fff">${initials}</text>
</svg>`.value;
}
