import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { LMS_CSS, LMS_JS } from './assets.js';
import { buildIdTokenClaims, issueDeepLinkingData, signIdToken } from './claims.js';
import { findClient, RegistrationModel, type ToolClient, type ToolEndpoints } from './clients.js';
import {
  COURSE,
  DEV_LMS_CLIENT_ID,
  DEV_LMS_PRODUCT,
  DEV_LMS_VERSION,
  type DocumentTarget,
  findUser,
  LAUNCH_ROLES,
  LAUNCH_USERS,
  type LaunchRole,
  MESSAGE_TYPES,
  type MessageKind,
  NRPS_MEDIA_TYPE,
  NRPS_SCOPE,
  PLATFORM_CONFIGURATION,
  platformUrls,
} from './constants.js';
import { verifyDeepLinkingResponse } from './deep-linking.js';
import {
  openLoginHint,
  openMessageHint,
  sealLoginHint,
  sealMessageHint,
  sealRegistrationToken,
} from './hints.js';
import { platformKeys } from './keys.js';
import { membershipPage } from './nrps.js';
import { grantToken, ReplayGuard, verifyAccessToken } from './oauth.js';
import {
  avatarSvg,
  deepLinkResultPage,
  errorPage,
  formPostPage,
  homePage,
  registerToolPage,
  returnPage,
} from './pages.js';
import { registerTool, SUBSTITUTION_VARIABLES, substituteCustom } from './registration.js';

export interface DevLmsOptions {
  /** Public base URL of the whole app, e.g. http://localhost:3000 (no trailing slash). The platform lives at `${publicUrl}/dev/lms`. */
  publicUrl: string;
  /** The tool's endpoints (the platform's registration of the tool). */
  tool: ToolEndpoints;
}

/** Counters that let tests prove the tool caches access tokens. Per process. */
export interface DevLmsStats {
  tokenGrants: number;
  membershipRequests: number;
}

/** Request parameters from the query and, for POST, the form body; only single string values count. */
function params(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  const sources = [req.query as Record<string, unknown>, (req.body ?? {}) as Record<string, unknown>];
  for (const source of sources) {
    for (const [key, value] of Object.entries(source)) if (typeof value === 'string') out[key] = value;
  }
  return out;
}

function origins(...urls: string[]): string[] {
  return [...new Set(urls.map((url) => new URL(url).origin))];
}

/**
 * Our pages' own CSP: no inline code anywhere, frames and form posts only to the tool's origins,
 * and framing only by the LMS itself (the authorization page runs inside the course page's iframe).
 */
function contentSecurityPolicy(allowed: { frames?: string[]; forms?: string[] } = {}): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    ["frame-src 'self'", ...(allowed.frames ?? [])].join(' '),
    ["form-action 'self'", ...(allowed.forms ?? [])].join(' '),
    "frame-ancestors 'self'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

function sendPage(res: Response, status: number, body: string, csp = contentSecurityPolicy()): void {
  res
    .status(status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': csp,
      'Cache-Control': 'no-store',
    })
    .send(body);
}

function isOneOf<T extends string>(value: string | undefined, allowed: readonly T[]): value is T {
  return value !== undefined && (allowed as readonly string[]).includes(value);
}

