import type { ChainableCommander } from 'ioredis';

/**
 * Run a MULTI and fail on any error inside it. ioredis resolves `exec()` with one [error, result]
 * pair per command (and null when a WATCH aborted it): a failed command inside a transaction is
 * not a rejected promise, so every MULTI goes through here.
 */
export async function execChecked(tx: ChainableCommander): Promise<unknown[]> {
  const replies = await tx.exec();
  if (replies === null) throw new Error('Redis transaction aborted (a watched key changed)');
  const failed = replies.find(([err]) => err !== null);
  if (failed) throw failed[0];
  return replies.map(([, result]) => result);
}
