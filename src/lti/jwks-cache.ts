import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

const keySets = new Map<string, JWTVerifyGetKey>();

/**
 * A platform's signing keys, fetched once and kept for 10 minutes; an unknown `kid` triggers a refetch
 * (at most every 30 s), so key rotation works without a fetch on every launch.
 */
export function platformKeys(jwksUrl: string): JWTVerifyGetKey {
  let keySet = keySets.get(jwksUrl);
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(jwksUrl), {
      cacheMaxAge: 10 * 60_000,
      cooldownDuration: 30_000,
      timeoutDuration: 5000,
      // Canvas refuses requests without a User-Agent.
      headers: { 'User-Agent': 'Chatref-LTI (+https://github.com/chatref)' },
    });
    keySets.set(jwksUrl, keySet);
  }
  return keySet;
}
