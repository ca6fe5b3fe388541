import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/shared/app-error.ts';
import { CredentialCipher, decodeEncryptionKey } from '../../../src/store/credential-cipher.ts';

const hexKey = randomBytes(32).toString('hex');

describe('CredentialCipher (AES-256-GCM)', () => {
  it('round-trips a secret and never leaves it readable in the blob', () => {
    const cipher = new CredentialCipher(hexKey);
    const secret = JSON.stringify({ type: 'private_app', accessToken: 'pat-na1-very-secret-token' });
    const blob = cipher.encrypt(secret, 'acme');
    expect(blob.startsWith('v1.')).toBe(true);
    expect(blob).not.toContain('very-secret');
    expect(Buffer.from(blob.split('.')[3]!, 'base64url').toString('utf8')).not.toContain('very-secret');
    expect(cipher.decrypt(blob, 'acme')).toBe(secret);
  });

  it('uses a fresh IV for every value', () => {
    const cipher = new CredentialCipher(hexKey);
    expect(cipher.encrypt('same', 'acme')).not.toBe(cipher.encrypt('same', 'acme'));
  });

  it('refuses another tenant id, another key and a tampered blob', () => {
    const cipher = new CredentialCipher(hexKey);
    const blob = cipher.encrypt('secret', 'acme');
    const expectDecryptFails = (fn: () => unknown) => {
      try {
        fn();
        expect.unreachable('decrypt should have failed');
      } catch (err) {
        expect(isAppError(err) && err.code).toBe('CONFIG_INVALID');
      }
    };
    expectDecryptFails(() => cipher.decrypt(blob, 'globex'));
    expectDecryptFails(() => new CredentialCipher(randomBytes(32)).decrypt(blob, 'acme'));
    const parts = blob.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    expectDecryptFails(() =>
      cipher.decrypt([parts[0], parts[1], parts[2], body.toString('base64url')].join('.'), 'acme'),
    );
    expectDecryptFails(() => cipher.decrypt('not-a-blob', 'acme'));
  });

  it('accepts a key as 64 hex characters or base64 of 32 bytes, and nothing else', () => {
    const raw = randomBytes(32);
    expect(decodeEncryptionKey(raw.toString('hex')).equals(raw)).toBe(true);
    expect(decodeEncryptionKey(raw.toString('base64')).equals(raw)).toBe(true);
    expect(() => decodeEncryptionKey(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
  });
});
