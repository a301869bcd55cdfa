// Types the page modules share: the session API (common/session.js, also on `window.chatref` for browser
// tests), a JSON request's result (common/admin-ui.js) and the SLA words of inbox-sla.js (a classic script
// on `window.chatrefSla`). `tsconfig.browser.json` checks them. Live frames come from the server's own
// declaration, so both sides share one contract.
import type { FrameArguments, LiveStreams } from '../../src/live/frames.js';

export interface SessionApi {
  /** The session token, or null when the page was opened without one. */
  token(): string | null;
  /** fetch() with the session header. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /**
   * Follows a live endpoint; `onEvent(type, data)` gets each frame it declares in `LiveStreams`, so
   * checking `type` tells what `data` holds. Returns a stop function.
   */
  liveEvents<Path extends keyof LiveStreams>(
    path: Path,
    onEvent: (...frame: FrameArguments<LiveStreams[Path]>) => void,
    onStatus?: (status: 'connected' | 'reconnecting') => void,
    options?: { lastEventId?: string | null },
  ): () => void;
}

export interface JsonResult {
  ok: boolean;
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: each page reads the fields of the endpoint it called.
  body: any;
  message: string;
}

/** How the inbox words SLA state and times (inbox-sla.js). */
export interface SlaDisplay {
  timeLeft(dueIso: string | undefined, nowMs: number): string;
  shownState(sla: { state: string; dueAt?: string } | undefined, nowMs: number): string;
  describe(
    sla: { state: string; dueAt?: string } | undefined,
    nowMs: number,
  ): { state: string; label: string; left: string };
  zonedTime(iso: string, zone: { timeZone: string; name: string }, nowMs: number): string;
  STATE_LABEL: Record<string, string>;
}

declare global {
  interface Window {
    chatref: SessionApi;
    chatrefSla: SlaDisplay;
  }
}
