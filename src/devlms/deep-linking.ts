import { decodeJwt, jwtVerify } from 'jose';
import { openDeepLinkingData } from './claims.js';
import { TOOL_ALGORITHMS, type ToolClient, toolKeySet } from './clients.js';
import { DL, LTI, type PlatformUrls } from './constants.js';
import { describeJoseError, type ReplayGuard } from './oauth.js';
import type { PlacedItem } from './pages.js';

/** Checks a Deep Linking 2.0 response the way a platform must before placing anything. */

export interface DeepLinkingResult {
  items: PlacedItem[];
  msg?: string;
  errormsg?: string;
}

const ACCEPT_TYPES = ['ltiResourceLink'];

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

export async function verifyDeepLinkingResponse(
  jwt: unknown,
  urls: PlatformUrls,
  findClient: (clientId: string) => Promise<ToolClient | undefined>,
  nonces: ReplayGuard,
): Promise<DeepLinkingResult | { error: string }> {
  if (typeof jwt !== 'string' || !jwt) return { error: 'The JWT form field is missing.' };
  let claimedClient: unknown;
  try {
    claimedClient = decodeJwt(jwt).iss;
  } catch {
    return { error: 'The JWT form field is not a JWT.' };
  }
  const client = typeof claimedClient === 'string' ? await findClient(claimedClient) : undefined;
  if (!client)
    return { error: 'The response is not from a tool registered here (iss is not a known client id).' };

  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(jwt, toolKeySet(client.jwksUrl), {
      issuer: client.clientId,
      audience: urls.issuer,
      algorithms: TOOL_ALGORITHMS,
      requiredClaims: ['iat', 'exp', 'nonce'],
      clockTolerance: 5,
    }));
  } catch (error) {
    return { error: `The response was refused: ${describeJoseError(error)}` };
  }

  if (payload[`${LTI}message_type`] !== 'LtiDeepLinkingResponse') {
    return { error: 'message_type must be LtiDeepLinkingResponse.' };
  }
  if (payload[`${LTI}version`] !== '1.3.0') return { error: 'version must be 1.3.0.' };
  if (payload[`${LTI}deployment_id`] !== client.deploymentId) {
    return { error: `deployment_id must be ${client.deploymentId}.` };
  }
  const data = await openDeepLinkingData(payload[`${DL}data`]);
  if (!data || data.clientId !== client.clientId) {
    return { error: 'data must echo the value sent in deep_linking_settings.' };
  }
  if (
    typeof payload.nonce !== 'string' ||
    !nonces.claim(`${client.clientId}:${payload.nonce}`, payload.exp as number)
  ) {
    return { error: 'The nonce was already used: this response was replayed.' };
  }

  const raw = payload[`${DL}content_items`] ?? [];
  if (!Array.isArray(raw)) return { error: 'content_items must be an array.' };
  if (raw.length > 1) return { error: 'Only one content item may be placed (accept_multiple is false).' };
  const items: PlacedItem[] = [];
  for (const item of raw as unknown[]) {
    if (!item || typeof item !== 'object') return { error: 'Each content item must be an object.' };
    const entry = item as Record<string, unknown>;
    if (typeof entry.type !== 'string' || !ACCEPT_TYPES.includes(entry.type)) {
      return {
        error: `Content item type ${String(entry.type)} is not accepted (accept_types is ltiResourceLink).`,
      };
    }
    if (entry.url !== undefined && !isHttpUrl(entry.url))
      return { error: 'A content item url is not an http(s) URL.' };
    items.push({ type: entry.type, title: text(entry.title), text: text(entry.text), url: text(entry.url) });
  }
  return { items, msg: text(payload[`${DL}msg`]), errormsg: text(payload[`${DL}errormsg`]) };
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}
