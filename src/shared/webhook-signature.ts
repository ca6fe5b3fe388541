import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The digest webhook's signature, in the scheme of Stripe's and Slack's: HMAC-SHA256 with the
 * shared secret over `<unix seconds>.<raw body>`, sent as `X-PH-Signature: t=<unix>,v1=<hex>`.
 * The timestamp is signed so a captured request cannot be replayed later than the receiver's
 * tolerance (docs/DIGEST.md has the receiver's side).
 */
export const SIGNATURE_HEADER = 'x-ph-signature';

export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const hex = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${hex}`;
}

/**
 * True when `header` signs `body` with `secret` and its timestamp is within `toleranceSeconds`
 * of `nowSeconds` (default 5 minutes, as Stripe's).
 */
export function verifySignature(
  secret: string,
  body: string,
  header: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const parts = new Map(
    header.split(',').map((p) => {
      const i = p.indexOf('=');
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const;
    }),
  );
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isInteger(t) || v1 === undefined || !/^[0-9a-f]{64}$/.test(v1)) return false;
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}
