/**
 * Secret redaction for anything that may reach a log or an HTTP response. Key-based (any depth)
 * because pino's path redaction cannot express "a token at any depth", plus patterns for secrets
 * embedded in strings (an Authorization header echoed in an error message, a token in a URL).
 */

export const REDACTED = '[REDACTED]';

/** Key names (case-insensitive, ignoring - and _) whose values are always secrets. */
const SECRET_KEYS = new Set(
  [
    'accessToken',
    'refreshToken',
    'clientSecret',
    'privateKey',
    'password',
    'authorization',
    'apiKey',
    'token',
    'secret',
    'assertion',
    'encryptionKey',
    'adminTokens',
    'sessionId',
    'cookie',
    'set-cookie',
  ].map(normaliseKey),
);

const SECRET_PATTERNS: RegExp[] = [
  /\b(Bearer|OAuth)\s+[A-Za-z0-9._~+/=!-]{6,}/gi,
  /\b(access_token|refresh_token|client_secret|assertion|token)=([^&\s"']+)/gi,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(normaliseKey(key));
}

export function redactString(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(pattern, (match, first: string) =>
      match.startsWith('-----')
        ? REDACTED
        : match.includes('=')
          ? `${first}=${REDACTED}`
          : `${first} ${REDACTED}`,
    );
  }
  return out;
}

/** A deep copy of `value` with every secret replaced; cycles and depth are bounded. */
export function redactSecrets(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 12 || seen.has(value)) return '[Truncated]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1, seen));
  if (value instanceof Error) {
    const out: Record<string, unknown> = { type: value.name, message: redactString(value.message) };
    if (value.stack !== undefined) out.stack = redactString(value.stack);
    for (const [key, inner] of Object.entries(value)) {
      out[key] = isSecretKey(key) ? REDACTED : redactSecrets(inner, depth + 1, seen);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] =
      isSecretKey(key) && inner !== null && inner !== undefined
        ? REDACTED
        : redactSecrets(inner, depth + 1, seen);
  }
  return out;
}
