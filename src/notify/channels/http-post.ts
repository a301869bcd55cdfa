import { ChannelError, describeNetworkError, describeStatus } from './errors.js';

/** How long one HTTP notification may take before it counts as failed (and is retried). */
export const HTTP_TIMEOUT_MS = 15_000;

/** POSTs JSON; anything but a 2xx answer becomes a {@link ChannelError} saying what the receiver said. */
export async function postJson(
  channel: string,
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number }> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Chatref-Notifications/1', ...headers },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
  } catch (error) {
    throw new ChannelError(describeNetworkError(channel, error));
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) throw new ChannelError(describeStatus(channel, response.status, text), response.status);
  return { status: response.status };
}
