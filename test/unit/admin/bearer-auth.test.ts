import { describe, expect, it } from 'vitest';
import { bearerToken, createTokenVerifier } from '../../../src/admin/bearer-auth.ts';

const A = 'token-a-0123456789abcdefghijkl';
const B = 'token-b-0123456789abcdefghijkl';

describe('bearer token verification', () => {
  it('accepts each configured token and nothing else', () => {
    const verify = createTokenVerifier([A, B]);
    expect(verify(A)).toBe(true);
    expect(verify(B)).toBe(true);
    expect(verify(`${A}x`)).toBe(false);
    expect(verify(A.slice(0, -1))).toBe(false);
    expect(verify('')).toBe(false);
    expect(verify(undefined)).toBe(false);
  });

  it('accepts nothing when no token is configured', () => {
    const verify = createTokenVerifier([]);
    expect(verify('')).toBe(false);
    expect(verify(A)).toBe(false);
  });

  it('reads the token of a Bearer header only', () => {
    expect(bearerToken(`Bearer ${A}`)).toBe(A);
    expect(bearerToken(`bearer   ${A}`)).toBe(A);
    expect(bearerToken(`Basic ${A}`)).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
