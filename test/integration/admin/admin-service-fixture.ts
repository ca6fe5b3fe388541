import { randomBytes, randomUUID } from 'node:crypto';
import {
  type AdminService,
  type AdminServiceOptions,
  startAdminService,
} from '../../../src/cli/commands/admin.command.ts';
import { createLogger } from '../../../src/shared/logger.ts';

/**
 * The real admin service (its composition root: Runtime, workers, registry with a cipher) listening
 * on a free loopback port, over `redis` with a fresh prefix and encryption key. Logs go nowhere
 * unless TEST_LOG_LEVEL is set. For the in-process server without HTTP, see admin-fixture.ts.
 */
export function startTestAdminService(
  options: Pick<AdminServiceOptions, 'redis' | 'tokens'> & Partial<AdminServiceOptions>,
): Promise<AdminService> {
  return startAdminService({
    prefix: `a${randomUUID().slice(0, 8)}`,
    logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    encryptionKey: randomBytes(32).toString('hex'),
    host: '127.0.0.1',
    port: 0,
    ...options,
  });
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely; the assertions check them.
export type Json = Record<string, any>;

/** One answer of the admin API: its status, its body as text, and parsed (null when empty). */
export interface ApiAnswer {
  status: number;
  text: string;
  json: Json | null;
}

/**
 * Calls to the admin API at `url()` (read when called: the service starts in a hook) with the
 * bearer `token`; a call may pass another token, or null for none.
 */
export function adminCaller(
  url: () => string,
  token: string,
): (method: string, path: string, body?: unknown, as?: string | null) => Promise<ApiAnswer> {
  return async (method, path, body, as = token) => {
    const res = await fetch(`${url()}${path}`, {
      method,
      headers: {
        ...(as === null ? {} : { authorization: `Bearer ${as}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, text, json: text === '' ? null : (JSON.parse(text) as Json) };
  };
}
