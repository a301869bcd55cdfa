import { expect } from 'chai';
import { generateKeyPair } from 'jose';
import { CourseModel } from '../../src/courses/course.model.js';
import { LaunchModel } from '../../src/lti/launch.model.js';
import { LaunchStateStore } from '../../src/lti/launch-state.store.js';
import { UserModel } from '../../src/users/user.model.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { authorize, beginLaunch, forgedToken, launch, postLaunch } from '../support/lms-client.js';

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';

async function counts() {
  const [users, courses, launches] = await Promise.all([
    UserModel.countDocuments(),
    CourseModel.countDocuments(),
    LaunchModel.countDocuments(),
  ]);
  return { users, courses, launches };
}

describe('LTI launches through the development LMS', function () {
  this.timeout(30_000);
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.stop());

  describe('landing', () => {
    it('a learner lands on the chat page of the course, with a textbox labelled "Message"', async () => {
      const { response, landing, sessionToken } = await launch(app.url, { role: 'learner' });
      expect(response.status).to.equal(303);
      expect(landing.pathname).to.equal('/chat');
      const page = await fetch(`${app.url}/chat?ltik=${sessionToken}`);
      const html = await page.text();
      expect(page.status).to.equal(200);
      expect(html).to.contain('<main');
      expect(html).to.match(/<label for="message"[^>]*>Message<\/label>/);
      expect(html).to.contain('Introduction to Online Learning');
      expect(html).to.contain('Ana Learner');
    });

    it('an instructor lands on the chat page, with a link to the course support inbox', async () => {
      const { landing, sessionToken } = await launch(app.url, { role: 'instructor' });
      expect(landing.pathname).to.equal('/chat');
      const html = await (await fetch(`${app.url}/chat?ltik=${sessionToken}`)).text();
      expect(html).to.match(/<a href="\/inbox" data-session-link>Course support inbox<\/a>/);
      const learner = await launch(app.url, { role: 'learner' });
      const learnerHtml = await (await fetch(`${app.url}/chat?ltik=${learner.sessionToken}`)).text();
      expect(learnerHtml).not.to.contain('href="/inbox"');
    });

    it('an admin lands on the inbox, with a region labelled "Conversations"', async () => {
      const { landing, sessionToken } = await launch(app.url, { role: 'admin' });
      expect(landing.pathname).to.equal('/inbox');
      const html = await (await fetch(`${app.url}/inbox?ltik=${sessionToken}`)).text();
      expect(html).to.contain('aria-label="Conversations"');
    });

    it('records who launched, from which LMS, in which course', async () => {
      const { sessionToken } = await launch(app.url, { role: 'instructor' });
      const payload = JSON.parse(Buffer.from(sessionToken.split('.')[1] ?? '', 'base64url').toString());
      const record = await LaunchModel.findById(payload.sub).lean();
      expect(record?.role).to.equal('instructor');
      expect(record?.platform.productFamilyCode).to.equal('chatref-devlms');
      expect(record?.resourceLink?.id).to.be.a('string');
      expect(record?.locale).to.equal('en');
      expect(record?.membershipsUrl).to.contain('/dev/lms/nrps/');
      const user = await UserModel.findById(record?.userId).lean();
      expect(user).to.include({ name: 'Iris Instructor', lastRole: 'instructor' });
      const course = await CourseModel.findById(record?.courseId).lean();
      expect(course).to.include({ contextId: 'course-101', title: 'Introduction to Online Learning' });
      expect(String(course?.tenantId)).to.equal(String(record?.tenantId));
    });

    it('a launch without a course still opens the chat', async () => {
      const step = await beginLaunch(app.url, { role: 'learner' });
      const idToken = await forgedToken(step, {
        baseUrl: app.url,
        change: (claims) => delete claims[`${LTI}context`],
      });
      const response = await postLaunch(step, { id_token: idToken, state: step.state });
      expect(response.status).to.equal(303);
      const landing = new URL(response.headers.get('location') ?? '', app.url);
      expect(landing.pathname).to.equal('/chat');
      const html = await (await fetch(`${app.url}${landing.pathname}${landing.search}`)).text();
      expect(html).to.contain('No course');
    });

    it('an Open edX launch (tool_platform with only guid and name) is recorded as Open edX', async () => {
      const step = await beginLaunch(app.url);
      const idToken = await forgedToken(step, {
        baseUrl: app.url,
        change: (claims) => {
          claims[`${LTI}tool_platform`] = { guid: 'courses.example.edu', name: 'Open edX' };
        },
      });
      const response = await postLaunch(step, { id_token: idToken, state: step.state });
      expect(response.status).to.equal(303);
      const token = new URL(response.headers.get('location') ?? '', app.url).searchParams.get('ltik') ?? '';
      const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
      const record = await LaunchModel.findById(payload.sub).lean();
      expect(record?.platform).to.include({ productFamily: 'openedx', name: 'Open edX' });
    });

    it('accepts the valid odd cases: several roles, short names, unknown roles, no role, no personal data', async () => {
      const variants: Array<[string, (claims: Record<string, unknown>) => void, string]> = [
        [
          'several roles',
          (c) =>
            (c[`${LTI}roles`] = ['Learner', 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor']),
          '/chat',
        ],
        ['short admin-ish names stay learner', (c) => (c[`${LTI}roles`] = ['Learner']), '/chat'],
        ['unknown plus known', (c) => (c[`${LTI}roles`] = ['urn:x:Wizard', 'Instructor']), '/chat'],
        ['empty roles', (c) => (c[`${LTI}roles`] = []), '/chat'],
        [
          'no personal data',
          (c) => {
            for (const key of ['name', 'given_name', 'family_name', 'email', 'picture']) delete c[key];
          },
          '/chat',
        ],
        [
          'only an email',
          (c) => {
            for (const key of ['name', 'given_name', 'family_name', 'picture']) delete c[key];
          },
          '/chat',
        ],
      ];
      for (const [label, change, path] of variants) {
        const step = await beginLaunch(app.url);
        const idToken = await forgedToken(step, { baseUrl: app.url, change });
        const response = await postLaunch(step, { id_token: idToken, state: step.state });
        expect(response.status, label).to.equal(303);
        expect(new URL(response.headers.get('location') ?? '', app.url).pathname, label).to.equal(path);
      }
    });
  });

  describe('refusals: a 4xx page in plain words, nothing stored', () => {
    const attacker = generateKeyPair('RS256');

    const cases: Array<{
      name: string;
      status: number;
      text: RegExp;
      change?: (claims: Record<string, unknown>) => void;
      sign?: () => Promise<Parameters<typeof forgedToken>[1]['sign']>;
      post?: (fields: Record<string, string>) => Record<string, string>;
    }> = [
      {
        name: 'a bad signature (another key, same kid)',
        status: 401,
        text: /signature does not match/,
        sign: async () => ({ privateKey: (await attacker).privateKey }),
      },
      {
        name: 'a missing kid',
        status: 401,
        text: /does not say which key/,
        sign: async () => ({ kid: null }),
      },
      {
        name: 'an unknown kid',
        status: 401,
        text: /key the LMS does not publish/,
        sign: async () => ({ kid: 'not-a-key', privateKey: (await attacker).privateKey }),
      },
      {
        name: 'alg none',
        status: 401,
        text: /must be signed with RS256/,
        sign: async () => ({ alg: 'none' }),
      },
      {
        name: 'alg HS256',
        status: 401,
        text: /must be signed with RS256/,
        sign: async () => ({ alg: 'HS256', privateKey: new TextEncoder().encode('x'.repeat(32)) }),
      },
      {
        name: 'an expired token',
        status: 401,
        text: /has expired/,
        change: (c) => {
          c.iat = Math.floor(Date.now() / 1000) - 3600;
          c.exp = Math.floor(Date.now() / 1000) - 600;
        },
      },
      {
        name: 'a token issued in the future',
        status: 401,
        text: /issued in the future/,
        change: (c) => {
          c.iat = Math.floor(Date.now() / 1000) + 3600;
          c.exp = Math.floor(Date.now() / 1000) + 7200;
        },
      },
      {
        name: 'the wrong audience',
        status: 401,
        text: /issued for another tool/,
        change: (c) => (c.aud = 'someone-else'),
      },
      {
        name: 'an audience list without azp',
        status: 401,
        text: /no authorized party/,
        change: (c) => (c.aud = ['chatref-dev-lms', 'other-tool']),
      },
      {
        name: 'an audience list with the wrong azp',
        status: 401,
        text: /another tool as authorized party/,
        change: (c) => {
          c.aud = ['chatref-dev-lms', 'other-tool'];
          c.azp = 'other-tool';
        },
      },
      { name: 'a missing nonce', status: 401, text: /has no nonce/, change: (c) => delete c.nonce },
      {
        name: 'a nonce other than the one sent at login',
        status: 401,
        text: /nonce mismatch/,
        change: (c) => (c.nonce = 'another-nonce'),
      },
      {
        name: 'a wrong LTI version',
        status: 400,
        text: /Only LTI 1\.3/,
        change: (c) => (c[`${LTI}version`] = '1.1'),
      },
      {
        name: 'a missing version',
        status: 400,
        text: /LTI version/,
        change: (c) => delete c[`${LTI}version`],
      },
      {
        name: 'not an LTI message',
        status: 400,
        text: /message type/,
        change: (c) => delete c[`${LTI}message_type`],
      },
      {
        name: 'an unknown message type',
        status: 400,
        text: /not supported/,
        change: (c) => (c[`${LTI}message_type`] = 'LtiSubmissionReviewRequest'),
      },
      { name: 'a missing sub', status: 400, text: /user \(sub\)/, change: (c) => delete c.sub },
      {
        name: 'a missing deployment id',
        status: 400,
        text: /deployment id/,
        change: (c) => delete c[`${LTI}deployment_id`],
      },
      {
        // The roles claim is required; an empty list is how a platform says "no role" (accepted above).
        name: 'a launch without the roles claim',
        status: 400,
        text: /missing required LTI information: roles/,
        change: (c) => delete c[`${LTI}roles`],
      },
      {
        name: 'a roles claim that is not a list',
        status: 400,
        text: /roles must be a list/,
        change: (c) => (c[`${LTI}roles`] = 'Learner'),
      },
      {
        name: 'a missing resource link id',
        status: 400,
        text: /resource link id/,
        change: (c) => delete c[`${LTI}resource_link`],
      },
      { name: 'a missing issuer', status: 400, text: /issuer \(iss\)/, change: (c) => delete c.iss },
      { name: 'a missing audience', status: 400, text: /audience \(aud\)/, change: (c) => delete c.aud },
      {
        name: 'an unknown issuer',
        status: 401,
        text: /issuer differs/,
        change: (c) => (c.iss = 'https://evil.example.com'),
      },
      {
        name: 'an unknown deployment',
        status: 403,
        text: /deployment is not registered/,
        change: (c) => (c[`${LTI}deployment_id`] = 'deployment-nobody-approved'),
      },
      {
        name: 'a missing state',
        status: 400,
        text: /did not carry its login state/,
        post: (f) => ({ id_token: f.id_token ?? '' }),
      },
      {
        name: 'a state from no login',
        status: 401,
        text: /already used or has expired/,
        post: (f) => ({ ...f, state: 'made-up-state' }),
      },
      { name: 'no id token', status: 400, text: /no id_token/, post: (f) => ({ state: f.state ?? '' }) },
      {
        name: 'garbage instead of a token',
        status: 400,
        text: /not a valid signed token/,
        post: (f) => ({ ...f, id_token: 'not.a.jwt' }),
      },
    ];

    for (const testCase of cases) {
      it(`refuses ${testCase.name}`, async () => {
        const step = await beginLaunch(app.url);
        const idToken = await forgedToken(step, {
          baseUrl: app.url,
          change: testCase.change,
          sign: await testCase.sign?.(),
        });
        const before = await counts();
        const fields = { id_token: idToken, state: step.state };
        const response = await postLaunch(step, testCase.post ? testCase.post(fields) : fields);
        const html = await response.text();
        expect(response.status).to.equal(testCase.status);
        expect(response.headers.get('content-type')).to.contain('text/html');
        expect(html).to.match(testCase.text);
        expect(html).not.to.match(/\bat .+\.(ts|js):\d+/);
        expect(await counts()).to.deep.equal(before);
      });
    }

    it('refuses a replayed launch: the same id token and state work once', async () => {
      const step = await beginLaunch(app.url);
      const { fields } = await authorize(step);
      expect((await postLaunch(step, fields)).status).to.equal(303);
      const before = await counts();
      const replay = await postLaunch(step, fields);
      expect(replay.status).to.equal(401);
      expect(await replay.text()).to.match(/already used or has expired/);
      expect(await counts()).to.deep.equal(before);
    });

    it('refuses a launch from a state minted for another browser (login CSRF)', async () => {
      const victim = await beginLaunch(app.url);
      const attackerStep = await beginLaunch(app.url);
      const { fields } = await authorize(attackerStep);
      // The victim's browser posts the attacker's token and state, without the attacker's binding cookie.
      const response = await postLaunch(victim, fields);
      expect(response.status).to.equal(401);
      expect(await response.text()).to.match(/blocked the cookie|Open Chatref in a new window/);
    });

    it('refuses a login from an unknown LMS, or without its required parameters', async () => {
      const unknown = await fetch(
        `${app.url}/lti/login?${new URLSearchParams({ iss: 'https://lms.unknown.example', login_hint: 'x', target_link_uri: `${app.url}/lti/launch`, client_id: 'x' })}`,
      );
      expect(unknown.status).to.equal(403);
      expect(await unknown.text()).to.match(/not registered with Chatref/);
      const missing = await fetch(`${app.url}/lti/login?iss=${encodeURIComponent(app.url)}`);
      expect(missing.status).to.equal(400);
      expect(await missing.text()).to.match(/missing a required parameter: login_hint/);
    });

    it('leaves no login state behind for refused launches', async () => {
      const step = await beginLaunch(app.url);
      const idToken = await forgedToken(step, { baseUrl: app.url, change: (c) => (c.nonce = 'wrong') });
      await postLaunch(step, { id_token: idToken, state: step.state });
      expect(
        await new LaunchStateStore(app.runtime.redis, app.config.REDIS_PREFIX).take(step.state),
      ).to.equal(null);
    });
  });

  describe('sessions', () => {
    it('refuses a tampered session token with a way forward', async () => {
      const { sessionToken } = await launch(app.url, { role: 'learner' });
      const [header, payload, signature] = sessionToken.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
      claims.role = 'admin';
      const tampered = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join(
        '.',
      );
      const response = await fetch(`${app.url}/inbox`, {
        headers: { authorization: `Bearer ${tampered}`, accept: 'text/html' },
      });
      expect(response.status).to.equal(401);
      expect(await response.text()).to.contain('Please open Chatref again from your course');
    });

    it('keeps learners out of the admin inbox', async () => {
      const { sessionToken } = await launch(app.url, { role: 'learner' });
      const response = await fetch(`${app.url}/inbox`, {
        headers: { authorization: `Bearer ${sessionToken}` },
      });
      expect(response.status).to.equal(403);
    });

    it('a page without a launch asks the person to open Chatref from the LMS', async () => {
      const response = await fetch(`${app.url}/chat`, { headers: { accept: 'text/html' } });
      expect(response.status).to.equal(401);
      expect(await response.text()).to.contain('Please open Chatref again from your course');
    });
  });
});
