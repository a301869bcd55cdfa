import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { expect } from 'chai';
import { LTI } from '../../src/devlms/constants.js';
import type { TestApp } from '../support/app.js';
import { beginLaunch, forgedToken, postLaunch } from '../support/lms-client.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field.
export type Body = any;

export interface Person {
  token: string;
  userId: string;
  tenantId: string;
  name: string;
  email?: string;
}

/** A real launch through the development LMS as a new person with the given name (admins are inbox leads). */
export async function launchAs(
  app: TestApp,
  options: { role: 'learner' | 'admin'; name: string; course?: string; courseTitle?: string },
): Promise<Person> {
  const step = await beginLaunch(app.url, { role: options.role });
  const email = `${options.name.replace(/[^a-z]/gi, '').toLowerCase()}-${randomUUID().slice(0, 8)}@example.edu`;
  const idToken = await forgedToken(step, {
    role: options.role,
    baseUrl: app.url,
    change: (claims) => {
      claims.sub = `notify-${randomUUID()}`;
      claims.name = options.name;
      claims.given_name = options.name.split(' ')[0];
      claims.email = email;
      if (options.course)
        claims[`${LTI}context`] = {
          id: options.course,
          label: options.course,
          title: options.courseTitle ?? options.course,
        };
    },
  });
  const response = await postLaunch(step, { id_token: idToken, state: step.state });
  expect(response.status, 'launch').to.equal(303);
  const token = new URL(response.headers.get('location') ?? '', app.url).searchParams.get('ltik') ?? '';
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
  return { token, userId: payload.uid, tenantId: payload.tid, name: options.name, email };
}

export async function api(
  app: TestApp,
  who: Person | string,
  path: string,
  init: { method?: string; body?: unknown } = {},
) {
  const response = await fetch(`${app.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${typeof who === 'string' ? who : who.token}`,
      'content-type': 'application/json',
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: Body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: response.status, body, text };
}

/** The learner opens the chat, writes, and asks for a person: the thread is handed off. */
export async function handOff(
  app: TestApp,
  learner: Person,
  text = 'My quiz shows the wrong grade',
): Promise<string> {
  const opened = await api(app, learner, '/api/chat');
  expect(opened.status).to.equal(200);
  const conversationId = opened.body.conversation.id as string;
  const posted = await api(app, learner, '/api/chat/messages', {
    method: 'POST',
    body: { conversationId, clientId: `c-${randomUUID()}`, text },
  });
  expect(posted.status, posted.text).to.equal(201);
  const handed = await api(app, learner, '/api/chat/handoff', { method: 'POST', body: { conversationId } });
  expect(handed.status, handed.text).to.equal(200);
  return conversationId;
}

/** Polls until `check` gives a value (bounded): synchronises on state, never on a fixed sleep. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// The README's verification snippet ("Verifying webhook signatures"), as a receiver would run it.
// --- README snippet start ---
export function verifyChatrefSignature(
  secret: string,
  headers: IncomingHttpHeaders,
  rawBody: string,
): boolean {
  const timestamp = String(headers['x-chatref-timestamp'] ?? '');
  const signature = String(headers['x-chatref-signature'] ?? '');
  // Refuse old (replayed) requests: 5 minutes of clock difference at most.
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  return a.length === b.length && timingSafeEqual(a, b);
}
// --- README snippet end ---
