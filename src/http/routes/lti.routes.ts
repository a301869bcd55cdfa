import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config/env.js';
import { AppError } from '../../lib/errors.js';
import { createDeepLink } from '../../lti/deep-linking.service.js';
import { bindingCookieName, finishLaunch, startLogin } from '../../lti/launch.service.js';
import { LaunchRefused, REFUSALS } from '../../lti/launch-refusal.js';
import type { LaunchStateStore } from '../../lti/launch-state.store.js';
import { ltijsProvider } from '../../lti/ltijs.js';
import { registerDynamically } from '../../lti/registration.service.js';
import { canvasConfiguration, toolUrls } from '../../lti/tool-configuration.js';
import { requireSession } from '../middleware/session.js';

const loginSchema = z.object({
  iss: z.string().url(),
  login_hint: z.string().min(1),
  target_link_uri: z.string().url(),
  client_id: z.string().min(1).optional(),
  lti_deployment_id: z.string().min(1).optional(),
  lti_message_hint: z.string().optional(),
  lti_storage_target: z.string().max(100).optional(),
});

const launchSchema = z.object({
  id_token: z.string().max(64_000).optional(),
  state: z.string().max(200).optional(),
  lti_storage_binding: z.string().max(200).optional(),
});

/** Tells the LMS admin what to do about refusals that are configuration, not attacks. */
function adminHint(refusal: LaunchRefused): string | undefined {
  if (refusal.code === 'unknown_deployment' && refusal.detail) {
    return `Approve this deployment with: npm run lti -- deployments add --issuer <issuer> --client-id <client id> --deployment-id ${refusal.detail}`;
  }
  if (refusal.code === 'unknown_platform')
    return 'Register the LMS with `npm run lti -- platforms add …` or dynamic registration.';
  if (refusal.code === 'inactive_platform') return 'Activate it with `npm run lti -- platforms activate …`.';
  return undefined;
}

function renderRefusal(res: Response, refusal: LaunchRefused) {
  const restartUrl = refusal.restartLogin
    ? `/lti/login?${new URLSearchParams(Object.entries(refusal.restartLogin).filter(([key]) => key !== 'lti_storage_target'))}`
    : undefined;
  res.status(refusal.status).render('lti-refused', {
    message: refusal.message,
    code: refusal.code,
    restartUrl,
    adminHint: adminHint(refusal),
  });
}

/** The LTI endpoints an LMS talks to: login, launch, keys, registration, Canvas config, deep-link return. */
export function ltiRoutes(config: Config, states: LaunchStateStore): Router {
  const router = Router();
  const urls = toolUrls(config.PUBLIC_URL);
  const secureCookies =
    urls.publicUrl.startsWith('https://') || new URL(urls.publicUrl).hostname === 'localhost';
  // The launch is a cross-site POST from the LMS (often inside its iframe): browsers send and accept a
  // cookie there only when it is SameSite=None, which they take only with Secure. HttpOnly: no script reads it.
  const bindingCookie = {
    path: '/lti',
    httpOnly: true,
    secure: secureCookies,
    sameSite: secureCookies ? ('none' as const) : ('lax' as const),
  };

  const login = async (req: Request, res: Response) => {
    const params = loginSchema.safeParse({ ...req.query, ...(req.body ?? {}) });
    if (!params.success) {
      const field = String(params.error.issues[0]?.path[0] ?? 'parameter');
      renderRefusal(res, new LaunchRefused('missing_login_parameter', field, 400));
      return;
    }
    const started = await startLogin(params.data, urls, states);
    res.setHeader(
      'Set-Cookie',
      serializeCookie(bindingCookieName(started.state), started.binding, { ...bindingCookie, maxAge: 600 }),
    );
    if (started.storageTarget) {
      res.render('lti-login-storage', {
        storageTarget: started.storageTarget,
        platformOrigin: started.platformOrigin,
        storageKey: `chatref_bind_${started.state.slice(0, 16)}`,
        binding: started.binding,
        authorizationUrl: started.authorizationUrl,
      });
      return;
    }
    res.redirect(302, started.authorizationUrl);
  };
  router.get('/lti/login', login);
  router.post('/lti/login', login);

  router.post('/lti/launch', async (req, res) => {
    const body = launchSchema.safeParse(req.body ?? {});
    if (!body.success) {
      renderRefusal(res, new LaunchRefused('malformed_token', undefined, 400));
      return;
    }
    const cookies = parseCookies(req.get('cookie') ?? '');
    const state = body.data.state;
    const outcome = await finishLaunch(
      {
        idToken: body.data.id_token,
        state,
        cookieBinding: state ? cookies[bindingCookieName(state)] : undefined,
        storageBinding: body.data.lti_storage_binding,
      },
      { secret: config.LTI_ENCRYPTION_KEY, states },
    );
    if (outcome.kind === 'check-storage') {
      res.render('lti-launch-storage', outcome);
      return;
    }
    // Cleared with the same attributes: a framed browser ignores a cross-site Set-Cookie without them.
    if (state) res.clearCookie(bindingCookieName(state), bindingCookie);
    res.redirect(303, `${outcome.landingPath}?ltik=${encodeURIComponent(outcome.sessionToken)}`);
  });

  router.get('/lti/register', async (req, res) => {
    const openIdConfigurationUrl = req.query.openid_configuration;
    if (typeof openIdConfigurationUrl !== 'string') {
      res.status(400).render('message', {
        title: 'LTI Dynamic Registration',
        message: `Paste ${urls.registrationUrl} into your LMS's "register a tool by URL" field; the LMS opens it with its configuration.`,
      });
      return;
    }
    const registered = await registerDynamically({
      openIdConfigurationUrl,
      registrationToken:
        typeof req.query.registration_token === 'string' ? req.query.registration_token : undefined,
      publicUrl: urls.publicUrl,
      autoActivate: config.LTI_DYNREG_AUTO_ACTIVATE,
    });
    res.render('lti-registered', {
      platformName: registered.platform.name,
      active: registered.platform.active,
      issuer: registered.platform.issuer,
      clientId: registered.platform.clientId,
      deploymentId: registered.deploymentId,
    });
  });

  router.get('/lti/canvas.json', (_req, res) => {
    res.json(canvasConfiguration(urls.publicUrl));
  });

  router.post(
    '/lti/deep-link',
    requireSession(config.LTI_ENCRYPTION_KEY, ['instructor', 'admin']),
    async (req, res) => {
      const title = z.string().trim().min(1).max(100).catch('Ask for help').parse(req.body?.title);
      const form = await createDeepLink({ session: res.locals.session, title, launchUrl: urls.launchUrl });
      res.render('autosubmit', {
        title: 'Adding Chatref',
        status: `Adding “${title}” to your course…`,
        action: form.returnUrl,
        fields: { JWT: form.jwt },
      });
    },
  );

  // ltijs serves the tool's public keys (one pair per platform, kept in the database).
  router.use('/lti', async (req, res, next) => {
    if (req.path !== '/keys') return next();
    (await ltijsProvider()).app(req, res, next);
  });
  return router;
}

/** Renders refusals from the LTI routes as plain-words pages instead of JSON. */
export function ltiRefusalPages(
  error: unknown,
  _req: Request,
  res: Response,
  next: (error?: unknown) => void,
): void {
  if (error instanceof LaunchRefused) {
    renderRefusal(res, error);
    return;
  }
  if (error instanceof AppError && _req.path.startsWith('/lti/')) {
    res.status(error.status).render('lti-refused', {
      message: error.message,
      code: error.code,
      restartUrl: undefined,
      adminHint: undefined,
    });
    return;
  }
  next(error);
}

export { REFUSALS };
