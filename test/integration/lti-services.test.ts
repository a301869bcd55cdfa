import { expect } from 'chai';
import { buildIdTokenClaims, signIdToken } from '../../src/devlms/index.js';
import { LaunchModel } from '../../src/lti/launch.model.js';
import { listCourseMembers } from '../../src/lti/nrps.service.js';
import { listPlatforms, registerPlatform, setPlatformActive } from '../../src/lti/platforms.service.js';
import { verifySessionToken } from '../../src/lti/session.js';
import { addDeployment } from '../../src/tenants/tenant.service.js';
import { startTestApp, type TestApp, testEnv } from '../support/app.js';
import {
  beginLaunch,
  forgedToken,
  formAction,
  formFields,
  LmsBrowser,
  launch,
  postLaunch,
} from '../support/lms-client.js';
import { runEntry } from '../support/processes.js';

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';

async function sessionOf(app: TestApp, token: string) {
  return verifySessionToken(token, app.config.LTI_ENCRYPTION_KEY);
}

describe('LTI services: deep linking, course members, registration, tenants', function () {
  this.timeout(60_000);
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app?.stop());

  it('an instructor places the assistant in a course: the LMS receives a signed "Ask for help" link', async () => {
    const { landing, sessionToken, browser } = await launch(app.url, {
      role: 'instructor',
      message: 'deeplink',
    });
    expect(landing.pathname).to.equal('/deep-link');
    const page = await (await browser.request(`${landing.pathname}${landing.search}`)).text();
    expect(page).to.contain('Add Chatref to Introduction to Online Learning');
    const form = await browser.request('/lti/deep-link', {
      method: 'POST',
      body: new URLSearchParams({ ltik: sessionToken, title: 'Ask for help' }),
    });
    const html = await form.text();
    expect(form.status).to.equal(200);
    const action = formAction(html);
    expect(action).to.equal(`${app.url}/dev/lms/deep-linking/return`);
    const jwt = formFields(html).JWT ?? '';
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString());
    expect(claims['https://purl.imsglobal.org/spec/lti/claim/message_type']).to.equal(
      'LtiDeepLinkingResponse',
    );
    expect(claims['https://purl.imsglobal.org/spec/lti-dl/claim/content_items']).to.deep.include({
      type: 'ltiResourceLink',
      title: 'Ask for help',
      text: "Answers from your institution's help documents, and a way to reach a person.",
      url: `${app.url}/lti/launch`,
      custom: { placement: 'deep_link' },
    });
    // The development LMS verifies the signature against our JWKS and shows the placed link.
    const placed = await browser.request(action, { method: 'POST', body: new URLSearchParams({ JWT: jwt }) });
    expect(placed.status).to.equal(200);
    expect(await placed.text()).to.contain('Ask for help');
  });

  it('a learner cannot place the assistant, even if an LMS asks', async () => {
    // The development LMS itself refuses this, so forge what a careless LMS might send.
    const step = await beginLaunch(app.url, { role: 'learner' });
    const idToken = await forgedToken(step, {
      baseUrl: app.url,
      change: (claims) => {
        Object.assign(
          claims,
          buildIdTokenClaims(
            { role: 'learner', nonce: step.nonce, messageType: 'LtiDeepLinkingRequest' },
            app.url,
          ),
        );
      },
    });
    const response = await postLaunch(step, { id_token: idToken, state: step.state });
    expect(response.status).to.equal(403);
    expect(await response.text()).to.contain('Only instructors and administrators can place the assistant');
  });

  it('reads the course members from the LMS, fetching one access token for repeated calls', async () => {
    const { sessionToken } = await launch(app.url, { role: 'learner' });
    const session = await sessionOf(app, sessionToken);
    const statsBefore = await (await fetch(`${app.url}/dev/lms/stats`)).json();

    const members = await listCourseMembers({ tenantId: session.tenantId, courseId: session.courseId ?? '' });
    const again = await listCourseMembers({
      tenantId: session.tenantId,
      courseId: session.courseId ?? '',
      role: 'Instructor',
    });

    expect(members.map((member) => member.name)).to.include.members(['Ana Learner', 'Iris Instructor']);
    expect(members.find((member) => member.name === 'Iris Instructor')?.role).to.equal('instructor');
    expect(again.length).to.be.greaterThan(0);
    expect(again.every((member) => member.role !== 'learner')).to.equal(true);
    const statsAfter = await (await fetch(`${app.url}/dev/lms/stats`)).json();
    expect(statsAfter.membershipRequests - statsBefore.membershipRequests).to.be.greaterThanOrEqual(2);
    expect(statsAfter.tokenGrants - statsBefore.tokenGrants).to.be.at.most(1);
  });

  it('course members of another tenant are not found', async () => {
    const { sessionToken } = await launch(app.url, { role: 'learner' });
    const session = await sessionOf(app, sessionToken);
    const otherTenant = '0123456789abcdef01234567';
    try {
      await listCourseMembers({ tenantId: otherTenant, courseId: session.courseId ?? '' });
      expect.fail('should not find the course');
    } catch (error) {
      expect((error as Error).message).to.equal('That course was not found.');
    }
  });

  it('dynamic registration round-trips with an LMS and waits for approval before launches work', async () => {
    const before = (await listPlatforms()).length;
    const configuration = `${app.url}/dev/lms/.well-known/openid-configuration`;
    const response = await fetch(
      `${app.url}/lti/register?openid_configuration=${encodeURIComponent(configuration)}`,
    );
    const html = await response.text();
    expect(response.status, html).to.equal(200);
    expect(html).to.contain('waits for approval');
    expect(html).to.contain('/public/js/lti-close.js');
    const platforms = await listPlatforms();
    expect(platforms).to.have.length(before + 1);
    const registered = platforms.find((platform) => !platform.active);
    expect(registered?.issuer).to.equal(`${app.url}/dev/lms`);

    const login = () =>
      fetch(
        `${app.url}/lti/login?${new URLSearchParams({
          iss: registered?.issuer ?? '',
          client_id: registered?.clientId ?? '',
          login_hint: 'x',
          target_link_uri: `${app.url}/lti/launch`,
        })}`,
        { redirect: 'manual' },
      );
    const refused = await login();
    expect(refused.status).to.equal(403);
    expect(await refused.text()).to.contain('waiting for approval');

    await setPlatformActive(registered?.issuer ?? '', registered?.clientId ?? '', true);
    const accepted = await login();
    expect(accepted.status).to.equal(302);
    expect(accepted.headers.get('location')).to.contain('/dev/lms/authorize');
  });

  it('without an LMS configuration the registration URL explains what to do', async () => {
    const response = await fetch(`${app.url}/lti/register`, { headers: { accept: 'text/html' } });
    expect(response.status).to.equal(400);
    expect(await response.text()).to.contain('register a tool by URL');
  });

  it('Blackboard-style: one issuer and client id, each deployment its own institution', async () => {
    const devJwks = `${app.url}/dev/lms/jwks`;
    await registerPlatform({
      issuer: 'https://blackboard.com',
      clientId: 'bb-application-id',
      authUrl: `${app.url}/dev/lms/authorize`,
      tokenUrl: `${app.url}/dev/lms/token`,
      jwksUrl: devJwks,
      active: true,
    });
    const key = { issuer: 'https://blackboard.com', clientId: 'bb-application-id' };
    const north = await addDeployment({ ...key, deploymentId: 'dep-north' }, { tenantName: 'North College' });
    const south = await addDeployment(
      { ...key, deploymentId: 'dep-south' },
      { tenantName: 'South University' },
    );
    expect(String(north.tenant._id)).not.to.equal(String(south.tenant._id));

    const launchFrom = async (deploymentId: string) => {
      const browser = new LmsBrowser(app.url);
      const login = await browser.request(
        `/lti/login?${new URLSearchParams({ iss: key.issuer, client_id: key.clientId, login_hint: 'u1', target_link_uri: `${app.url}/lti/launch`, lti_deployment_id: deploymentId })}`,
      );
      const authorization = new URL(login.headers.get('location') ?? '');
      const claims = buildIdTokenClaims(
        { role: 'learner', nonce: authorization.searchParams.get('nonce') ?? '' },
        app.url,
      );
      Object.assign(claims, { iss: key.issuer, aud: key.clientId, [`${LTI}deployment_id`]: deploymentId });
      claims[`${LTI}tool_platform`] = {
        guid: 'bb-guid',
        product_family_code: 'BlackboardLearn',
        version: '3900',
      };
      const response = await browser.request('/lti/launch', {
        method: 'POST',
        body: new URLSearchParams({
          id_token: await signIdToken(claims),
          state: authorization.searchParams.get('state') ?? '',
        }),
      });
      expect(response.status).to.equal(303);
      const token = new URL(response.headers.get('location') ?? '', app.url).searchParams.get('ltik') ?? '';
      return sessionOf(app, token);
    };
    const fromNorth = await launchFrom('dep-north');
    const fromSouth = await launchFrom('dep-south');
    expect(fromNorth.tenantId).to.equal(String(north.tenant._id));
    expect(fromSouth.tenantId).to.equal(String(south.tenant._id));
    const record = await LaunchModel.findById(fromNorth.launchId).lean();
    expect(record?.platform.productFamily).to.equal('blackboard');
  });

  it('publishes a Canvas JSON configuration with the admin inbox in account navigation', async () => {
    const config = await (await fetch(`${app.url}/lti/canvas.json`)).json();
    expect(config.oidc_initiation_url).to.equal(`${app.url}/lti/login`);
    expect(config.target_link_uri).to.equal(`${app.url}/lti/launch`);
    expect(config.public_jwk_url).to.equal(`${app.url}/lti/keys`);
    const placements = config.extensions[0].settings.placements;
    expect(
      placements.find((p: { placement: string }) => p.placement === 'account_navigation').visibility,
    ).to.equal('admins');
    expect(
      placements.find((p: { placement: string }) => p.placement === 'link_selection').message_type,
    ).to.equal('LtiDeepLinkingRequest');
  });

  it('a restart keeps registrations and tool keys, and launches keep working', async () => {
    const keysBefore = await (await fetch(`${app.url}/lti/keys`)).json();
    const platformsBefore = (await listPlatforms()).map((p) => `${p.issuer} ${p.clientId}`).sort();
    const port = new URL(app.url).port;
    await app.stop();
    app = await startTestApp({ env: { PORT: port } });
    const keysAfter = await (await fetch(`${app.url}/lti/keys`)).json();
    expect(keysAfter.keys.map((k: { kid: string }) => k.kid).sort()).to.deep.equal(
      keysBefore.keys.map((k: { kid: string }) => k.kid).sort(),
    );
    expect((await listPlatforms()).map((p) => `${p.issuer} ${p.clientId}`).sort()).to.deep.equal(
      platformsBefore,
    );
    const { response } = await launch(app.url, { role: 'admin' });
    expect(response.status).to.equal(303);
  });

  it('the CLI adds, lists, approves and removes platforms and deployments', async () => {
    const env = await testEnv();
    const run = async (...args: string[]) => {
      const cli = runEntry('src/bin/lti.ts', { ...env, LOG_LEVEL: 'warn' }, args);
      const code = await new Promise<number | null>((resolve) => cli.child.once('exit', resolve));
      return { code, output: cli.output() };
    };
    const platform = ['--issuer', 'https://moodle.example.edu', '--client-id', 'moodle-abc'];
    const added = await run(
      'platforms',
      'add',
      ...platform,
      '--auth-url',
      'https://moodle.example.edu/mod/lti/auth.php',
      '--token-url',
      'https://moodle.example.edu/mod/lti/token.php',
      '--jwks-url',
      'https://moodle.example.edu/mod/lti/certs.php',
      '--deployment-id',
      '7',
      '--tenant-name',
      'Example University',
    );
    expect(added.code, added.output).to.equal(0);
    expect(added.output).to.contain('deployment 7 → tenant "Example University"');
    expect((await run('deployments', 'add', ...platform, '--deployment-id', '8')).output).to.contain(
      'tenant "Example University"',
    );
    expect((await run('platforms', 'deactivate', ...platform)).output).to.contain('deactivated');
    const listed = await run('platforms', 'list');
    expect(listed.output).to.match(/pending\s+https:\/\/moodle\.example\.edu\s+client id moodle-abc/);
    expect(listed.output).to.contain('deployment 8 → Example University');
    expect((await run('platforms', 'activate', ...platform)).output).to.contain('active');
    expect((await run('platforms', 'remove', ...platform)).output).to.contain('platform removed');
    const missing = await run('platforms', 'add', '--issuer', 'https://x.example');
    expect(missing.code).to.equal(1);
    expect(missing.output.trim()).to.equal('error: --client-id is required for platforms add.');
  });
});
