import { timingSafeEqual } from 'node:crypto';
import { signWebhook } from '../../../src/notify/channels/signature.js';

/**
 * Checks a signature the way a receiver should (docs/features/notifications.md): same HMAC, constant-time comparison, and a
 * timestamp no older than `toleranceSeconds` (replays of an old request are refused).
 */
export function verifyWebhook(
  secret: string,
  timestamp: string,
  body: string,
  signature: string,
  toleranceSeconds = 300,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  const sent = Number(timestamp);
  if (!Number.isFinite(sent) || Math.abs(nowSeconds - sent) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
