import { randomUUID } from 'node:crypto';
import { decodeJwt, errors, jwtVerify, SignJWT } from 'jose';
import { TOOL_ALGORITHMS, type ToolClient, toolKeySet } from './clients.js';
import { CLIENT_ASSERTION_TYPE, type PlatformUrls } from './constants.js';
import { platformKeys } from './keys.js';

/** OAuth 2.0 client credentials with a private_key_jwt client assertion (LTI Security Framework §4). */

export const ACCESS_TOKEN_TTL_SECONDS = 3600;

export interface TokenError {
  status: 400 | 401;
  error: 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope';
  description: string;
}

export interface TokenGrant {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** Remembers client assertion jti values until they expire, so an assertion cannot be replayed. */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  /** True the first time a value is seen before its expiry, false for a replay. */
  claim(value: string, expiresAt: number): boolean {
    const now = Date.now() / 1000;
    for (const [key, exp] of this.seen) if (exp < now) this.seen.delete(key);
    if (this.seen.has(value)) return false;
    this.seen.set(value, expiresAt);
    return true;
  }
}

function fail(status: 400 | 401, error: TokenError['error'], description: string): TokenError {
  return { status, error, description };
}

/**
 * Checks a token request and issues an access token (a JWT signed by the platform, so every
 * web process can check it without shared state).
 */
export async function grantToken(
  body: Record<string, unknown>,
  urls: PlatformUrls,
  findClient: (clientId: string) => Promise<ToolClient | undefined>,
  replays: ReplayGuard,
): Promise<TokenGrant | TokenError> {
  if (body.grant_type !== 'client_credentials') {
    return fail(400, 'unsupported_grant_type', 'grant_type must be client_credentials.');
  }
  if (body.client_assertion_type !== CLIENT_ASSERTION_TYPE) {
    return fail(400, 'invalid_request', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}.`);
  }
  const assertion = body.client_assertion;
  if (typeof assertion !== 'string' || !assertion)
    return fail(400, 'invalid_request', 'client_assertion is missing.');

  let claimedClient: unknown;
  try {
    claimedClient = decodeJwt(assertion).iss;
  } catch {
    return fail(401, 'invalid_client', 'client_assertion is not a JWT.');
  }
  const client = typeof claimedClient === 'string' ? await findClient(claimedClient) : undefined;
  if (!client) return fail(401, 'invalid_client', 'The assertion names no client registered here.');

  let exp: number;
  let jti: string;
  try {
    const { payload } = await jwtVerify(assertion, toolKeySet(client.jwksUrl), {
      issuer: client.clientId,
      subject: client.clientId,
      // LTI says the token endpoint; some tools send the issuer or authorization server.
      audience: [urls.tokenUrl, urls.issuer],
      algorithms: TOOL_ALGORITHMS,
      requiredClaims: ['exp', 'jti'],
      clockTolerance: 5,
    });
    exp = payload.exp as number;
    jti = payload.jti as string;
  } catch (error) {
    return fail(401, 'invalid_client', `The client assertion was refused: ${describeJoseError(error)}`);
  }
  if (!replays.claim(`${client.clientId}:${jti}`, exp)) {
    return fail(401, 'invalid_client', 'This client assertion (jti) was already used.');
  }

  const requested = typeof body.scope === 'string' ? body.scope.split(/\s+/).filter(Boolean) : [];
  if (!requested.length) return fail(400, 'invalid_scope', 'No scope was requested.');
  const granted = requested.filter((scope) => client.scopes.includes(scope));
  if (!granted.length) return fail(400, 'invalid_scope', 'None of the requested scopes is available.');

  const keys = await platformKeys();
  const scope = granted.join(' ');
  const accessToken = await new SignJWT({ scope, client_id: client.clientId })
    .setProtectedHeader({ alg: keys.alg, kid: keys.kid, typ: 'at+jwt' })
    .setIssuer(urls.issuer)
    .setSubject(client.clientId)
    .setAudience(urls.tokenUrl)
    .setIssuedAt()
    .setExpirationTime(`${ACCESS_TOKEN_TTL_SECONDS}s`)
    .setJti(randomUUID())
    .sign(keys.privateKey);
  return { access_token: accessToken, token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL_SECONDS, scope };
}

/** The client id and scopes of a Bearer access token this platform issued, or undefined. */
export async function verifyAccessToken(
  authorization: string | undefined,
  urls: PlatformUrls,
): Promise<{ clientId: string; scopes: string[] } | undefined> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match?.[1]) return undefined;
  const keys = await platformKeys();
  try {
    const { payload } = await jwtVerify(match[1], keys.publicKey, {
      issuer: urls.issuer,
      audience: urls.tokenUrl,
      algorithms: [keys.alg],
      typ: 'at+jwt',
    });
    if (typeof payload.sub !== 'string' || typeof payload.scope !== 'string') return undefined;
    return { clientId: payload.sub, scopes: payload.scope.split(' ') };
  } catch {
    return undefined;
  }
}

/** A short, safe explanation of why jose refused a token. */
export function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} ${error.reason}.`;
  if (error instanceof errors.JWTExpired) return 'the token has expired.';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the signature does not verify.';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key in the tool JWKS matches the token kid.';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the signing algorithm is not allowed.';
  if (error instanceof errors.JWKSTimeout) return 'the tool JWKS did not answer in time.';
  if (error instanceof errors.JOSEError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : 'unknown error.';
}
