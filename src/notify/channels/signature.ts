import { createHmac } from 'node:crypto';

/**
 * The webhook signature: `sha256=` and the hex HMAC-SHA256, keyed with the channel's secret, of
 * `<timestamp>.<body>` (the timestamp header's value, a dot, the raw body).
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
