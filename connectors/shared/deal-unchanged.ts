import { isDeepStrictEqual } from 'node:util';
import type { Deal } from '../../src/domain/index.ts';

/**
 * Whether a freshly read deal equals the stored one apart from `updatedAt`. The CRM moves
 * `updatedAt` when we write our health fields back (they are not part of `Deal`), so a deal that
 * differs only there changed nothing we score on, and its associations and activities need not
 * be read again for it. Any other difference, however small, means "changed".
 */
export function dealUnchanged(fresh: Deal, stored: Deal): boolean {
  return fresh.id === stored.id && isDeepStrictEqual({ ...fresh, updatedAt: stored.updatedAt }, stored);
}
