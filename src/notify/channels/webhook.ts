import type { NotificationContent } from '../notify.models.js';
import { postJson } from './http-post.js';
import { type MessageLinks, renderWebhook } from './render.js';
import { signWebhook } from './signature.js';

/**
 * POSTs the JSON body with `X-Chatref-Timestamp` (unix seconds), `X-Chatref-Signature` (see
 * {@link signWebhook}; absent when the target has no secret) and the delivery id as `Idempotency-Key` and
 * `X-Chatref-Delivery`, the same on every retry so a receiver can drop repeats.
 */
export async function sendWebhook(
  url: string,
  secret: string | undefined,
  content: NotificationContent,
  meta: { deliveryId: string; tenantId: string; createdAt: string },
  links: MessageLinks,
  now = new Date(),
): Promise<void> {
  const body = JSON.stringify(renderWebhook(content, meta, links));
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const headers: Record<string, string> = {
    'x-chatref-timestamp': timestamp,
    'x-chatref-delivery': meta.deliveryId,
    'idempotency-key': meta.deliveryId,
    'x-chatref-event': content.kind,
  };
  if (secret) headers['x-chatref-signature'] = signWebhook(secret, timestamp, body);
  await postJson('The webhook', url, body, headers);
}
