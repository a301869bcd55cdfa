import { randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Collection } from 'mongodb';
import { Types } from 'mongoose';
import { CourseModel } from '../courses/course.model.js';
import { stableObjectId } from '../lib/ids.js';
import { InsertBatcher } from '../lib/insert-batcher.js';
import { findTenantForDeployment } from '../tenants/tenant.service.js';
import { type ProductRole, UserModel } from '../users/user.model.js';
import { CLAIM } from './claims.js';
import { platformKeys } from './jwks-cache.js';
import { type Launch, LaunchModel } from './launch.model.js';
import { LaunchRefused } from './launch-refusal.js';
import type { LaunchStateStore } from './launch-state.store.js';
import { type ValidLaunch, validateIdToken } from './launch-validator.js';
import { findPlatform, findPlatformsByIssuer } from './platforms.service.js';
import { productFamily } from './product-family.js';
import { productRole } from './roles.js';
import { issueSessionToken } from './session.js';

export interface ToolUrls {
  publicUrl: string;
  launchUrl: string;
}

export interface LoginRequest {
  iss: string;
  login_hint: string;
  target_link_uri: string;
  client_id?: string;
  lti_deployment_id?: string;
  lti_message_hint?: string;
  lti_storage_target?: string;
}

/** What the login step answers: the URL of the LMS authorization request, and how to bind the browser. */
export interface LoginStart {
  authorizationUrl: string;
  state: string;
  binding: string;
  /** When the LMS offers platform storage, the page stores the binding there before redirecting. */
  storageTarget?: string;
  platformOrigin: string;
}

const token = () => randomBytes(24).toString('base64url');

/** Cookie that binds a launch to the browser that started the login (when cookies are allowed). */
export const bindingCookieName = (state: string) => `lti_bind_${state.slice(0, 16)}`;
/** Key under which the binding lives in LMS platform storage. */
export const storageKey = (state: string) => `chatref_bind_${state.slice(0, 16)}`;

/**
 * OIDC third-party-initiated login: remembers state, nonce and a browser binding, and builds the
 * authorization request to the LMS.
 */
