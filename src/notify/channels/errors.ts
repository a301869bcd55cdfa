/**
 * A failed send, with a message safe to store and show on the settings page: it names the channel and
 * the answer, never the URL (Slack and Teams URLs are credentials) or a secret.
 */
export class ChannelError extends Error {
  constructor(
    message: string,
    /** The HTTP status or SMTP code the receiver answered, when it answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}

/** What an HTTP status means for the person fixing the channel. */
export function describeStatus(channel: string, status: number, body?: string): string {
  const said = body ? ` (${body.replace(/\s+/g, ' ').trim().slice(0, 120)})` : '';
  if (status === 404 || status === 410)
    return `${channel} answered ${status}${said}: the URL no longer exists; create a new one and update the channel.`;
  if (status === 401 || status === 403)
    return `${channel} answered ${status}${said}: the URL was refused (revoked or not allowed).`;
  if (status === 429) return `${channel} answered 429${said}: too many requests; retried later.`;
  return `${channel} answered ${status}${said}.`;
}

/** A network failure as a short sentence (timeouts, refused connections, unknown hosts). */
export function describeNetworkError(channel: string, error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code;
  if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError')
    return `${channel} did not answer in time.`;
  return `${channel} could not be reached${code ? ` (${code})` : ''}.`;
}
