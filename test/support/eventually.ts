/**
 * Polls `check` until it gives a value (anything but undefined, null or false), or fails after
 * `timeoutMs`: tests synchronise on state this way, never on a fixed sleep. Null counts as "not yet"
 * because database reads answer null for a document not written yet.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
