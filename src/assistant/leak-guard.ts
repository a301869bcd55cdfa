/** Words of a text as the guard compares them: lower case, letters and digits only (markup and numbering fall away). */
function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Consecutive words of a protected line that, found in a reply, count as repeating it. */
export const LEAK_RUN_WORDS = 8;

/** Every run of {@link LEAK_RUN_WORDS} words of the protected lines. */
export function leakRuns(lines: readonly string[]): Set<string> {
  const runs = new Set<string>();
  for (const line of lines) {
    const words = wordsOf(line);
    for (let i = 0; i + LEAK_RUN_WORDS <= words.length; i++)
      runs.add(words.slice(i, i + LEAK_RUN_WORDS).join(' '));
  }
  return runs;
}

/** True when `text` repeats a run of {@link LEAK_RUN_WORDS} words of the protected lines. */
export function repeatsProtectedText(text: string, runs: ReadonlySet<string>): boolean {
  const words = wordsOf(text);
  for (let i = 0; i + LEAK_RUN_WORDS <= words.length; i++)
    if (runs.has(words.slice(i, i + LEAK_RUN_WORDS).join(' '))) return true;
  return false;
}

/**
 * Streams a model's visible answer while making sure no run of the system prompt's distinctive lines
 * reaches the learner, not even for a moment: the last {@link LEAK_RUN_WORDS} words are held back until
 * more text shows they do not start a repeated run. Once the answer repeats one, nothing more is
 * streamed and {@link leaked} is true; the caller then answers otherwise (the page replaces the streamed
 * bubble with the stored answer).
 */
export class LeakGuard {
  private text = '';
  private emitted = 0;
  /** Runs starting before this word were checked with all their words complete. */
  private checkedFrom = 0;
  leaked = false;

  constructor(
    private readonly runs: ReadonlySet<string>,
    private readonly emit: (text: string) => void,
  ) {}

  push(piece: string): void {
    if (this.leaked) return;
    this.text += piece;
    const words = wordsOf(this.text);
    for (let i = this.checkedFrom; i + LEAK_RUN_WORDS <= words.length; i++)
      if (this.runs.has(words.slice(i, i + LEAK_RUN_WORDS).join(' '))) {
        this.leaked = true;
        return;
      }
    // The last word may still grow: runs that reach it are checked again with the next piece.
    this.checkedFrom = Math.max(this.checkedFrom, words.length - LEAK_RUN_WORDS);
    // Everything before the start of the last LEAK_RUN_WORDS words (a partial word counts) is safe.
    const starts = [...this.text.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => m.index ?? 0);
    const safeEnd = starts.length > LEAK_RUN_WORDS ? (starts[starts.length - LEAK_RUN_WORDS] ?? 0) : 0;
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
}
