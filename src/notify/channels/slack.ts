import { IncomingWebhook, IncomingWebhookHTTPError } from '@slack/webhook';
import type { NotificationContent } from '../notify.models.js';
import { ChannelError, describeNetworkError, describeStatus } from './errors.js';
import { HTTP_TIMEOUT_MS } from './http-post.js';
import { type MessageLinks, renderSlack } from './render.js';

/** Posts a message to a Slack incoming webhook (Block Kit, text escaped per Slack's rules). */
export async function sendSlack(
  url: string,
  content: NotificationContent,
  links: MessageLinks,
): Promise<void> {
  const webhook = new IncomingWebhook(url, { timeout: HTTP_TIMEOUT_MS });
  const message = renderSlack(content, links);
  try {
    await webhook.send(message as unknown as Parameters<IncomingWebhook['send']>[0]);
  } catch (error) {
    if (error instanceof IncomingWebhookHTTPError)
      throw new ChannelError(describeStatus('Slack', error.statusCode, error.body), error.statusCode);
    throw new ChannelError(
      describeNetworkError('Slack', (error as { original?: unknown }).original ?? error),
    );
  }
}