export async function startLogin(
  request: LoginRequest,
  urls: ToolUrls,
  states: LaunchStateStore,
): Promise<LoginStart> {
  if (!request.target_link_uri.startsWith(urls.publicUrl)) {
    throw new LaunchRefused('missing_login_parameter', 'target_link_uri must point to this tool', 400);
  }
  let platform = request.client_id ? await findPlatform(request.iss, request.client_id) : null;
  if (!request.client_id) {
    const candidates = await findPlatformsByIssuer(request.iss);
    // Without client_id we can only proceed when the issuer has exactly one registration.
    if (candidates.length === 1) platform = candidates[0] ?? null;
    else if (candidates.length > 1) throw new LaunchRefused('missing_login_parameter', 'client_id', 400);
  }
  if (!platform) throw new LaunchRefused('unknown_platform', request.iss, 403);
  if (!platform.active) throw new LaunchRefused('inactive_platform', undefined, 403);

  const state = token();
  const nonce = token();
  const binding = token();
  const loginParams = Object.fromEntries(
    Object.entries(request).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
  await states.save({
    state,
    nonce,
    binding,
    issuer: platform.issuer,
    clientId: platform.clientId,
    storageTarget: request.lti_storage_target || undefined,
    loginParams,
  });

  const authorization = new URL(platform.authUrl);
  const query: Record<string, string> = {
    scope: 'openid',
    response_type: 'id_token',
    response_mode: 'form_post',
    prompt: 'none',
    client_id: platform.clientId,
    redirect_uri: urls.launchUrl,
    login_hint: request.login_hint,
    state,
    nonce,
  };
  if (request.lti_message_hint) query.lti_message_hint = request.lti_message_hint;
  for (const [key, value] of Object.entries(query)) authorization.searchParams.set(key, value);
  return {
    authorizationUrl: authorization.toString(),
    state,
    binding,
    storageTarget: request.lti_storage_target || undefined,
    platformOrigin: authorization.origin,
  };
}

function same(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export interface LaunchPost {
  idToken?: string;
  state?: string;
  /** The binding cookie for this state, if the browser sent it. */
  cookieBinding?: string;
  /** The binding read back from LMS platform storage by our check page. */
  storageBinding?: string;
}

export type LaunchOutcome =
  | {
      kind: 'check-storage';
      idToken: string;
      state: string;
      storageTarget: string;
      storageKey: string;
      platformOrigin: string;
    }
  | { kind: 'launched'; sessionToken: string; landingPath: string; launch: Launch };

/** Where the launch lands: admins on the inbox, everyone else on the chat; deep linking on the placement page. */
export function landingPath(role: ProductRole, messageType: string): string {
  if (messageType === 'LtiDeepLinkingRequest') return '/deep-link';
  return role === 'admin' ? '/inbox' : '/chat';
}

/**
 * Completes a launch: the state must be known and bound to this browser (cookie, or platform storage
 * when third-party cookies are blocked), is consumed once, and the id token must validate. Nothing is
 * stored before all of that holds.
 */
export async function finishLaunch(
  post: LaunchPost,
  options: { secret: string; states: LaunchStateStore },
): Promise<LaunchOutcome> {
  const { states } = options;
  if (!post.idToken) throw new LaunchRefused('not_a_launch', undefined, 400);
  if (!post.state) throw new LaunchRefused('missing_state', undefined, 400);
  // Spent at once, whatever the outcome: a replay of this post finds nothing.
  const consumed = await states.take(post.state);
  if (!consumed) throw new LaunchRefused('unknown_state');
  const bound = same(post.cookieBinding, consumed.binding) || same(post.storageBinding, consumed.binding);
  if (!bound && consumed.storageTarget && post.storageBinding === undefined) {
    // Third-party cookies blocked: the browser may still prove itself through platform storage.
    await states.putBack(consumed);
    const platform = await findPlatform(consumed.issuer, consumed.clientId);
    return {
      kind: 'check-storage',
      idToken: post.idToken,
      state: post.state,
      storageTarget: consumed.storageTarget,
      storageKey: storageKey(post.state),
      platformOrigin: platform ? new URL(platform.authUrl).origin : '*',
    };
  }
  if (!bound) {
    const refusal = new LaunchRefused('unbound_browser', undefined, 401);
    refusal.restartLogin = consumed.loginParams;
    throw refusal;
  }

  const valid = await validateIdToken(
    post.idToken,
    { issuer: consumed.issuer, clientId: consumed.clientId, nonce: consumed.nonce },
    { findPlatform, findTenant: findTenantForDeployment, keys: platformKeys },
  );
  const role = productRole(valid.claims[CLAIM.roles] as string[] | undefined, valid.tenant.adminRoles);
  if (valid.messageType === 'LtiDeepLinkingRequest' && role === 'learner') {
    throw new LaunchRefused('learner_deep_link', undefined, 403);
  }
  const launch = await recordLaunch(valid, role);
  const sessionToken = await issueSessionToken(
    {
      launchId: String(launch._id),
      tenantId: String(launch.tenantId),
      userId: String(launch.userId),
      courseId: launch.courseId ? String(launch.courseId) : undefined,
      role,
      locale: launch.locale ?? valid.tenant.locale,
    },
    options.secret,
  );
  return { kind: 'launched', sessionToken, landingPath: landingPath(role, valid.messageType), launch };
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/** Upserts the user and course the launch describes and records the launch itself. */
/**
 * Users and courses change rarely between launches. A write is skipped when the same details were
 * written by this process recently; `lastLaunchAt` is therefore accurate to RECORD_REFRESH_MS.
 */
const RECORD_REFRESH_MS = 10 * 60_000;
const recentlyWritten = new LRUCache<string, string>({ max: 50_000, ttl: RECORD_REFRESH_MS });

/**
 * Forgets that this process wrote a person's profile, so their next launch here writes it again (after the
 * profile was erased; src/privacy). Other processes write it again within RECORD_REFRESH_MS.
 */
export function forgetRecentProfile(userId: string): void {
  recentlyWritten.delete(`${UserModel.modelName}:${userId}`);
}

async function upsertUnlessUnchanged(
  model: typeof UserModel | typeof CourseModel,
  id: Types.ObjectId,
  onInsert: Record<string, unknown>,
  fields: Record<string, unknown>,
): Promise<void> {
  const key = `${model.modelName}:${id}`;
  const fingerprint = JSON.stringify(fields);
  if (recentlyWritten.get(key) === fingerprint) return;
  const write = () =>
    (model as typeof UserModel).updateOne(
      { _id: id },
      { $setOnInsert: onInsert, $set: { ...fields, lastLaunchAt: new Date() } },
      { upsert: true },
    );
  try {
    await write();
  } catch (error) {
    // Two first launches at once both try to insert; the loser's retry finds the record and updates it.
    if ((error as { code?: number }).code !== 11000) throw error;
    await write();
  }
  recentlyWritten.set(key, fingerprint);
}

/**
 * Launch records go through the raw driver (built and typed above from validated claims; mongoose's
 * document machinery was a measurable share of a launch's CPU), grouped with concurrent launches.
 */
const launchInserts = new InsertBatcher(() => LaunchModel.collection as unknown as Collection);

/**
 * Upserts the user and course the launch describes and records the launch itself. Their ids derive
 * from the natural keys, so the three writes run at once.
 */
async function recordLaunch(valid: ValidLaunch, role: ProductRole): Promise<Launch> {
  const { claims, tenant, issuer } = valid;
  const tenantId = String(tenant._id);
  const presentation = (claims[CLAIM.launchPresentation] ?? {}) as Record<string, unknown>;
  const locale = str(presentation.locale)?.slice(0, 16);
  const context = claims[CLAIM.context] as { id?: unknown; title?: unknown; label?: unknown } | undefined;
  const namesRoles = claims[CLAIM.namesRoles] as { context_memberships_url?: unknown } | undefined;
  const subject = String(claims.sub);
  const contextId = str(context?.id);
  const userId = stableObjectId(tenantId, issuer, subject);
  const courseId = contextId ? stableObjectId(tenantId, issuer, contextId) : undefined;
  const platformClaim = (claims[CLAIM.toolPlatform] ?? {}) as Record<string, unknown>;
  const link = claims[CLAIM.resourceLink] as { id?: unknown; title?: unknown } | undefined;

  const launch: Launch = {
    _id: new Types.ObjectId(),
    tenantId: tenant._id,
    userId,
    courseId,
    role,
    ltiRoles: (claims[CLAIM.roles] as string[] | undefined) ?? [],
    messageType: valid.messageType,
    issuer,
    clientId: valid.clientId,
    deploymentId: valid.deploymentId,
    resourceLink: str(link?.id) ? { id: String(link?.id), title: str(link?.title) } : undefined,
    platform: {
      guid: str(platformClaim.guid),
      name: str(platformClaim.name),
      productFamily: productFamily(platformClaim),
      productFamilyCode: str(platformClaim.product_family_code),
      version: str(platformClaim.version),
    },
    custom: (claims[CLAIM.custom] as Record<string, unknown>) ?? {},
    locale,
    returnUrl: str(presentation.return_url),
    documentTarget: str(presentation.document_target),
    membershipsUrl: str(namesRoles?.context_memberships_url),
    deepLinkingSettings: claims[CLAIM.deepLinkingSettings] as Record<string, unknown> | undefined,
    createdAt: new Date(),
  };
  await Promise.all([
    upsertUnlessUnchanged(
      UserModel,
      userId,
      { tenantId: tenant._id, issuer, subject },
      {
        name:
          str(claims.name) ??
          ([str(claims.given_name), str(claims.family_name)].filter(Boolean).join(' ') || undefined),
        givenName: str(claims.given_name),
        familyName: str(claims.family_name),
        email: str(claims.email),
        picture: str(claims.picture),
        lastRole: role,
        locale,
      },
    ),
    courseId && contextId
      ? upsertUnlessUnchanged(
          CourseModel,
          courseId,
          { tenantId: tenant._id, issuer, contextId },
          {
            title: str(context?.title),
            label: str(context?.label),
            membershipsUrl: str(namesRoles?.context_memberships_url),
          },
        )
      : undefined,
    launchInserts.insert(launch),
  ]);
  return launch;
}
