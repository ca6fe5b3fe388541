/**
 * Salesforce record ids: 15 case-sensitive characters (3-character key prefix naming the object,
 * then pod and counter) plus a 3-character case-safe checksum, 18 characters in all. The API
 * returns 18-character ids and accepts both lengths.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** The 3-character checksum that makes a 15-character id case-insensitively unique. */
export function idChecksum(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0;
    for (let i = 0; i < 5; i += 1) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET[bits];
  }
  return suffix;
}

/** Offset and stride that make ids look like real ones (letters of both cases) yet sort by `n`. */
const ID_OFFSET = 10 * 62 ** 8;
const ID_STRIDE = 977;

/** A deterministic 18-character id for entity `n` of the object with `keyPrefix`; ids sort by `n`. */
export function salesforceId(keyPrefix: string, n: number): string {
  const codes = new Array<number>(18);
  for (let i = 0; i < 3; i += 1) codes[i] = keyPrefix.charCodeAt(i);
  // "5g" stands in for the pod/instance characters of a real org.
  codes[3] = 53;
  codes[4] = 103;
  let rest = ID_OFFSET + Math.max(0, Math.floor(n)) * ID_STRIDE;
  for (let i = 14; i >= 5; i -= 1) {
    codes[i] = BASE62.charCodeAt(rest % 62);
    rest = Math.floor(rest / 62);
  }
  // Case-safe suffix: per 5-character chunk, a bit for each upper-case letter.
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0;
    for (let i = 0; i < 5; i += 1) {
      const c = codes[chunk * 5 + i] as number;
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    codes[15 + chunk] = SUFFIX_ALPHABET.charCodeAt(bits);
  }
  // One flat string (not a chain of concatenations): it is hashed as a Map key millions of times.
  return String.fromCharCode(...codes);
}

/** True for a syntactically valid 15- or 18-character id (with a correct checksum when 18). */
export function isSalesforceId(value: string): boolean {
  if (!/^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$/.test(value)) return false;
  return value.length === 15 || idChecksum(value.slice(0, 15)) === value.slice(15);
}

/** Any valid id in its 18-character form (15-character ids get their checksum). */
export function toId18(value: string): string {
  return value.length === 15 ? value + idChecksum(value) : value;
}
