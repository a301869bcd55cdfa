/**
 * The "LMS" side of the launch bench, in its own thread so it does not share the tool's event loop:
 * starts logins, signs id tokens with the development LMS key, posts launches, and reports timings.
 */
import { createPrivateKey, type JsonWebKeyInput, sign } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
// undici's request(): the same HTTP client as fetch() without its per-request overhead, so the
// simulated LMS takes less of the machine's two cores from the tool it measures.
import { request } from 'undici';
import { buildIdTokenClaims } from '../src/devlms/claims.js';
import { LTI, NRPS_CLAIM, platformUrls } from '../src/devlms/constants.js';

interface Input {
  /** PUBLIC_URL of the tool (what tokens and redirects name). */
  publicUrl: string;
  /** Where to send requests: one or several web processes of the same tool, used in turn. */
  servers: string[];
  loginQuery: string;
  privateJwk: Record<string, unknown>;
  kid: string;
  launches: number;
  concurrency: number;
  offset: number;
  /** Each launch a new user: `sub` is `<subPrefix>-<index>` (else 200 users launch in turn). */
  subPrefix?: string;
  /** Courses the launches spread over (else the development LMS's one course). */
  contexts?: Array<{ contextId: string; title: string; label: string }>;
  /** Also load the page the launch lands on (`GET /chat?ltik=…`), as the LMS iframe does. */
  landing?: boolean;
  /** Start no launch after this many ms (those under way finish). */
  deadlineMs?: number;
  /** Hand back each launch's session token (for benches that go on as these users). */
  returnTokens?: boolean;
}

const input = workerData as Input;
const key = createPrivateKey({ key: input.privateJwk, format: 'jwk' } as JsonWebKeyInput);
const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: input.kid })).toString(
  'base64url',
);

/** RS256 with node:crypto directly: the simulated LMS should take as little of the shared CPU as it can. */
function signIdToken(claims: Record<string, unknown>): string {
  const signingInput = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), key).toString('base64url')}`;
}
const serverMs: number[] = [];
const pageMs: number[] = [];
const tokens: string[] = [];
let failures = 0;
let next = 0;

async function oneLaunch(index: number) {
  // Login and launch may reach different processes: state is shared through Redis.
  const server = (step: number) => input.servers[(index + step) % input.servers.length] ?? input.publicUrl;
  const t0 = performance.now();
  const login = await request(`${server(0)}/lti/login?${input.loginQuery}`);
  await login.body.dump();
  const t1 = performance.now();
  const location = new URL(String(login.headers.location ?? ''));
  const setCookie = login.headers['set-cookie'];
  const cookie = (Array.isArray(setCookie) ? setCookie[0] : (setCookie ?? ''))?.split(';')[0] ?? '';
  const claims = buildIdTokenClaims(
    { role: index % 10 === 0 ? 'instructor' : 'learner', nonce: location.searchParams.get('nonce') ?? '' },
    input.publicUrl,
  );
  if (input.subPrefix) {
    // A new person every launch, named as an LMS would name them.
    const sub = `${input.subPrefix}-${index}`;
    Object.assign(claims, {
      sub,
      name: `Learner ${index}`,
      given_name: 'Learner',
      family_name: String(index),
      email: `${sub}@students.example.edu`,
    });
  } else claims.sub = `bench-user-${index % 200}`;
  const course = input.contexts?.length ? input.contexts[index % input.contexts.length] : undefined;
  if (course) {
    claims[`${LTI}context`] = {
      id: course.contextId,
      label: course.label,
      title: course.title,
      type: ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering'],
    };
    claims[`${LTI}lis`] = { person_sourcedid: claims.sub, course_section_sourcedid: course.contextId };
    claims[NRPS_CLAIM] = {
      context_memberships_url: platformUrls(input.publicUrl).membershipsUrl(course.contextId),
      service_versions: ['2.0'],
    };
  }
  const idToken = signIdToken(claims);
  const t2 = performance.now();
  const launch = await request(`${server(1)}/lti/launch`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      id_token: idToken,
      state: location.searchParams.get('state') ?? '',
    }).toString(),
  });
  await launch.body.dump();
  const t3 = performance.now();
  if (launch.statusCode !== 303) {
    failures += 1;
    return;
  }
  const landing = new URL(String(launch.headers.location ?? ''), server(2));
  if (input.returnTokens) tokens.push(landing.searchParams.get('ltik') ?? '');
  let t5 = t3;
  if (input.landing) {
    // The iframe follows the redirect to the page the launch lands on (on the process it reached).
    const page = await request(`${server(1)}${landing.pathname}${landing.search}`);
    await page.body.dump();
    t5 = performance.now();
    if (page.statusCode !== 200) {
      failures += 1;
      return;
    }
    pageMs.push(t5 - t3);
  }
  serverMs.push(t1 - t0 + (t5 - t2));
}

const started = performance.now();
const deadline = started + (input.deadlineMs ?? Number.POSITIVE_INFINITY);
await Promise.all(
  Array.from({ length: input.concurrency }, async () => {
    while (next < input.launches && performance.now() < deadline) await oneLaunch(input.offset + next++);
  }),
);
parentPort?.postMessage({
  serverMs,
  pageMs,
  tokens,
  failures,
  launches: next,
  seconds: (performance.now() - started) / 1000,
});
