/**
 * Admin API tokens and their scopes. `ADMIN_TOKENS` is a comma-separated list; each entry is
 * either a bare token (an admin token, as before: named `token-1`, `token-2`, ...) or
 * `NAME:SCOPE=TOKEN`, where SCOPE is `admin`, `operator`, `read-only`, `metrics` or
 * `tenant:<tenantId>` (read-only, one tenant). The name is what the audit log records.
 */

type TokenRole = 'admin' | 'operator' | 'read-only' | 'metrics' | 'tenant';

export interface AccessToken {
  name: string;
  token: string;
  role: TokenRole;
  /** The one tenant a `tenant` token may read. */
  tenantId?: string;
}

const SCOPED =
  /^([a-z0-9][a-z0-9-]{0,62}):(admin|operator|read-only|metrics|tenant:([a-z0-9][a-z0-9-]{0,62}))=(.+)$/;

/** Minimum length and estimated entropy of a token (a random 24-character hex token has ~90 bits). */
const MIN_TOKEN_LENGTH = 24;
const MIN_TOKEN_BITS = 64;

/**
 * Estimated entropy in bits: length times the Shannon entropy of the token's own character
 * distribution. `aaaaaaaaaaaaaaaaaaaaaaaa` has 0 bits; `openssl rand -hex 24` about 180.
 */
function tokenEntropyBits(token: string): number {
  const counts = new Map<string, number>();
  for (const ch of token) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) {
    const p = n / token.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * token.length;
}

/** Why a token is too weak, or null. */
function weakTokenProblem(token: string): string | null {
  if (token.length < MIN_TOKEN_LENGTH) return `must be at least ${MIN_TOKEN_LENGTH} characters`;
  if (tokenEntropyBits(token) < MIN_TOKEN_BITS) {
    return 'is too predictable (repeated characters); use a random token such as `openssl rand -hex 24`';
  }
  return null;
}

/** Parse the entries of ADMIN_TOKENS; throws an Error naming each bad entry (never its token). */
export function parseAdminTokens(entries: readonly string[]): AccessToken[] {
  const problems: string[] = [];
  const tokens = entries.map((entry, index): AccessToken => {
    const match = SCOPED.exec(entry);
    const parsed: AccessToken = match
      ? {
          name: match[1]!,
          token: match[4]!,
          role: (match[3] === undefined ? match[2] : 'tenant') as TokenRole,
          ...(match[3] === undefined ? {} : { tenantId: match[3] }),
        }
      : { name: `token-${index + 1}`, token: entry, role: 'admin' };
    const weak = weakTokenProblem(parsed.token);
    if (weak !== null) problems.push(`token ${index + 1} (${parsed.name}) ${weak}`);
    return parsed;
  });
  const names = tokens.map((t) => t.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) problems.push(`token name "${duplicate}" is used twice`);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return tokens;
}
