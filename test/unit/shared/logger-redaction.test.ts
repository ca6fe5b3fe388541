import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseTenants } from '../../../src/config/tenants-file.ts';
import { AppError } from '../../../src/shared/app-error.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { REDACTED, redactSecrets } from '../../../src/shared/redact.ts';

function capture(): { lines: () => string[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';

describe('secret redaction in logs', () => {
  it('never writes a tenant credential, at any depth', () => {
    const [tenant] = parseTenants({
      tenants: [
        {
          id: 'acme',
          name: 'Acme',
          connection: {
            crm: 'salesforce',
            auth: {
              type: 'jwt_bearer',
              clientId: 'client-visible',
              username: 'int@acme.com',
              privateKey: PEM,
            },
          },
        },
      ],
    });
    const out = capture();
    const log = createLogger({ destination: out.stream });
    log.info(
      { tenant, refresh_token: 'rt-SECRET-1', headers: { Authorization: 'Bearer at-SECRET-2' } },
      'loaded',
    );
    const text = out.lines().join('\n');
    expect(text).not.toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC');
    expect(text).not.toContain('rt-SECRET-1');
    expect(text).not.toContain('at-SECRET-2');
    expect(text).toContain(REDACTED);
    // Non-secret context is kept: redaction must not blank the whole record.
    expect(text).toContain('client-visible');
    expect(text).toContain('int@acme.com');
  });

  it('redacts secrets inside message strings and errors', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream });
    log.warn('retrying with Authorization: Bearer abcdef123456SECRET');
    const err = new AppError('CRM_AUTH', 'refresh failed for refresh_token=zzzSECRETzzz');
    log.error({ err }, 'auth failed');
    const text = out.lines().join('\n');
    expect(text).not.toContain('abcdef123456SECRET');
    expect(text).not.toContain('zzzSECRETzzz');
    expect(text).toContain('CRM_AUTH');
    expect(text).toContain('auth failed');
  });

  it('keeps null credentials and handles cycles', () => {
    const cyclic: Record<string, unknown> = { accessToken: null, name: 'n' };
    cyclic.self = cyclic;
    const cleaned = redactSecrets(cyclic) as Record<string, unknown>;
    expect(cleaned.accessToken).toBeNull();
    expect(cleaned.name).toBe('n');
    expect(cleaned.self).toBe('[Truncated]');
  });
});
