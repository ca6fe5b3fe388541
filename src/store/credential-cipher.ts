import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../shared/app-error.ts';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Decode PH_ENCRYPTION_KEY (64 hex characters or base64 of 32 bytes) into the raw key. */
export function decodeEncryptionKey(key: string): Buffer {
  const raw = /^[0-9a-fA-F]{64}$/.test(key) ? Buffer.from(key, 'hex') : Buffer.from(key, 'base64');
  if (raw.length !== 32) {
    throw new AppError('CONFIG_INVALID', 'PH_ENCRYPTION_KEY must be 32 bytes (64 hex characters or base64)');
  }
  return raw;
}

/**
 * AES-256-GCM for CRM credentials at rest. Each value gets a fresh 96-bit IV; the tag authenticates
 * the ciphertext and the associated data (the tenant id), so a blob copied onto another tenant's
 * record fails to decrypt instead of lending that tenant someone else's credentials.
 * Format: `v1.<iv b64url>.<tag b64url>.<ciphertext b64url>`.
 */
export class CredentialCipher {
  readonly #key: Buffer;
  /** Keys still accepted for decryption during a rotation (PH_ENCRYPTION_KEY_PREVIOUS). */
  readonly #previous: CredentialCipher[];

  constructor(key: string | Buffer, previousKeys: readonly (string | Buffer)[] = []) {
    this.#key = typeof key === 'string' ? decodeEncryptionKey(key) : key;
    if (this.#key.length !== 32) throw new AppError('CONFIG_INVALID', 'encryption key must be 32 bytes');
    this.#previous = previousKeys.map((k) => new CredentialCipher(k));
  }

  /** True when `blob` decrypts under the current key (false: a previous key, or none). */
  isCurrent(blob: string, associatedData: string): boolean {
    try {
      this.#decryptWithThisKey(blob, associatedData);
      return true;
    } catch {
      return false;
    }
  }

  encrypt(plaintext: string, associatedData: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv, tag, body]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** Throws CONFIG_INVALID when the blob was made with neither this key nor a previous one. */
  decrypt(blob: string, associatedData: string): string {
    try {
      return this.#decryptWithThisKey(blob, associatedData);
    } catch (err) {
      for (const older of this.#previous) {
        try {
          return older.decrypt(blob, associatedData);
        } catch {
          // try the next previous key
        }
      }
      throw err;
    }
  }

  #decryptWithThisKey(blob: string, associatedData: string): string {
    const [version, iv, tag, body] = blob.split('.');
    if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) {
      throw new AppError('CONFIG_INVALID', 'stored credentials are not in a known format');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch (err) {
      throw new AppError(
        'CONFIG_INVALID',
        'stored credentials cannot be decrypted (wrong PH_ENCRYPTION_KEY or tampered data)',
        { cause: err },
      );
    }
  }
}
