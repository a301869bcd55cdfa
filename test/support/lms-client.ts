import { buildIdTokenClaims, type LaunchRole, signIdToken } from '../../src/devlms/index.js';

/** A minimal browser for LTI flows: follows no redirects by itself and keeps cookies per host. */
export class LmsBrowser {
  private readonly cookies = new Map<string, Map<string, string>>();

  constructor(readonly baseUrl: string) {}

  /** Sends a request with this browser's cookies for the host and stores the ones it sets. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url, this.baseUrl);
    const jar = this.cookies.get(target.host) ?? new Map<string, string>();
    this.cookies.set(target.host, jar);
    const headers = new Headers(init.headers);
    if (jar.size) headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...rest] = (pair ?? '').split('=');
      if (!name) continue;
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line)) jar.delete(name.trim());
      else jar.set(name.trim(), rest.join('='));
    }
    return response;
  }

  /** Drops every cookie, like a browser that blocks them. */
  forgetCookies(): void {
    this.cookies.clear();
  }
}

export function formFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) {
    fields[match[1] as string] = decodeEntities(match[2] as string);
  }
  return fields;
}

export function formAction(html: string): string {
  const match = html.match(/<form[^>]*action="([^"]+)"/);
  if (!match?.[1]) throw new Error(`no form in:\n${html.slice(0, 500)}`);
  return decodeEntities(match[1]);
}

function decodeEntities(value: string): string {
  return value
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#34;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

export interface LoginStep {
  browser: LmsBrowser;
  /** The tool's authorization request to the LMS (carries state and nonce). */
  authorizationUrl: URL;
  state: string;
  nonce: string;
}

/**
 * Starts a launch the way the development LMS does (its launch button), through the tool's OIDC login,
 * stopping at the authorization request so tests can answer it honestly or with a forged token.
 */
export async function beginLaunch(
  baseUrl: string,
  options: {
    role?: LaunchRole;
    message?: 'resource' | 'deeplink';
    storage?: boolean;
    browser?: LmsBrowser;
  } = {},
): Promise<LoginStep> {
  const browser = options.browser ?? new LmsBrowser(baseUrl);
  const start = await browser.request('/dev/lms/launch', {
    method: 'POST',
    body: new URLSearchParams({ role: options.role ?? 'learner', message: options.message ?? 'resource' }),
  });
  const loginUrl = new URL(start.headers.get('location') ?? '', baseUrl);
  if (!options.storage) loginUrl.searchParams.delete('lti_storage_target');
  const login = await browser.request(loginUrl.toString());
  let authorization = login.headers.get('location');
  if (!authorization) {
    const page = await login.text();
    authorization = decodeEntities(page.match(/data-next="([^"]+)"/)?.[1] ?? '');
    if (!authorization) throw new Error(`login did not redirect (${login.status}):\n${page.slice(0, 400)}`);
  }
  const authorizationUrl = new URL(authorization, baseUrl);
  return {
    browser,
    authorizationUrl,
    state: authorizationUrl.searchParams.get('state') ?? '',
    nonce: authorizationUrl.searchParams.get('nonce') ?? '',
  };
}

/** Lets the development LMS answer the authorization request: returns its form post (id_token + state). */
export async function authorize(
  step: LoginStep,
): Promise<{ action: string; fields: Record<string, string> }> {
  const response = await step.browser.request(step.authorizationUrl.toString());
  const html = await response.text();
  if (response.status !== 200)
    throw new Error(`authorize answered ${response.status}:\n${html.slice(0, 400)}`);
  return { action: formAction(html), fields: formFields(html) };
}

/** Posts an id token to the tool's launch endpoint as the browser would. */
export function postLaunch(step: LoginStep, fields: Record<string, string>): Promise<Response> {
  return step.browser.request('/lti/launch', { method: 'POST', body: new URLSearchParams(fields) });
}

/** A whole honest launch; returns the landing response (a 303 to the page with the session token). */
export async function launch(
  baseUrl: string,
  options: { role?: LaunchRole; message?: 'resource' | 'deeplink' } = {},
): Promise<{ response: Response; landing: URL; sessionToken: string; browser: LmsBrowser }> {
  const step = await beginLaunch(baseUrl, options);
  const { fields } = await authorize(step);
  const response = await postLaunch(step, fields);
  const landing = new URL(response.headers.get('location') ?? '/', baseUrl);
  return { response, landing, sessionToken: landing.searchParams.get('ltik') ?? '', browser: step.browser };
}

/** Forges an id token for a real login (its nonce), changing claims or the signature as a test needs. */
export async function forgedToken(
  step: LoginStep,
  options: {
    role?: LaunchRole;
    change?: (claims: Record<string, unknown>) => void;
    sign?: Parameters<typeof signIdToken>[1];
    baseUrl: string;
  },
): Promise<string> {
  const claims = buildIdTokenClaims({ role: options.role ?? 'learner', nonce: step.nonce }, options.baseUrl);
  options.change?.(claims);
  return signIdToken(claims, options.sign);
}

/**
 * A whole honest login whose id token is signed by the development LMS but changed by `change` (another
 * person: `sub`, `name`, …). Returns the landing URL with the session token, as `launch` does.
 */
export async function launchWith(
  baseUrl: string,
  options: {
    role?: LaunchRole;
    change: (claims: Record<string, unknown>) => void;
    /** The development LMS's own address when it differs from the tool's (DEV_LMS_URL). */
    lmsUrl?: string;
  },
): Promise<{ landing: URL; sessionToken: string }> {
  const step = await beginLaunch(baseUrl, { role: options.role });
  const { fields } = await authorize(step);
  const idToken = await forgedToken(step, {
    role: options.role,
    baseUrl: options.lmsUrl ?? baseUrl,
    change: options.change,
  });
  const response = await postLaunch(step, { ...fields, id_token: idToken });
  const landing = new URL(response.headers.get('location') ?? '/', baseUrl);
  return { landing, sessionToken: landing.searchParams.get('ltik') ?? '' };
}
