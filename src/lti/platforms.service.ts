import { LRUCache } from 'lru-cache';
import { AppError } from '../lib/errors.js';
import { listDeployments, removePlatformDeployments } from '../tenants/tenant.service.js';
import { type LtijsPlatform, ltijsProvider } from './ltijs.js';

/** A registered LMS, as the rest of the product sees it. */
export interface Platform {
  id: string;
  name: string;
  issuer: string;
  clientId: string;
  authUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  active: boolean;
}

async function present(platform: LtijsPlatform): Promise<Platform> {
  const [id, name, issuer, clientId, authUrl, tokenUrl, authConfig, active] = await Promise.all([
    platform.platformId(),
    platform.platformName(),
    platform.platformUrl(),
    platform.platformClientId(),
    platform.platformAuthEndpoint(),
    platform.platformAccessTokenEndpoint(),
    platform.platformAuthConfig(),
    platform.platformActive(),
  ]);
  return { id, name, issuer, clientId, authUrl, tokenUrl, jwksUrl: authConfig.key, active };
}

/**
 * Launches read platforms on every login and launch; each read is several database round trips in
 * ltijs. Cached briefly per process: changes made here clear it at once, changes made by another
 * process (e.g. the CLI deactivating a platform) apply within PLATFORM_CACHE_TTL_MS.
 */
export const PLATFORM_CACHE_TTL_MS = 30_000;
const platformCache = new LRUCache<string, { platform: Platform | null }>({
  max: 1000,
  ttl: PLATFORM_CACHE_TTL_MS,
});

/** The platform registered for (issuer, client id), or null. */
export async function findPlatform(issuer: string, clientId: string): Promise<Platform | null> {
  const key = `${issuer}\u0000${clientId}`;
  const cached = platformCache.get(key);
  if (cached) return cached.platform;
  const found = await (await ltijsProvider()).getPlatform(issuer, clientId);
  const platform = !found || Array.isArray(found) ? null : await present(found);
  platformCache.set(key, { platform });
  return platform;
}

/** Every platform registered under an issuer (a login without client_id must match exactly one). */
export async function findPlatformsByIssuer(issuer: string): Promise<Platform[]> {
  const found = await (await ltijsProvider()).getPlatform(issuer);
  if (!found) return [];
  return Promise.all((Array.isArray(found) ? found : [found]).map(present));
}

export interface NewPlatform {
  issuer: string;
  clientId: string;
  name?: string;
  authUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  /** Registrations that arrive by themselves (dynamic registration) wait for approval. */
  active: boolean;
}

/** Registers an LMS (or updates its endpoints). The tool's key pair for it is created and stored by ltijs. */
export async function registerPlatform(input: NewPlatform): Promise<Platform> {
  for (const [label, value] of Object.entries({
    issuer: input.issuer,
    'auth URL': input.authUrl,
    'token URL': input.tokenUrl,
    'JWKS URL': input.jwksUrl,
  })) {
    try {
      new URL(value);
    } catch {
      throw new AppError('bad_request', `The ${label} must be a full URL (got "${value}").`);
    }
  }
  const provider = await ltijsProvider();
  const platform = await provider.registerPlatform({
    url: input.issuer,
    clientId: input.clientId,
    name: input.name ?? new URL(input.issuer).hostname,
    authenticationEndpoint: input.authUrl,
    accesstokenEndpoint: input.tokenUrl,
    authConfig: { method: 'JWK_SET', key: input.jwksUrl },
  });
  await platform.platformActive(input.active);
  platformCache.clear();
  return present(platform);
}

/** Approves or suspends a platform: launches from an inactive one are refused. */
export async function setPlatformActive(
  issuer: string,
  clientId: string,
  active: boolean,
): Promise<Platform> {
  const found = await (await ltijsProvider()).getPlatform(issuer, clientId);
  if (!found || Array.isArray(found))
    throw new AppError('not_found', `No platform ${issuer} with client id ${clientId}.`);
  await found.platformActive(active);
  platformCache.clear();
  return present(found);
}

/** Every registered platform with its deployments. */
export async function listPlatforms(): Promise<
  Array<Platform & { deployments: Awaited<ReturnType<typeof listDeployments>> }>
> {
  const platforms = await Promise.all((await (await ltijsProvider()).getAllPlatforms()).map(present));
  return Promise.all(
    platforms.map(async (platform) => ({
      ...platform,
      deployments: await listDeployments({ issuer: platform.issuer, clientId: platform.clientId }),
    })),
  );
}

/** Unregisters a platform and its deployments; tenants and their data stay. */
export async function removePlatform(issuer: string, clientId: string): Promise<boolean> {
  const removed = await (await ltijsProvider()).deletePlatform(issuer, clientId);
  platformCache.clear();
  await removePlatformDeployments(issuer, clientId);
  return Boolean(removed);
}
