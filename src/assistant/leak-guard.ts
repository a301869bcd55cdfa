/** Words of a text as the guard compares them: lower case, letters and digits only (markup and numbering fall away). */
function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Consecutive words of a protected line that, found in a reply, count as repeating it. */
export const LEAK_RUN_WORDS = 8;

/** The protected lines as the guard checks them. */
export interface ProtectedText {
  /** Every run of {@link LEAK_RUN_WORDS} words of the lines, words joined by one space. */
  runs: Set<string>;
  /** Every beginning of a run, to the character ("answer only fr"): text that may still become one. */
  beginnings: Set<string>;
}

/** Prepares lines (the system prompt's distinctive ones) for {@link LeakGuard}. */
export function protectedText(lines: readonly string[]): ProtectedText {
  const runs = new Set<string>();
  const beginnings = new Set<string>();
  for (const line of lines) {
    const words = wordsOf(line);
    for (let i = 0; i + LEAK_RUN_WORDS <= words.length; i++) {
      const run = words.slice(i, i + LEAK_RUN_WORDS).join(' ');
      runs.add(run);
      for (let end = 1; end < run.length; end++) beginnings.add(run.slice(0, end));
    }
  }
  return { runs, beginnings };
}

/** True when `text` repeats a run of {@link LEAK_RUN_WORDS} words of the protected lines. */
export function repeatsProtectedText(text: string, guarded: ProtectedText): boolean {
  const words = wordsOf(text);
  for (let i = 0; i + LEAK_RUN_WORDS <= words.length; i++)
    if (guarded.runs.has(words.slice(i, i + LEAK_RUN_WORDS).join(' '))) return true;
  return false;
}

/**
 * Streams a model's visible answer while making sure no run of the system prompt's distinctive lines
 * reaches the learner, not even for a moment. Text is shown as it comes, except a tail that could be the
 * beginning of a protected run ("Answer only from the…"): that waits until the next words show it is not
 * one. Once the answer repeats a run, nothing more is streamed and {@link leaked} is true; the caller then
 * answers otherwise (the page replaces the streamed bubble with the stored answer).
 */
export class LeakGuard {
  private text = '';
  private emitted = 0;
  /** Runs starting before this word were checked with all their words complete. */
  private checkedFrom = 0;
  leaked = false;

  constructor(
    private readonly guarded: ProtectedText,
    private readonly emit: (text: string) => void,
  ) {}

  push(piece: string): void {
    if (this.leaked) return;
    this.text += piece;
    const matches = [...this.text.matchAll(/[\p{L}\p{N}]+/gu)];
    const words = matches.map((m) => m[0].toLowerCase());
    for (let i = this.checkedFrom; i + LEAK_RUN_WORDS <= words.length; i++)
      if (this.guarded.runs.has(words.slice(i, i + LEAK_RUN_WORDS).join(' '))) {
        this.leaked = true;
        return;
      }
    // The last word may still grow: runs that reach it are checked again with the next piece.
    this.checkedFrom = Math.max(this.checkedFrom, words.length - LEAK_RUN_WORDS);
    const safeEnd = this.safeEnd(words, matches);
    if (safeEnd > this.emitted) {
      this.emit(this.text.slice(this.emitted, safeEnd));
      this.emitted = safeEnd;
    }
  }

  /** Ends the stream: the rest is shown when the answer leaked nothing. Returns {@link leaked}. */
  end(): boolean {
    if (!this.leaked && this.emitted < this.text.length) {
      this.emit(this.text.slice(this.emitted));
      this.emitted = this.text.length;
    }
    return this.leaked;
  }

  /** Where the longest tail that could begin a protected run starts (the text's end when none could). */
  private safeEnd(words: string[], matches: RegExpMatchArray[]): number {
    // A text ending in a letter may be mid-word: its last word only has to begin a run's word.
    const midWord = /[\p{L}\p{N}]$/u.test(this.text);
    // Up to a run less one word, or a whole run when its last word may still be coming.
    const longest = midWord ? LEAK_RUN_WORDS : LEAK_RUN_WORDS - 1;
    for (let start = Math.max(0, words.length - longest); start < words.length; start++) {
      const tail = words.slice(start).join(' ');
      if (this.guarded.beginnings.has(midWord ? tail : `${tail} `)) return matches[start]?.index ?? 0;
    }
    return this.text.length;
  }
}
