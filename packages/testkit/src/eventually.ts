// Polls a condition until it yields a value or the time is up; the last error explains a failure.
export async function eventually<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`, lastError === undefined ? undefined : { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
