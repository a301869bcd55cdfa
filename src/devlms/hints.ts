import {
  type DocumentTarget,
  LAUNCH_ROLES,
  LAUNCH_USERS,
  type LaunchRole,
  type MessageKind,
} from './constants.js';
import { openValue, platformKeys, sealValue } from './keys.js';

/**
 * The opaque values the platform passes through the tool during login. The tool must return them
 * untouched; sealing them means the authorization endpoint needs no session to trust them.
 */

const HINT_TTL_SECONDS = 10 * 60;
const REGISTRATION_TOKEN_TTL_SECONDS = 60 * 60;

export interface LaunchIntent {
  role: LaunchRole;
  message: MessageKind;
  target: DocumentTarget;
  clientId: string;
  userId: string;
}

export async function sealLoginHint(userId: string): Promise<string> {
  return sealValue({ k: 'lh', u: userId }, (await platformKeys()).hmacSecret, HINT_TTL_SECONDS);
}

export async function openLoginHint(value: unknown): Promise<string | undefined> {
  const payload = openValue(value, (await platformKeys()).hmacSecret);
  return payload?.k === 'lh' && typeof payload.u === 'string' ? payload.u : undefined;
}

export async function sealMessageHint(intent: LaunchIntent): Promise<string> {
  const { role, message, target, clientId, userId } = intent;
  return sealValue(
    { k: 'mh', r: role, m: message, t: target, c: clientId, u: userId },
    (await platformKeys()).hmacSecret,
    HINT_TTL_SECONDS,
  );
}

export async function openMessageHint(value: unknown): Promise<LaunchIntent | undefined> {
  const payload = openValue(value, (await platformKeys()).hmacSecret);
  if (payload?.k !== 'mh') return undefined;
  const { r, m, t, c, u } = payload;
  if (!LAUNCH_ROLES.includes(r as LaunchRole)) return undefined;
  if (m !== 'resource' && m !== 'deeplink') return undefined;
  if (t !== 'iframe' && t !== 'window') return undefined;
  if (typeof c !== 'string' || typeof u !== 'string') return undefined;
  if (LAUNCH_USERS[r as LaunchRole].id !== u) return undefined;
  return { role: r as LaunchRole, message: m, target: t, clientId: c, userId: u };
}

/** A registration token for one Dynamic Registration: the tool sends it back as a Bearer token. */
export async function sealRegistrationToken(tokenId: string): Promise<string> {
  return sealValue(
    { k: 'rt', j: tokenId },
    (await platformKeys()).hmacSecret,
    REGISTRATION_TOKEN_TTL_SECONDS,
  );
}

export async function openRegistrationToken(value: unknown): Promise<string | undefined> {
  const payload = openValue(value, (await platformKeys()).hmacSecret);
  return payload?.k === 'rt' && typeof payload.j === 'string' ? payload.j : undefined;
}
