import {
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import type { Tenant } from '../tenants/tenant.model.js';
import type { DeploymentKey } from '../tenants/tenant.service.js';
import { CLAIM, MESSAGE_TYPES, type MessageType } from './claims.js';
import { LaunchRefused } from './launch-refusal.js';

/** Clock difference we tolerate between the LMS and us. */
const CLOCK_SKEW_SECONDS = 60;

export interface LaunchValidationDeps {
  /** The registered platform for (issuer, client id), or null. */
  findPlatform(issuer: string, clientId: string): Promise<{ jwksUrl: string; active: boolean } | null>;
  /** The tenant owning an allowed deployment, or null. */
  findTenant(key: DeploymentKey): Promise<Tenant | null>;
  keys(jwksUrl: string): JWTVerifyGetKey;
  nowSeconds?: () => number;
}

export interface ExpectedLogin {
  issuer: string;
  clientId: string;
  nonce: string;
}

export interface ValidLaunch {
  claims: JWTPayload & Record<string, unknown>;
  issuer: string;
  clientId: string;
  deploymentId: string;
  messageType: MessageType;
  tenant: Tenant;
}

function requireString(claims: Record<string, unknown>, name: string, label = name): string {
  const value = claims[name];
  if (typeof value !== 'string' || value.length === 0) throw new LaunchRefused('missing_claim', label, 400);
  return value;
}

/**
 * Checks an id token the way the LTI 1.3 security framework asks, closing what ltijs 5.9 leaves open:
 * RS256 with a published kid (keys cached), signature, issuer, audience and azp, exp and a not-future
 * iat, the nonce sent at this login, LTI version and message type, required claims, and the deployment
 * on the tenant allowlist. Throws LaunchRefused with the first problem found.
 */
export async function validateIdToken(
  idToken: string,
  expected: ExpectedLogin,
  deps: LaunchValidationDeps,
): Promise<ValidLaunch> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  let unverified: JWTPayload;
  try {
    header = decodeProtectedHeader(idToken);
    unverified = decodeJwt(idToken);
  } catch {
    throw new LaunchRefused('malformed_token', undefined, 400);
  }
  if (header.alg !== 'RS256') throw new LaunchRefused('unsupported_algorithm', String(header.alg ?? 'none'));
  if (!header.kid) throw new LaunchRefused('missing_kid');

  const issuer = requireString(unverified, 'iss', 'issuer (iss)');
  if (unverified.aud === undefined) throw new LaunchRefused('missing_claim', 'audience (aud)', 400);
  const audiences = Array.isArray(unverified.aud) ? unverified.aud : [unverified.aud];
  if (Array.isArray(unverified.aud) && unverified.aud.length > 1 && !unverified.azp)
    throw new LaunchRefused('missing_azp');
  if (unverified.azp !== undefined && unverified.azp !== expected.clientId)
    throw new LaunchRefused('wrong_azp');
  if (issuer !== expected.issuer) throw new LaunchRefused('state_mismatch', 'issuer differs from the login');
  if (!audiences.includes(expected.clientId)) throw new LaunchRefused('wrong_audience');
  const clientId = expected.clientId;

  const platform = await deps.findPlatform(issuer, clientId);
  if (!platform) throw new LaunchRefused('unknown_platform', issuer, 403);
  if (!platform.active) throw new LaunchRefused('inactive_platform', undefined, 403);

  let claims: JWTPayload & Record<string, unknown>;
  try {
    ({ payload: claims } = await jwtVerify(idToken, deps.keys(platform.jwksUrl), {
      algorithms: ['RS256'],
      issuer,
      audience: clientId,
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ['exp', 'iat'],
      currentDate: deps.nowSeconds ? new Date(deps.nowSeconds() * 1000) : undefined,
    }));
  } catch (error) {
    if (error instanceof errors.JWKSNoMatchingKey) throw new LaunchRefused('unknown_kid');
    if (error instanceof errors.JWTExpired) throw new LaunchRefused('expired');
    if (error instanceof errors.JWSSignatureVerificationFailed) throw new LaunchRefused('bad_signature');
    if (error instanceof errors.JWTClaimValidationFailed) {
      throw new LaunchRefused(
        'missing_claim',
        error.claim === 'iat' || error.claim === 'exp' ? error.claim : error.message,
        400,
      );
    }
    if (error instanceof errors.JOSEError) throw new LaunchRefused('bad_signature', error.code);
    throw error;
  }

  const now = deps.nowSeconds?.() ?? Math.floor(Date.now() / 1000);
  if (typeof claims.iat === 'number' && claims.iat > now + CLOCK_SKEW_SECONDS)
    throw new LaunchRefused('issued_in_future');
  if (typeof claims.nonce !== 'string' || !claims.nonce) throw new LaunchRefused('missing_nonce');
  if (claims.nonce !== expected.nonce) throw new LaunchRefused('nonce_mismatch');

  if (claims[CLAIM.version] === undefined) throw new LaunchRefused('missing_claim', 'LTI version', 400);
  if (claims[CLAIM.version] !== '1.3.0')
    throw new LaunchRefused('wrong_version', String(claims[CLAIM.version]), 400);
  const messageType = requireString(claims, CLAIM.messageType, 'message type');
  if (!(MESSAGE_TYPES as readonly string[]).includes(messageType)) {
    throw new LaunchRefused('unsupported_message', messageType, 400);
  }
  requireString(claims, 'sub', 'user (sub)');
  const deploymentId = requireString(claims, CLAIM.deploymentId, 'deployment id');
  if (messageType === 'LtiResourceLinkRequest') {
    const link = claims[CLAIM.resourceLink] as { id?: unknown } | undefined;
    if (typeof link?.id !== 'string' || !link.id)
      throw new LaunchRefused('missing_claim', 'resource link id', 400);
  } else {
    const settings = claims[CLAIM.deepLinkingSettings] as { deep_link_return_url?: unknown } | undefined;
    if (typeof settings?.deep_link_return_url !== 'string') {
      throw new LaunchRefused('missing_claim', 'deep linking return URL', 400);
    }
  }
  // Roles are required in every launch; a platform says "no role" with an empty list, never by leaving it out.
  const roles = claims[CLAIM.roles];
  if (roles === undefined)
    throw new LaunchRefused('missing_claim', 'roles (send an empty list for a person with no role)', 400);
  if (!Array.isArray(roles)) throw new LaunchRefused('missing_claim', 'roles must be a list', 400);

  const tenant = await deps.findTenant({ issuer, clientId, deploymentId });
  if (!tenant) throw new LaunchRefused('unknown_deployment', deploymentId, 403);

  return { claims, issuer, clientId, deploymentId, messageType: messageType as MessageType, tenant };
}
