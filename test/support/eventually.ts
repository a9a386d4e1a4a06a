/**
 * The one polling loop of the tests (Temporal's visibility, the outbox and the sandbox are all
 * eventually consistent: poll, never sleep). Calls `probe` until `accept` takes its value or the
 * time is up, and returns the last value: the caller's assertion on it says what was wrong.
 */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, { timeoutMs = 30_000, everyMs = 200 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!accept(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, everyMs));
    value = await probe();
  }
  return value;
}

/** Polls until `check` returns a value (not undefined or false), and throws naming `what` if none came in time. */
export async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const value = await eventually(check, Boolean, { timeoutMs });
  if (!value) throw new Error(`timed out waiting for ${what}`);
  return value;
}
