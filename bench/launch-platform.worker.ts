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
  claims.sub = `bench-user-${index % 200}`;
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
  if (launch.statusCode !== 303) failures += 1;
  serverMs.push(t1 - t0 + (t3 - t2));
}

const started = performance.now();
await Promise.all(
  Array.from({ length: input.concurrency }, async () => {
    while (next < input.launches) await oneLaunch(input.offset + next++);
  }),
);
parentPort?.postMessage({ serverMs, failures, seconds: (performance.now() - started) / 1000 });
