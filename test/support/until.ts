/**
 * Poll `check` every 20 ms until it holds (Redis and sandbox state have no push events); fails
 * naming `what` after `timeoutMs`, sized for a loaded 2-core machine.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