/** The development LMS as an express Router, to mount at /dev/lms. */
export function createDevLmsRouter(options: DevLmsOptions): Router {
  const urls = platformUrls(options.publicUrl);
  const base = urls.path;
  const stats: DevLmsStats = { tokenGrants: 0, membershipRequests: 0 };
  const assertionReplays = new ReplayGuard();
  const deepLinkNonces = new ReplayGuard();
  const lookup = (clientId: string) => findClient(options.tool, clientId);
  const toolOrigins = (client: ToolClient) =>
    origins(client.loginUrl, client.launchUrl, client.deepLinkUrl, ...client.redirectUris);

  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: '256kb' }));
  router.use(express.json({ limit: '256kb' }));

  router.get('/lms.js', (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'no-cache').send(LMS_JS);
  });
  router.get('/lms.css', (_req, res) => {
    res.type('text/css').set('Cache-Control', 'no-cache').send(LMS_CSS);
  });

  router.get('/', async (req, res) => {
    const query = params(req);
    const client = await lookup(query.client_id ?? DEV_LMS_CLIENT_ID);
    if (!client) {
      sendPage(
        res,
        404,
        errorPage(base, 'No such tool', [`No tool is registered with client id ${query.client_id}.`]),
      );
      return;
    }
    const target: DocumentTarget = query.target === 'window' ? 'window' : 'iframe';
    const allowed = toolOrigins(client);
    const page = homePage({
      base,
      target,
      toolOrigin: new URL(client.loginUrl).origin,
      clientId: client.clientId === DEV_LMS_CLIENT_ID ? undefined : client.clientId,
      toolName: client.clientId === DEV_LMS_CLIENT_ID ? 'Course assistant (Chatref)' : client.name,
    });
    sendPage(res, 200, page, contentSecurityPolicy({ frames: allowed, forms: allowed }));
  });

  // OIDC third-party-initiated login: the platform sends the browser to the tool's login URL.
  const launch = async (req: Request, res: Response) => {
    const input = params(req);
    const reasons: string[] = [];
    const role = input.role;
    const message = input.message ?? 'resource';
    const target = input.target ?? 'iframe';
    if (!isOneOf(role, LAUNCH_ROLES)) reasons.push('role must be learner, instructor or admin.');
    if (!isOneOf<MessageKind>(message, ['resource', 'deeplink']))
      reasons.push('message must be resource or deeplink.');
    if (!isOneOf<DocumentTarget>(target, ['iframe', 'window']))
      reasons.push('target must be iframe or window.');
    if (message === 'deeplink' && role === 'learner')
      reasons.push('Only instructors and admins can place content.');
    const client = await lookup(input.client_id ?? DEV_LMS_CLIENT_ID);
    if (!client) reasons.push(`No tool is registered with client id ${input.client_id}.`);
    if (reasons.length || !client) {
      sendPage(res, 400, errorPage(base, 'The launch could not start', reasons));
      return;
    }
    const user = LAUNCH_USERS[role as LaunchRole];
    const login = new URL(client.loginUrl);
    const set = (name: string, value: string) => login.searchParams.set(name, value);
    set('iss', urls.issuer);
    set('login_hint', await sealLoginHint(user.id));
    set('target_link_uri', message === 'deeplink' ? client.deepLinkUrl : client.launchUrl);
    set(
      'lti_message_hint',
      await sealMessageHint({
        role: role as LaunchRole,
        message: message as MessageKind,
        target: target as DocumentTarget,
        clientId: client.clientId,
        userId: user.id,
      }),
    );
    set('client_id', client.clientId);
    set('lti_deployment_id', client.deploymentId);
    // Platform storage answers from the page that frames the tool; a whole-window launch has no such page.
    if (target === 'iframe') set('lti_storage_target', '_parent');
    res.redirect(302, login.toString());
  };
  router.route('/launch').get(launch).post(launch);

  // OIDC authorization endpoint: checks the tool's authentication request, answers with a form-posted id token.
  const authorize = async (req: Request, res: Response) => {
    const input = params(req);
    const reasons: string[] = [];
    const scopes = (input.scope ?? '').split(/\s+/);
    if (!scopes.includes('openid')) reasons.push('scope must be openid.');
    if (input.response_type !== 'id_token') reasons.push('response_type must be id_token.');
    if (input.response_mode !== 'form_post') reasons.push('response_mode must be form_post.');
    if (input.prompt !== 'none') reasons.push('prompt must be none.');
    const client = input.client_id ? await lookup(input.client_id) : undefined;
    if (!client) reasons.push(`client_id ${input.client_id ?? '(missing)'} is not registered here.`);
    const redirectUri = input.redirect_uri;
    if (client && (!redirectUri || !client.redirectUris.includes(redirectUri))) {
      reasons.push(
        `redirect_uri ${redirectUri ?? '(missing)'} is not a registered redirect URI of this tool.`,
      );
    }
    const userId = await openLoginHint(input.login_hint);
    if (!userId || !findUser(userId)) reasons.push('login_hint is missing, altered or expired.');
    const intent = await openMessageHint(input.lti_message_hint);
    if (!intent) reasons.push('lti_message_hint is missing, altered or expired.');
    else {
      if (client && intent.clientId !== client.clientId)
        reasons.push('lti_message_hint was issued to another tool.');
      if (userId && intent.userId !== userId)
        reasons.push('lti_message_hint and login_hint name different users.');
    }
    if (!input.nonce) reasons.push('nonce is missing.');
    if (!input.state) reasons.push('state is missing.');
    if (reasons.length || !client || !intent || !redirectUri || !input.nonce || !input.state) {
      sendPage(res, 400, errorPage(base, 'The authorization request was refused', reasons));
      return;
    }

    const user = LAUNCH_USERS[intent.role];
    const deepLinking = intent.message === 'deeplink';
    const claims = buildIdTokenClaims(
      {
        role: intent.role,
        nonce: input.nonce,
        messageType: MESSAGE_TYPES[intent.message],
        clientId: client.clientId,
        deploymentId: client.deploymentId,
        targetLinkUri: deepLinking ? client.deepLinkUrl : client.launchUrl,
        documentTarget: intent.target,
        deepLinkingData: deepLinking ? await issueDeepLinkingData(client.clientId, COURSE.id) : undefined,
        custom: substituteCustom(client.custom, user),
      },
      options.publicUrl,
    );
    const idToken = await signIdToken(claims);
    const page = formPostPage(base, redirectUri, { id_token: idToken, state: input.state });
    sendPage(res, 200, page, contentSecurityPolicy({ forms: origins(redirectUri) }));
  };
  router.route('/authorize').get(authorize).post(authorize);

  router.get('/jwks', async (_req, res) => {
    const keys = await platformKeys();
    res.set('Cache-Control', 'public, max-age=300').json({ keys: [keys.publicJwk] });
  });

  router.get('/.well-known/openid-configuration', (_req, res) => {
    res.json({
      issuer: urls.issuer,
      authorization_endpoint: urls.authUrl,
      token_endpoint: urls.tokenUrl,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256'],
      jwks_uri: urls.jwksUrl,
      registration_endpoint: urls.registrationUrl,
      scopes_supported: ['openid', NRPS_SCOPE],
      response_types_supported: ['id_token'],
      subject_types_supported: ['public', 'pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      claims_supported: [
        'iss',
        'aud',
        'sub',
        'iat',
        'exp',
        'nonce',
        'name',
        'given_name',
        'family_name',
        'email',
        'picture',
        'locale',
      ],
      [PLATFORM_CONFIGURATION]: {
        product_family_code: DEV_LMS_PRODUCT,
        version: DEV_LMS_VERSION,
        messages_supported: [{ type: MESSAGE_TYPES.resource }, { type: MESSAGE_TYPES.deeplink }],
        variables: Object.keys(SUBSTITUTION_VARIABLES),
      },
    });
  });

  router.post('/registrations', async (req, res) => {
    const outcome = await registerTool(req.headers.authorization, req.body);
    res.status(outcome.status).set('Cache-Control', 'no-store').json(outcome.body);
  });

  router.get('/register-tool', async (_req, res) => {
    const registered = await RegistrationModel.find({}, { clientId: 1, clientName: 1, deploymentId: 1 })
      .sort({ createdAt: -1 })
      .limit(20)
      .lean();
    const page = registerToolPage({
      base,
      defaultRegistrationUrl: options.tool.registrationUrl,
      openidConfiguration: urls.openidConfiguration,
      registrationToken: await sealRegistrationToken(randomUUID()),
      registered: registered.map((doc) => ({
        clientId: doc.clientId,
        name: doc.clientName,
        deploymentId: doc.deploymentId,
      })),
    });
    // The admin types any tool's registration URL, so the frame may load any web origin.
    sendPage(res, 200, page, contentSecurityPolicy({ frames: ['http:', 'https:'] }));
  });

  router.post('/token', async (req, res) => {
    const outcome = await grantToken(
      (req.body ?? {}) as Record<string, unknown>,
      urls,
      lookup,
      assertionReplays,
    );
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    if ('error' in outcome) {
      res.status(outcome.status).json({ error: outcome.error, error_description: outcome.description });
      return;
    }
    stats.tokenGrants += 1;
    res.json(outcome);
  });

  router.get('/nrps/:contextId/memberships', async (req, res) => {
    const access = await verifyAccessToken(req.headers.authorization, urls);
    if (!access) {
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer error="invalid_token"')
        .json({ error: 'invalid_token', error_description: 'A valid Bearer access token is required.' });
      return;
    }
    if (!access.scopes.includes(NRPS_SCOPE)) {
      res
        .status(403)
        .set('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${NRPS_SCOPE}"`)
        .json({ error: 'insufficient_scope', error_description: `The token lacks ${NRPS_SCOPE}.` });
      return;
    }
    stats.membershipRequests += 1;
    const query = params(req);
    const result = membershipPage(
      req.params.contextId ?? '',
      { role: query.role, limit: query.limit, page: query.page, rlid: query.rlid },
      urls,
    );
    if ('status' in result) {
      res.status(result.status).json({
        error: result.status === 404 ? 'not_found' : 'bad_request',
        error_description: result.message,
      });
      return;
    }
    if (result.next) res.set('Link', `<${result.next}>; rel="next"`);
    res.status(200).type(NRPS_MEDIA_TYPE).send(JSON.stringify(result.container));
  });

  router.post('/deep-linking/return', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const result = await verifyDeepLinkingResponse(body.JWT, urls, lookup, deepLinkNonces);
    if ('error' in result) {
      sendPage(res, 400, errorPage(base, 'The deep-linking response was refused', [result.error]));
      return;
    }
    sendPage(res, 200, deepLinkResultPage(base, result.items, result));
  });

  router.get('/return', (req, res) => {
    const query = params(req);
    sendPage(res, 200, returnPage(base, { msg: query.lti_msg, errormsg: query.lti_errormsg }));
  });

  router.get('/avatars/:file', (req, res) => {
    const user = findUser((req.params.file ?? '').replace(/\.svg$/, ''));
    if (!user) {
      res.status(404).type('text/plain').send('No such avatar.');
      return;
    }
    const hue = [...user.id].reduce((sum, char) => sum + char.charCodeAt(0), 0) % 360;
    res
      .type('image/svg+xml')
      .set({ 'Cache-Control': 'public, max-age=86400', 'Content-Security-Policy': "default-src 'none'" })
      .send(avatarSvg(`${user.givenName[0] ?? ''}${user.familyName[0] ?? ''}`, hue));
  });

  router.get('/stats', (_req, res) => {
    res.set('Cache-Control', 'no-store').json(stats);
  });

  return router;
}
