import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import {
  type CryptoKey,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import mongoose from 'mongoose';
import { type Browser, chromium } from 'playwright-core';
import { connectMongo } from '../../src/db/mongo.js';
import {
  buildIdTokenClaims,
  createDevLmsRouter,
  DEV_LMS_CLIENT_ID,
  DEV_LMS_DEPLOYMENT_ID,
  devLmsPlatform,
  forgetPlatformKeys,
  NRPS_SCOPE,
  ROLES,
  signIdToken,
  type ToolEndpoints,
} from '../../src/devlms/index.js';
import { loadPlatformKeysUncached } from '../../src/devlms/keys.js';
import { quietLogger, testServices } from '../support/services.js';

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
const DL = 'https://purl.imsglobal.org/spec/lti-dl/claim/';
const TOOL_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A Dynamic Registration request like the one ltijs sends, for a second tool living under /tool2. */
function registrationBody(appUrl: string, jwksUrl: string, domain = new URL(appUrl).host) {
  return {
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: `${appUrl}/tool2/login`,
    redirect_uris: [`${appUrl}/tool2/launch`],
    client_name: 'Second tool',
    jwks_uri: jwksUrl,
    token_endpoint_auth_method: 'private_key_jwt',
    scope: `https://purl.imsglobal.org/spec/lti-ags/scope/score ${NRPS_SCOPE}`,
    [TOOL_CONFIGURATION]: {
      domain,
      target_link_uri: `${appUrl}/tool2/launch`,
      custom_parameters: { course: '$Context.id', who: '$Person.name.full' },
      messages: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest' }],
    },
  };
}

function unescapeHtml(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The value of a hidden form field in a page we rendered. */
function field(page: string, name: string): string | undefined {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(page);
  return match?.[1] === undefined ? undefined : unescapeHtml(match[1]);
}

describe('Development LMS (LTI 1.3 platform at /dev/lms)', () => {
  let server: Server;
  let appUrl: string;
  let lms: string;
  let tool: ToolEndpoints;
  let toolPrivateKey: CryptoKey;
  let toolJwk: JWK;
  let strangerPrivateKey: CryptoKey;

  before(async () => {
    const { mongoUrl } = await testServices();
    if (mongoose.connection.readyState === 0) await connectMongo(mongoUrl, quietLogger);

    const toolKeys = await generateKeyPair('RS256', { extractable: true });
    toolPrivateKey = toolKeys.privateKey;
    toolJwk = { ...(await exportJWK(toolKeys.publicKey)), kid: 'tool-key-1', alg: 'RS256', use: 'sig' };
    strangerPrivateKey = (await generateKeyPair('RS256')).privateKey;

    const app = express();
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    lms = `${appUrl}/dev/lms`;
    tool = {
      loginUrl: `${appUrl}/tool/login`,
      launchUrl: `${appUrl}/tool/launch`,
      jwksUrl: `${appUrl}/tool/jwks`,
      registrationUrl: `${appUrl}/tool/register`,
    };
    // The fake tool: its key set for the HTTP tests, plus just enough of a login, launch and
    // registration page for the browser tests.
    app.get('/tool/jwks', (_req, res) => {
      res.json({ keys: [toolJwk] });
    });
    app.use('/tool', express.urlencoded({ extended: false }));
    app.all('/tool/login', (req, res) => {
      const input = { ...req.query, ...req.body } as Record<string, string>;
      const state = randomUUID();
      const nonce = randomUUID();
      const auth = new URL(`${lms}/authorize`);
      for (const [key, value] of Object.entries({
        scope: 'openid',
        response_type: 'id_token',
        response_mode: 'form_post',
        prompt: 'none',
        client_id: input.client_id ?? '',
        redirect_uri: input.target_link_uri ?? '',
        login_hint: input.login_hint ?? '',
        lti_message_hint: input.lti_message_hint ?? '',
        nonce,
        state,
      })) {
        auth.searchParams.set(key, value);
      }
      // A tool that cannot count on third-party cookies keeps its state in platform storage.
      res.type('html').send(`<!doctype html><p>Signing in…</p><script>
        const platform = ${JSON.stringify(new URL(lms).origin)};
        addEventListener('message', (event) => {
          if (event.origin !== platform || !event.data || event.data.message_id !== 'put-1') return;
          location.href = ${JSON.stringify(auth.toString())};
        });
        window.parent.postMessage({ subject: 'lti.put_data', message_id: 'put-1', key: ${JSON.stringify(`state_${state}`)}, value: ${JSON.stringify(nonce)} }, platform);
      </script>`);
    });
    app.post('/tool/launch', async (req, res) => {
      const { payload } = await jwtVerify(
        String(req.body.id_token),
        createRemoteJWKSet(new URL(`${lms}/jwks`)),
        {
          issuer: lms,
          audience: DEV_LMS_CLIENT_ID,
        },
      );
      res.type('html').send(`<!doctype html><h1 id="who"></h1><p id="storage">checking</p><script>
        document.getElementById('who').textContent = ${JSON.stringify(payload.name)};
        const platform = ${JSON.stringify(new URL(lms).origin)};
        let counter = 0;
        const ask = (message) => new Promise((resolve) => {
          const id = 'm' + ++counter;
          const listener = (event) => {
            if (event.origin !== platform || !event.data || event.data.message_id !== id) return;
            removeEventListener('message', listener);
            resolve(event.data);
          };
          addEventListener('message', listener);
          window.parent.postMessage(Object.assign({ message_id: id }, message), platform);
        });
        (async () => {
          const caps = await ask({ subject: 'lti.capabilities' });
          const stored = await ask({ subject: 'lti.get_data', key: ${JSON.stringify(`state_${req.body.state}`)} });
          const unknown = await ask({ subject: 'lti.unknown' });
          const ok = stored.subject === 'lti.get_data.response' && stored.value === ${JSON.stringify(payload.nonce)}
            && caps.supported_messages.map((m) => m.subject).join() === 'lti.put_data,lti.get_data'
            && unknown.error.code === 'unsupported_subject';
          document.getElementById('storage').textContent = ok ? 'state verified through platform storage' : 'failed ' + JSON.stringify([caps, stored, unknown]);
        })();
      </script>`);
    });
    app.get('/tool/register', async (req, res) => {
      const config = (await (await fetch(String(req.query.openid_configuration))).json()) as Record<
        string,
        string
      >;
      const response = await fetch(config.registration_endpoint!, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${req.query.registration_token}`,
        },
        body: JSON.stringify(registrationBody(appUrl, tool.jwksUrl)),
      });
      res
        .type('html')
        .send(
          response.ok
            ? `<p>Registered</p><script>(window.opener || window.parent).postMessage({ subject: 'org.imsglobal.lti.close' }, '*');</script>`
            : `<p>Registration failed: ${response.status}</p>`,
        );
    });
    app.use('/dev/lms', createDevLmsRouter({ publicUrl: appUrl, tool }));
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  /** Starts a launch and returns the query the tool's login URL receives. */
  async function initiateLogin(query: Record<string, string>): Promise<URL> {
    const response = await fetch(`${lms}/launch?${new URLSearchParams(query)}`, { redirect: 'manual' });
    expect(response.status).to.equal(302);
    return new URL(response.headers.get('location')!);
  }

  /** The authentication request a tool sends back after login initiation. */
  function authRequest(login: URL, overrides: Record<string, string | undefined> = {}): URLSearchParams {
    const values: Record<string, string | undefined> = {
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
      client_id: login.searchParams.get('client_id')!,
      redirect_uri: login.searchParams.get('target_link_uri')!,
      login_hint: login.searchParams.get('login_hint')!,
      lti_message_hint: login.searchParams.get('lti_message_hint')!,
      nonce: `nonce-${randomUUID()}`,
      state: `state-${randomUUID()}`,
      ...overrides,
    };
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(values)) if (value !== undefined) params.set(key, value);
    return params;
  }

  async function authorize(params: URLSearchParams) {
    const response = await fetch(`${lms}/authorize`, { method: 'POST', body: params });
    return { response, page: await response.text() };
  }

  /** A full launch through the HTTP flow; returns the verified id token claims and the posted form. */
  async function launch(role: string, message = 'resource', extra: Record<string, string> = {}) {
    const login = await initiateLogin({ role, message, ...extra });
    const request = authRequest(login);
    const { response, page } = await authorize(request);
    expect(response.status, page).to.equal(200);
    const idToken = field(page, 'id_token')!;
    const { payload, protectedHeader } = await jwtVerify(
      idToken,
      createRemoteJWKSet(new URL(`${lms}/jwks`)),
      {
        issuer: lms,
        audience: DEV_LMS_CLIENT_ID,
        algorithms: ['RS256'],
      },
    );
    return { login, request, response, page, idToken, claims: payload, header: protectedHeader };
  }

  function clientAssertion(
    overrides: Record<string, unknown> = {},
    key: CryptoKey = toolPrivateKey,
    clientId = DEV_LMS_CLIENT_ID,
  ) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: clientId,
      sub: clientId,
      aud: `${lms}/token`,
      iat: now,
      exp: now + 60,
      jti: randomUUID(),
      ...overrides,
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'tool-key-1' })
      .sign(key);
  }

  async function requestToken(assertion: string, scope = NRPS_SCOPE) {
    const response = await fetch(`${lms}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: assertion,
        scope,
      }),
    });
    return { response, body: (await response.json()) as Record<string, unknown> };
  }

  async function stats(): Promise<{ tokenGrants: number; membershipRequests: number }> {
    return (await fetch(`${lms}/stats`)).json() as Promise<{
      tokenGrants: number;
      membershipRequests: number;
    }>;
  }

  describe('course page', () => {
    it('shows Demo University with launch buttons, the Chatref iframe, and no inline code', async () => {
      const response = await fetch(lms);
      expect(response.status).to.equal(200);
      const csp = response.headers.get('content-security-policy')!;
      expect(csp)
        .to.contain("default-src 'self'")
        .and.contain("script-src 'self'")
        .and.contain("style-src 'self'");
      const page = await response.text();
      expect(page)
        .to.contain('Demo University')
        .and.contain('Introduction to Online Learning')
        .and.contain('OL101');
      for (const label of [
        'Launch as learner',
        'Launch as instructor',
        'Launch as admin',
        'Place the assistant (deep linking)',
      ]) {
        expect(page).to.contain(`<button type="submit">${label}</button>`);
      }
      expect(page).to.match(/<iframe[^>]* name="chatref-tool" title="Chatref"/);
      expect(page).to.match(/<form method="post" action="\/dev\/lms\/launch" target="chatref-tool">/);
      expect(page).to.contain('<script src="/dev/lms/lms.js" defer></script>');
      expect(page).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(page).not.to.match(/<style|\son[a-z]+=|style="/i);
      expect(page).to.contain(`data-tool-origin="${appUrl}"`);
    });

    it('opens launches in the whole window with ?target=window', async () => {
      const page = await (await fetch(`${lms}?target=window`)).text();
      expect(page).not.to.contain('<iframe');
      expect(page).to.match(/<form method="post" action="\/dev\/lms\/launch" target="_top">/);
      expect(page).to.contain('name="target" value="window"');
    });

    it('serves its script and stylesheet as files, with the platform-storage answers in the script', async () => {
      const script = await fetch(`${lms}/lms.js`);
      expect(script.headers.get('content-type')).to.match(/^text\/javascript/);
      const source = await script.text();
      expect(source)
        .to.contain("'lti.capabilities'")
        .and.contain("'lti.put_data'")
        .and.contain("'lti.get_data'")
        .and.contain("subject + '.response'")
        .and.contain('event.origin !== toolOrigin')
        .and.contain('org.imsglobal.lti.close');
      const css = await fetch(`${lms}/lms.css`);
      expect(css.headers.get('content-type')).to.match(/^text\/css/);
    });
  });

  describe('OIDC login initiation', () => {
    it('redirects to the tool login URL with every third-party-initiated login parameter', async () => {
      const login = await initiateLogin({ role: 'learner' });
      expect(`${login.origin}${login.pathname}`).to.equal(tool.loginUrl);
      const q = login.searchParams;
      expect(q.get('iss')).to.equal(lms);
      expect(q.get('target_link_uri')).to.equal(tool.launchUrl);
      expect(q.get('client_id')).to.equal(DEV_LMS_CLIENT_ID);
      expect(q.get('lti_deployment_id')).to.equal(DEV_LMS_DEPLOYMENT_ID);
      expect(q.get('lti_storage_target')).to.equal('_parent');
      expect(q.get('login_hint')).to.be.a('string').and.not.equal('');
      expect(q.get('lti_message_hint')).to.be.a('string').and.not.equal('');
    });

    it('accepts the launch as a form POST, as the course page sends it', async () => {
      const response = await fetch(`${lms}/launch`, {
        method: 'POST',
        body: new URLSearchParams({ role: 'instructor', message: 'deeplink', target: 'iframe' }),
        redirect: 'manual',
      });
      expect(response.status).to.equal(302);
      expect(new URL(response.headers.get('location')!).searchParams.get('client_id')).to.equal(
        DEV_LMS_CLIENT_ID,
      );
    });

    it('leaves out lti_storage_target for whole-window launches, which have no framing page to answer', async () => {
      const login = await initiateLogin({ role: 'learner', target: 'window' });
      expect(login.searchParams.has('lti_storage_target')).to.equal(false);
    });

    it('refuses an unknown role and a learner placing content', async () => {
      expect((await fetch(`${lms}/launch?role=superuser`, { redirect: 'manual' })).status).to.equal(400);
      const learnerDeepLink = await fetch(`${lms}/launch?role=learner&message=deeplink`, {
        redirect: 'manual',
      });
      expect(learnerDeepLink.status).to.equal(400);
    });
  });

  describe('OIDC authorization endpoint', () => {
    it('refuses a redirect_uri that is not registered, with a 400 page that says why', async () => {
      const login = await initiateLogin({ role: 'learner' });
      const { response, page } = await authorize(
        authRequest(login, { redirect_uri: `${appUrl}/tool/launch/` }), // trailing slash: not an exact match
      );
      expect(response.status).to.equal(400);
      expect(page).to.contain('redirect_uri').and.not.contain('name="id_token"');
    });

    it('refuses a request without nonce or state', async () => {
      const login = await initiateLogin({ role: 'learner' });
      const noNonce = await authorize(authRequest(login, { nonce: undefined }));
      expect(noNonce.response.status).to.equal(400);
      expect(noNonce.page).to.contain('nonce is missing');
      const noState = await authorize(authRequest(login, { state: undefined }));
      expect(noState.response.status).to.equal(400);
    });

    it('refuses wrong OIDC parameters, a foreign client and altered hints', async () => {
      const login = await initiateLogin({ role: 'learner' });
      for (const overrides of [
        { scope: 'profile' },
        { response_type: 'code' },
        { response_mode: 'query' },
        { prompt: 'login' },
        { client_id: 'someone-else' },
        { login_hint: 'devlms-user-adam' },
        { lti_message_hint: `${login.searchParams.get('lti_message_hint')}x` },
      ]) {
        const { response } = await authorize(authRequest(login, overrides));
        expect(response.status, JSON.stringify(overrides)).to.equal(400);
      }
    });

    it('refuses a login_hint swapped in from another launch', async () => {
      const learner = await initiateLogin({ role: 'learner' });
      const admin = await initiateLogin({ role: 'admin' });
      const { response, page } = await authorize(
        authRequest(learner, { login_hint: admin.searchParams.get('login_hint')! }),
      );
      expect(response.status).to.equal(400);
      expect(page).to.contain('different users');
    });

    it('posts a learner id token that verifies against /dev/lms/jwks and carries the LTI claims', async () => {
      const { claims, header, page, request, response } = await launch('learner');
      const csp = response.headers.get('content-security-policy')!;
      expect(csp).to.contain("script-src 'self'").and.contain(`form-action 'self' ${appUrl}`);
      expect(page).to.contain(`<form method="post" action="${tool.launchUrl}" data-autosubmit>`);
      expect(page).to.contain('<button type="submit">Continue</button>');
      expect(page).to.contain('<script src="/dev/lms/lms.js" defer></script>');
      expect(field(page, 'state')).to.equal(request.get('state'));

      const jwks = (await (await fetch(`${lms}/jwks`)).json()) as { keys: JWK[] };
      expect(jwks.keys).to.have.length(1);
      expect(jwks.keys[0]).to.include({ kid: header.kid, alg: 'RS256', use: 'sig', kty: 'RSA' });
      expect(jwks.keys[0]).not.to.have.property('d');
      expect(header.alg).to.equal('RS256');

      expect(claims.nonce).to.equal(request.get('nonce'));
      expect(claims.sub).to.equal('devlms-user-ana');
      expect(claims).to.include({ name: 'Ana Learner', given_name: 'Ana', family_name: 'Learner' });
      expect(claims.email).to.equal('ana@demo.example.edu');
      expect(claims.picture).to.be.a('string');
      expect(claims.exp! - claims.iat!).to.equal(300);
      expect(claims[`${LTI}message_type`]).to.equal('LtiResourceLinkRequest');
      expect(claims[`${LTI}version`]).to.equal('1.3.0');
      expect(claims[`${LTI}deployment_id`]).to.equal(DEV_LMS_DEPLOYMENT_ID);
      expect(claims[`${LTI}target_link_uri`]).to.equal(tool.launchUrl);
      expect(claims[`${LTI}roles`]).to.deep.equal([ROLES.learner]);
      expect(claims[`${LTI}resource_link`]).to.have.property('id').that.is.a('string');
      expect(claims[`${LTI}context`]).to.deep.include({
        id: 'course-101',
        label: 'OL101',
        title: 'Introduction to Online Learning',
      });
      expect(claims[`${LTI}tool_platform`]).to.include({
        name: 'Demo University',
        product_family_code: 'chatref-devlms',
      });
      expect(claims[`${LTI}launch_presentation`]).to.include({ locale: 'en', document_target: 'iframe' });
      expect(claims[`${LTI}custom`]).to.deep.equal({});
      expect(claims['https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice']).to.deep.equal({
        context_memberships_url: `${lms}/nrps/course-101/memberships`,
        service_versions: ['2.0'],
      });
      expect(claims).not.to.have.property(`${DL}deep_linking_settings`);
    });

    it('gives instructors Instructor and admins the Moodle-style administrator roles', async () => {
      const instructor = await launch('instructor');
      expect(instructor.claims.name).to.equal('Iris Instructor');
      expect(instructor.claims[`${LTI}roles`]).to.deep.equal([ROLES.instructor]);
      const admin = await launch('admin');
      expect(admin.claims.name).to.equal('Adam Admin');
      expect(admin.claims[`${LTI}roles`]).to.have.members([
        'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator',
        'http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator',
        'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
      ]);
    });

    it('sends deep-linking settings instead of a resource link for a placement', async () => {
      const { claims } = await launch('instructor', 'deeplink');
      expect(claims[`${LTI}message_type`]).to.equal('LtiDeepLinkingRequest');
      expect(claims).not.to.have.property(`${LTI}resource_link`);
      expect(claims[`${DL}deep_linking_settings`]).to.deep.include({
        deep_link_return_url: `${lms}/deep-linking/return`,
        accept_types: ['ltiResourceLink'],
        accept_presentation_document_targets: ['iframe', 'window'],
        accept_multiple: false,
      });
      expect((claims[`${DL}deep_linking_settings`] as { data: unknown }).data).to.be.a('string');
    });

    it('also answers a GET authentication request', async () => {
      const login = await initiateLogin({ role: 'learner' });
      const response = await fetch(`${lms}/authorize?${authRequest(login)}`);
      expect(response.status).to.equal(200);
      expect(field(await response.text(), 'id_token')).to.be.a('string');
    });
  });

  describe('platform keys and configuration', () => {
    it('keeps one key in devlms_keys, so a restart serves the same kid', async () => {
      const before = (await (await fetch(`${lms}/jwks`)).json()) as { keys: JWK[] };
      forgetPlatformKeys();
      const token = await signIdToken({ sub: 'x' });
      expect(decodeProtectedHeader(token).kid).to.equal(before.keys[0]!.kid);
      const stored = await mongoose.connection.collection('devlms_keys').find().toArray();
      expect(stored).to.have.length(1);
      expect(stored[0]!.kid).to.equal(before.keys[0]!.kid);
    });

    it('publishes an OpenID configuration for LTI Dynamic Registration', async () => {
      const config = (await (await fetch(`${lms}/.well-known/openid-configuration`)).json()) as Record<
        string,
        unknown
      >;
      const platform = devLmsPlatform(appUrl);
      expect(config).to.include({
        issuer: platform.issuer,
        authorization_endpoint: platform.authUrl,
        token_endpoint: platform.tokenUrl,
        jwks_uri: platform.jwksUrl,
        registration_endpoint: `${lms}/registrations`,
      });
      expect(config.id_token_signing_alg_values_supported).to.deep.equal(['RS256']);
      expect(config.token_endpoint_auth_methods_supported).to.deep.equal(['private_key_jwt']);
      expect(config.scopes_supported).to.include(NRPS_SCOPE);
      expect(config['https://purl.imsglobal.org/spec/lti-platform-configuration']).to.deep.include({
        product_family_code: 'chatref-devlms',
        messages_supported: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest' }],
      });
    });

    it('signs forged test tokens with the platform key, another key, no kid or no signature', async () => {
      const claims = buildIdTokenClaims({ role: 'learner', nonce: 'n-1' }, appUrl);
      const jwks = createRemoteJWKSet(new URL(`${lms}/jwks`));
      const good = await signIdToken(claims);
      expect(
        (await jwtVerify(good, jwks, { issuer: lms, audience: DEV_LMS_CLIENT_ID })).payload.nonce,
      ).to.equal('n-1');
      const forged = await signIdToken(claims, { privateKey: strangerPrivateKey });
      let refused = false;
      await jwtVerify(forged, jwks).catch(() => {
        refused = true;
      });
      expect(refused).to.equal(true);
      expect(decodeProtectedHeader(await signIdToken(claims, { kid: null }))).not.to.have.property('kid');
      const unsigned = await signIdToken(claims, { alg: 'none' });
      expect(decodeProtectedHeader(unsigned).alg).to.equal('none');
      expect(unsigned.endsWith('.')).to.equal(true);
      expect(decodeJwt(unsigned).sub).to.equal('devlms-user-ana');
    });
  });

  describe('token endpoint and NRPS', () => {
    it('refuses a client assertion signed by a key the tool does not publish', async () => {
      const { response, body } = await requestToken(await clientAssertion({}, strangerPrivateKey));
      expect(response.status).to.equal(401);
      expect(body.error).to.equal('invalid_client');
    });

    it('refuses an assertion for another audience, an unknown client, or another grant type', async () => {
      expect(
        (await requestToken(await clientAssertion({ aud: 'https://elsewhere.example' }))).body.error,
      ).to.equal('invalid_client');
      expect(
        (await requestToken(await clientAssertion({}, toolPrivateKey, 'not-registered'))).body.error,
      ).to.equal('invalid_client');
      const response = await fetch(`${lms}/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'password', username: 'a', password: 'b' }),
      });
      expect(response.status).to.equal(400);
      expect(((await response.json()) as { error: string }).error).to.equal('unsupported_grant_type');
    });

    it('grants the NRPS scope to a valid assertion, once per jti, and counts the grant', async () => {
      const before = await stats();
      const assertion = await clientAssertion();
      const { response, body } = await requestToken(assertion);
      expect(response.status).to.equal(200);
      expect(response.headers.get('cache-control')).to.equal('no-store');
      expect(body).to.include({ token_type: 'Bearer', expires_in: 3600, scope: NRPS_SCOPE });
      expect(body.access_token).to.be.a('string');
      expect((await stats()).tokenGrants).to.equal(before.tokenGrants + 1);

      const replay = await requestToken(assertion);
      expect(replay.response.status).to.equal(401);
      expect((await stats()).tokenGrants).to.equal(before.tokenGrants + 1);
    });

    it('grants only scopes it offers', async () => {
      const mixed = await requestToken(
        await clientAssertion(),
        `https://purl.imsglobal.org/spec/lti-ags/scope/score ${NRPS_SCOPE}`,
      );
      expect(mixed.body.scope).to.equal(NRPS_SCOPE);
      const none = await requestToken(
        await clientAssertion(),
        'https://purl.imsglobal.org/spec/lti-ags/scope/score',
      );
      expect(none.response.status).to.equal(400);
      expect(none.body.error).to.equal('invalid_scope');
    });

    it('refuses memberships without a valid Bearer token', async () => {
      const url = `${lms}/nrps/course-101/memberships`;
      expect((await fetch(url)).status).to.equal(401);
      expect((await fetch(url, { headers: { authorization: 'Bearer not-a-token' } })).status).to.equal(401);
      // The platform's own id token is signed by the same key but is not an access token.
      const idToken = await signIdToken({ sub: DEV_LMS_CLIENT_ID, scope: NRPS_SCOPE });
      expect((await fetch(url, { headers: { authorization: `Bearer ${idToken}` } })).status).to.equal(401);
    });

    it('returns the course roster with a token, filtered by role and paged with a Link header', async () => {
      const { body } = await requestToken(await clientAssertion());
      const headers = { authorization: `Bearer ${body.access_token}` };
      const before = await stats();

      const response = await fetch(`${lms}/nrps/course-101/memberships`, { headers });
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.contain(
        'application/vnd.ims.lti-nrps.v2.membershipcontainer+json',
      );
      const container = (await response.json()) as {
        id: string;
        context: Record<string, string>;
        members: { name: string; user_id: string; roles: string[]; status: string; email: string }[];
      };
      expect(container.context).to.deep.equal({
        id: 'course-101',
        label: 'OL101',
        title: 'Introduction to Online Learning',
      });
      const names = container.members.map((member) => member.name);
      expect(names).to.include.members(['Ana Learner', 'Iris Instructor', 'Adam Admin']);
      const ta = container.members.find((member) =>
        member.roles.includes(
          'http://purl.imsglobal.org/vocab/lis/v2/membership/instructor#TeachingAssistant',
        ),
      );
      expect(ta?.roles).to.include(ROLES.instructor);
      expect(container.members.every((member) => member.status === 'Active')).to.equal(true);

      const learners = (await (
        await fetch(`${lms}/nrps/course-101/memberships?role=Learner`, { headers })
      ).json()) as typeof container;
      expect(learners.members.length).to.be.greaterThan(2);
      expect(learners.members.every((member) => member.roles.includes(ROLES.learner))).to.equal(true);

      const seen: string[] = [];
      let next: string | undefined = `${lms}/nrps/course-101/memberships?limit=3`;
      while (next) {
        const page: Response = await fetch(next, { headers });
        const body = (await page.json()) as typeof container;
        expect(body.members.length).to.be.at.most(3);
        seen.push(...body.members.map((member) => member.user_id));
        next = /<([^>]+)>;\s*rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
      }
      expect(seen).to.deep.equal(container.members.map((member) => member.user_id));
      expect((await stats()).membershipRequests).to.be.greaterThan(before.membershipRequests + 2);

      expect((await fetch(`${lms}/nrps/another-course/memberships`, { headers })).status).to.equal(404);
    });
  });

  describe('deep-linking return', () => {
    async function deepLinkingResponse(
      settings: Record<string, unknown>,
      overrides: Record<string, unknown> = {},
      key: CryptoKey = toolPrivateKey,
    ) {
      return new SignJWT({
        iss: DEV_LMS_CLIENT_ID,
        aud: lms,
        nonce: randomUUID(),
        [`${LTI}message_type`]: 'LtiDeepLinkingResponse',
        [`${LTI}version`]: '1.3.0',
        [`${LTI}deployment_id`]: DEV_LMS_DEPLOYMENT_ID,
        [`${DL}data`]: settings.data,
        [`${DL}content_items`]: [
          { type: 'ltiResourceLink', title: 'Course <assistant>', url: tool.launchUrl, text: 'Ask anything' },
        ],
        [`${DL}msg`]: 'Assistant placed',
        ...overrides,
      })
        .setProtectedHeader({ alg: 'RS256', kid: 'tool-key-1' })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key);
    }

    async function postReturn(jwt: string) {
      const response = await fetch(`${lms}/deep-linking/return`, {
        method: 'POST',
        body: new URLSearchParams({ JWT: jwt }),
      });
      return { status: response.status, page: await response.text() };
    }

    it('places the content item of a response the tool signed, escaping its title', async () => {
      const { claims } = await launch('instructor', 'deeplink');
      const settings = claims[`${DL}deep_linking_settings`] as Record<string, unknown>;
      const { status, page } = await postReturn(await deepLinkingResponse(settings));
      expect(status, page).to.equal(200);
      expect(page).to.contain('Placed in Introduction to Online Learning: Course &lt;assistant&gt;');
      expect(page).to.contain('Assistant placed').and.not.contain('<assistant>');
    });

    it('refuses a tampered, foreign-signed, replayed or data-less response with the reason', async () => {
      const { claims } = await launch('instructor', 'deeplink');
      const settings = claims[`${DL}deep_linking_settings`] as Record<string, unknown>;

      const genuine = await deepLinkingResponse(settings);
      const [header, payload, signature] = genuine.split('.');
      const altered = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
      altered[`${DL}content_items`] = [{ type: 'ltiResourceLink', title: 'Something else' }];
      const tampered = `${header}.${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${signature}`;
      const refusedTampered = await postReturn(tampered);
      expect(refusedTampered.status).to.equal(400);
      expect(refusedTampered.page).to.contain('signature');

      expect((await postReturn(await deepLinkingResponse(settings, {}, strangerPrivateKey))).status).to.equal(
        400,
      );
      const noData = await postReturn(await deepLinkingResponse(settings, { [`${DL}data`]: undefined }));
      expect(noData.status).to.equal(400);
      expect(noData.page).to.contain('data');
      const wrongType = await postReturn(
        await deepLinkingResponse(settings, { [`${LTI}message_type`]: 'LtiResourceLinkRequest' }),
      );
      expect(wrongType.status).to.equal(400);

      expect((await postReturn(genuine)).status).to.equal(200);
      const replay = await postReturn(genuine);
      expect(replay.status).to.equal(400);
      expect(replay.page).to.contain('nonce');
    });
  });

  describe('LTI Dynamic Registration', () => {
    async function registrationToken(): Promise<string> {
      const page = await (await fetch(`${lms}/register-tool`)).text();
      expect(page).to.contain('<button type="submit">Register a tool</button>');
      expect(page).to.contain(`data-openid-configuration="${lms}/.well-known/openid-configuration"`);
      return unescapeHtml(/data-registration-token="([^"]+)"/.exec(page)![1]!);
    }

    async function register(body: unknown, token?: string) {
      const response = await fetch(`${lms}/registrations`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }

    it('registers a tool with a new client_id and deployment_id, and the tool can then launch', async () => {
      const token = await registrationToken();
      const { status, body } = await register(registrationBody(appUrl, tool.jwksUrl), token);
      expect(status).to.equal(201);
      const clientId = body.client_id as string;
      expect(clientId).to.be.a('string').and.not.equal(DEV_LMS_CLIENT_ID);
      expect(body.scope).to.equal(NRPS_SCOPE);
      const deploymentId = (body[TOOL_CONFIGURATION] as { deployment_id: string }).deployment_id;
      expect(deploymentId).to.be.a('string');
      expect(
        await mongoose.connection.collection('devlms_registrations').countDocuments({ clientId }),
      ).to.equal(1);

      // The token registers one tool only.
      expect((await register(registrationBody(appUrl, tool.jwksUrl), token)).status).to.equal(401);

      const login = await initiateLogin({ role: 'learner', client_id: clientId });
      expect(`${login.origin}${login.pathname}`).to.equal(`${appUrl}/tool2/login`);
      expect(login.searchParams.get('lti_deployment_id')).to.equal(deploymentId);
      const { response, page } = await authorize(authRequest(login));
      expect(response.status).to.equal(200);
      const claims = decodeJwt(field(page, 'id_token')!);
      expect(claims.aud).to.equal(clientId);
      expect(claims[`${LTI}custom`]).to.deep.equal({ course: 'course-101', who: 'Ana Learner' });

      const granted = await requestToken(await clientAssertion({}, toolPrivateKey, clientId));
      expect(granted.response.status).to.equal(200);
    });

    it('refuses a forged registration token and an incomplete or out-of-domain registration', async () => {
      expect((await register(registrationBody(appUrl, tool.jwksUrl), 'forged-token')).status).to.equal(401);
      const incomplete = await register({ ...registrationBody(appUrl, tool.jwksUrl), redirect_uris: [] });
      expect(incomplete.status).to.equal(400);
      expect(incomplete.body.error).to.equal('invalid_client_metadata');
      const elsewhere = await register(registrationBody(appUrl, tool.jwksUrl, 'tool.example.org'));
      expect(elsewhere.status).to.equal(400);
      expect(elsewhere.body.error).to.equal('invalid_redirect_uri');
    });
  });

  describe('in a browser', () => {
    let browser: Browser | undefined;

    before(async function () {
      if (!existsSync(CHROMIUM)) this.skip();
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    });
    after(async () => {
      await browser?.close();
    });

    it('launches the learner into the Chatref frame, keeping the tool state in platform storage', async () => {
      const page = await browser!.newPage();
      const errors: string[] = [];
      page.on('console', (message) => {
        // The test app serves no favicon; anything else failing is a real error.
        if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) {
          errors.push(`${message.text()} ${message.location().url}`);
        }
      });
      await page.goto(lms);
      await page.getByRole('button', { name: 'Launch as learner' }).click();
      const frame = page.frameLocator('iframe[title="Chatref"]');
      await frame
        .locator('#storage')
        .filter({ hasText: 'state verified through platform storage' })
        .waitFor();
      expect(await frame.locator('#who').textContent()).to.equal('Ana Learner');
      expect(errors, 'no CSP violations or script errors').to.deep.equal([]);
      await page.close();
    });

    it('runs Dynamic Registration from the admin page and reports "Tool registered"', async () => {
      const page = await browser!.newPage();
      await page.goto(`${lms}/register-tool`);
      await page.getByLabel('Tool registration URL').fill(tool.registrationUrl);
      await page.getByRole('button', { name: 'Register a tool' }).click();
      await page.getByRole('status').filter({ hasText: 'Tool registered' }).waitFor();
      await page.close();
    });
  });

  // Last: it replaces the platform key the other tests used.
  describe('key creation', () => {
    it('agrees on one key when several processes create it at the same time', async () => {
      const keys = mongoose.connection.collection('devlms_keys');
      await keys.deleteMany({});
      const loaded = await Promise.all(Array.from({ length: 6 }, () => loadPlatformKeysUncached()));
      expect(new Set(loaded.map((key) => key.kid)).size).to.equal(1);
      expect(await keys.countDocuments()).to.equal(1);
      forgetPlatformKeys();
    });
  });
});
