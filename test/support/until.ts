/**
 * Polls a condition the test cannot be told about (a file a script wrote, a
 * SLURM state, a count on the server) every 50 ms until it gives a truthy
 * value, which it returns; throws naming `what` after timeoutMs.
 */
export async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
