/** The SDK's ApiException carries `code` and the parsed `body`: await a call that must fail and return both. */
export async function apiError(
  promise: Promise<unknown>,
): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: number; body?: Record<string, unknown> };
    if (typeof e.code === 'number') return { code: e.code, body: e.body ?? {} };
    throw error;
  }
  throw new Error('expected an API error');
}
