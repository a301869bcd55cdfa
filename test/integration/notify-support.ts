import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { LTI } from '../../src/devlms/constants.js';
import type { TestApp } from '../support/app.js';
import { launchSession, type Person } from '../support/people.js';

/** A real launch through the development LMS as a new person with the given name (admins are inbox leads). */
export async function launchAs(
  app: TestApp,
  options: { role: 'learner' | 'admin'; name: string; course?: string; courseTitle?: string },
): Promise<Person> {
  const email = `${options.name.replace(/[^a-z]/gi, '').toLowerCase()}-${randomUUID().slice(0, 8)}@example.edu`;
  const session = await launchSession(app, options.role, (claims) => {
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
  });
  return { ...session, name: options.name, email };
}

// The verification snippet of docs/features/notifications.md ("Verifying a request", under Webhook), as a receiver would run it.
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
