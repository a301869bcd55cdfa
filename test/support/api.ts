import { Types } from 'mongoose';
import { issueSessionToken } from '../../src/lti/session.js';
import type { ProductRole } from '../../src/users/user.model.js';

export interface ApiResult<Body> {
  status: number;
  /** The JSON body, or null when the answer was not JSON (read `text`). */
  body: Body;
  text: string;
  response: Response;
}

/** A request to the tool's API with a session token, as the pages send them; JSON in, JSON (or text) out. */
// biome-ignore lint/suspicious/noExplicitAny: each test reads the fields of the endpoint it called.
export async function apiCall<Body = any>(
  baseUrl: string,
  token: string,
  route: string,
  init: RequestInit = {},
): Promise<ApiResult<Body>> {
  const response = await fetch(`${baseUrl}${route}`, {
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(init.headers ?? {}),
    },
  });
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: response.status, body: body as Body, text, response };
}

/** A valid session of someone in another institution (a random tenant): isolation tests use it. */
export function strangerToken(secret: string, role: ProductRole = 'admin'): Promise<string> {
  return issueSessionToken(
    {
      launchId: new Types.ObjectId().toHexString(),
      tenantId: new Types.ObjectId().toHexString(),
      userId: new Types.ObjectId().toHexString(),
      role,
      locale: 'en',
    },
    secret,
  );
}
