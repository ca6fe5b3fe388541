/**
 * Resume an async iterable only inside `scope` (e.g. an AsyncLocalStorage run that carries the job's
 * AbortSignal), so that the calls a generator makes between two pages see that scope: a generator
 * resumes in the async context of whoever calls `next()`.
 */
export async function* scopedIterable<T>(
  scope: <R>(fn: () => Promise<R>) => Promise<R>,
  items: AsyncIterable<T>,
): AsyncGenerator<T> {
  const it = items[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const next = await scope(() => it.next());
      if (next.done === true) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!finished) await it.return?.();
  }
}
