import { base64url, SignJWT } from 'jose';
import {
  COURSE,
  DEV_LMS_CLIENT_ID,
  DEV_LMS_DEPLOYMENT_ID,
  DEV_LMS_NAME,
  DEV_LMS_PRODUCT,
  DEV_LMS_VERSION,
  type DemoUser,
  DL_SETTINGS_CLAIM,
  type DocumentTarget,
  fullName,
  LAUNCH_USERS,
  type LaunchRole,
  LTI,
  MESSAGE_TYPES,
  NRPS_CLAIM,
  platformUrls,
  RESOURCE_LINK,
} from './constants.js';
import { openValue, platformKeys, sealValue } from './keys.js';

/** What jose can sign with: a private CryptoKey/KeyObject, a private JWK, or an HMAC secret. */
export type SigningKey = Parameters<SignJWT['sign']>[0];

export type LtiMessageType = (typeof MESSAGE_TYPES)[keyof typeof MESSAGE_TYPES];

export interface IdTokenInput {
  /** Which demo user launches: learner Ana, instructor Iris, admin Adam. */
  role: LaunchRole;
  /** The nonce the tool sent to the authorization endpoint. */
  nonce: string;
  messageType?: LtiMessageType;
  /** Defaults to the built-in registration. */
  clientId?: string;
  deploymentId?: string;
  /** Where the launch goes; defaults to `${publicUrl}/lti`. */
  targetLinkUri?: string;
  documentTarget?: DocumentTarget;
  /** Deep-linking `data` to echo back; see `issueDeepLinkingData`. Defaults to the literal 'opaque'. */
  deepLinkingData?: string;
  /** The `custom` claim; defaults to {}. */
  custom?: Record<string, string>;
  /** Replaces the demo user's identity or roles, for forged edge cases. */
  user?: Partial<DemoUser>;
  /** Issue time in seconds since the epoch; defaults to now. */
  now?: number;
  /** Lifetime in seconds; defaults to 5 minutes. */
  ttlSeconds?: number;
}

/**
 * The claims of an LTI 1.3 id token from the development LMS, exactly as /dev/lms/authorize issues them.
 * Tests change or delete claims from this to forge the launches a tool must refuse.
 */
export function buildIdTokenClaims(input: IdTokenInput, publicUrl: string): Record<string, unknown> {
  const urls = platformUrls(publicUrl);
  const user: DemoUser = { ...LAUNCH_USERS[input.role], ...input.user };
  const messageType = input.messageType ?? MESSAGE_TYPES.resource;
  const now = input.now ?? Math.floor(Date.now() / 1000);
  const documentTarget = input.documentTarget ?? 'iframe';
  const claims: Record<string, unknown> = {
    iss: urls.issuer,
    aud: input.clientId ?? DEV_LMS_CLIENT_ID,
    sub: user.id,
    iat: now,
    exp: now + (input.ttlSeconds ?? 300),
    nonce: input.nonce,
    name: fullName(user),
    given_name: user.givenName,
    family_name: user.familyName,
    email: user.email,
    picture: urls.avatarUrl(user.id),
    locale: 'en',
    [`${LTI}message_type`]: messageType,
    [`${LTI}version`]: '1.3.0',
    [`${LTI}deployment_id`]: input.deploymentId ?? DEV_LMS_DEPLOYMENT_ID,
    [`${LTI}target_link_uri`]: input.targetLinkUri ?? `${publicUrl.replace(/\/+$/, '')}/lti`,
    [`${LTI}roles`]: user.roles,
    [`${LTI}context`]: { id: COURSE.id, label: COURSE.label, title: COURSE.title, type: [...COURSE.type] },
    [`${LTI}tool_platform`]: {
      guid: `${DEV_LMS_PRODUCT}:${new URL(urls.issuer).host}`,
      name: DEV_LMS_NAME,
      product_family_code: DEV_LMS_PRODUCT,
      version: DEV_LMS_VERSION,
    },
    [`${LTI}launch_presentation`]: {
      locale: 'en',
      document_target: documentTarget,
      return_url: urls.returnUrl,
    },
    [`${LTI}lis`]: { person_sourcedid: user.id, course_section_sourcedid: COURSE.id },
    [`${LTI}custom`]: input.custom ?? {},
    [NRPS_CLAIM]: { context_memberships_url: urls.membershipsUrl(COURSE.id), service_versions: ['2.0'] },
  };
  if (messageType === MESSAGE_TYPES.deeplink) {
    claims[DL_SETTINGS_CLAIM] = {
      deep_link_return_url: urls.deepLinkReturnUrl,
      accept_types: ['ltiResourceLink'],
      accept_presentation_document_targets: ['iframe', 'window'],
      accept_multiple: false,
      auto_create: true,
      title: COURSE.title,
      text: `Place the assistant in ${COURSE.title}`,
      data: input.deepLinkingData ?? 'opaque',
    };
  } else {
    claims[`${LTI}resource_link`] = { id: RESOURCE_LINK.id, title: RESOURCE_LINK.title };
  }
  return claims;
}

export interface SignOptions {
  /** Header kid: default the platform's kid, `null` leaves it out. */
  kid?: string | null;
  /** Default RS256; 'none' produces an unsigned token. */
  alg?: string;
  /** Default the platform's private key; 'none' produces an unsigned token. */
  privateKey?: SigningKey | 'none';
}

/**
 * Signs claims as the development LMS does (RS256 with its key and kid), or, for negative tests,
 * with another key, algorithm or kid, or not at all. Needs the default mongoose connection.
 */
export async function signIdToken(
  claims: Record<string, unknown>,
  options: SignOptions = {},
): Promise<string> {
  const keys = await platformKeys();
  const kid = options.kid === undefined ? keys.kid : options.kid;
  const alg = options.alg ?? 'RS256';
  if (alg === 'none' || options.privateKey === 'none') {
    // jose's UnsecuredJWT cannot carry a kid; an attacker's token can.
    const header = { alg: 'none', typ: 'JWT', ...(kid ? { kid } : {}) };
    const encode = (value: object) => base64url.encode(JSON.stringify(value));
    return `${encode(header)}.${encode(claims)}.`;
  }
  return new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })
    .sign(options.privateKey ?? keys.privateKey);
}

/** Deep-linking `data` the return endpoint will accept: sealed so a tool cannot invent or alter it. */
export async function issueDeepLinkingData(
  clientId: string = DEV_LMS_CLIENT_ID,
  contextId: string = COURSE.id,
): Promise<string> {
  const keys = await platformKeys();
  return sealValue({ k: 'dl', c: clientId, x: contextId }, keys.hmacSecret, 3600);
}

/** The client and context a deep-linking `data` value was issued for, or undefined if it is not ours. */
export async function openDeepLinkingData(
  data: unknown,
): Promise<{ clientId: string; contextId: string } | undefined> {
  const payload = openValue(data, (await platformKeys()).hmacSecret);
  if (payload?.k !== 'dl' || typeof payload.c !== 'string' || typeof payload.x !== 'string') return undefined;
  return { clientId: payload.c, contextId: payload.x };
}
