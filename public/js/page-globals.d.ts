// The session and admin helpers (shared/session.js, shared/admin-ui.js), as page modules import them and as
// they are put on `window` for the page scripts that read globals; and the SLA words of inbox-sla.js.
// `tsconfig.browser.json` checks them. Live frames come from the server's own declaration, so both sides
// share one contract.
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

export interface AdminHelpers {
  announcer(region: HTMLElement): (text: string) => void;
  cell(label: string, text?: string): HTMLTableCellElement;
  actionButton(
    word: string,
    what: string,
    onClick: (event: MouseEvent) => void,
    secondary?: boolean,
  ): HTMLButtonElement;
  showError(element: HTMLElement, text?: string): void;
  // biome-ignore lint/suspicious/noExplicitAny: the body of whatever the request answered.
  readJson(response: Response): Promise<any>;
  // biome-ignore lint/suspicious/noExplicitAny: an error body of any shape.
  messageOf(body: any, response: Response): string;
  sendJson(path: string, method?: string, data?: unknown): Promise<JsonResult>;
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
    chatrefAdmin: AdminHelpers;
    chatrefSla: SlaDisplay;
  }
}
