import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { LaunchRole } from '../../src/devlms/index.js';
import type { TestApp } from './app.js';
import { beginLaunch, forgedToken, postLaunch } from './lms-client.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field.
export type Body = any;

/** A person launched through the development LMS: the session token and who the tool took them for. */
export interface Person {
  token: string;
  userId: string;
  tenantId: string;
  /** The session's own id (the token's subject). */
  launchId: string;
  name: string;
  email?: string;
}

/**
 * A real launch through the development LMS with the id token's claims changed by `change` (a new subject,
 * name, course…); the person is who the session token says (the test names them).
 */
export async function launchSession(
  app: TestApp,
  role: LaunchRole,
  change: (claims: Record<string, unknown>) => void,
): Promise<Pick<Person, 'token' | 'userId' | 'tenantId' | 'launchId'>> {
  const step = await beginLaunch(app.url, { role });
  const idToken = await forgedToken(step, { role, baseUrl: app.url, change });
  const response = await postLaunch(step, { id_token: idToken, state: step.state });
  expect(response.status, 'launch').to.equal(303);
  const token = new URL(response.headers.get('location') ?? '', app.url).searchParams.get('ltik') ?? '';
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
  return { token, userId: payload.uid, tenantId: payload.tid, launchId: payload.sub };
}

/** Calls the tool's API as a person (or with a bare session token); a body that is not JSON reads as null. */
export async function api(
  app: TestApp,
  who: { token: string } | string,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: Body; text: string }> {
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

/** The learner opens the chat, writes, and asks for a person: the thread is handed off and waits in the inbox. */
export async function handOff(
  app: TestApp,
  learner: { token: string },
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
