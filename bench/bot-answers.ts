/**
 * What both chat benches read from a learner's live channel: Server-Sent Events blocks, of which only the
 * bot's stored answers matter, each handed to whoever waits for the answer to that question. Subclasses
 * bring the transport (fetch or undici) and feed it text with {@link BotAnswers.read}.
 */
export class BotAnswers {
  private buffer = '';
  private readonly waiters = new Map<string, (at: number) => void>();
  botAnswers = 0;

  /** Feeds received text; complete blocks are handled at once. */
  protected read(chunk: string): void {
    this.buffer += chunk;
    let end = this.buffer.indexOf('\n\n');
    while (end >= 0) {
      this.frame(this.buffer.slice(0, end));
      this.buffer = this.buffer.slice(end + 2);
      end = this.buffer.indexOf('\n\n');
    }
  }

  private frame(text: string) {
    const at = performance.now();
    let type = 'message';
    let data = '';
    for (const line of text.split('\n')) {
      if (line.startsWith('event: ')) type = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (type !== 'message' || !data) return;
    const message = (JSON.parse(data) as { message?: { author?: string; clientId?: string } }).message;
    if (message?.author !== 'bot') return;
    this.botAnswers++;
    // A bot answer's client id is `bot:<the question's client id>`.
    const key = message.clientId?.replace(/^bot:/, '') ?? '';
    const resolve = this.waiters.get(key);
    this.waiters.delete(key);
    resolve?.(at);
  }

  /** Resolves with the time the bot's answer to `clientId` arrived (or null on timeout). */
  waitForAnswer(clientId: string, timeoutMs: number): Promise<number | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(clientId);
        resolve(null);
      }, timeoutMs);
      this.waiters.set(clientId, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }
}
