// Decryption never throws: every prefix and random corruption of encrypted
// IKEv1 and IKEv2 messages ends as a decrypted message or a decryptError.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUTH_HMAC_SHA1_96, ENCR_AES_CBC, ikev2Cipher, ikev2Integrity } from '../../src/ike/crypto/algorithms.js';
import { sealSkMessage } from '../../src/ike/crypto/sk.js';
import { IkeDecrypter } from '../../src/ike/decrypt.js';
import { toHex } from '../../src/util/bytes.js';
import { bytes, concat, ikeHeader, keysFrom, parse, pattern, payload } from './fixtures.js';

const ISPI = '1111111111111111';
const RSPI = '2222222222222222';
const skE = pattern(16, 1);
const skA = pattern(20, 2);
const keys = { cipher: ikev2Cipher(ENCR_AES_CBC, 128)!, encryptionKey: skE, integrity: ikev2Integrity(AUTH_HMAC_SHA1_96)!, integrityKey: skA };
const v2 = sealSkMessage({ header: ikeHeader(ISPI, RSPI, 46, 2, 37, 0x08, 2, 0), firstInner: 42, inner: payload(0, bytes(3, 4, 0, 1, 1, 2, 3, 4)), keys, iv: pattern(16, 3) });
const v1 = concat(ikeHeader(ISPI, RSPI, 8, 1, 5, 0x01, 7, 28 + 48), pattern(48, 5));
const table = `${ISPI},${RSPI},${toHex(skE)},${toHex(skE)},"AES-CBC-128 [RFC3602]",${toHex(skA)},${toHex(skA)},"HMAC_SHA1_96 [RFC2404]"\n${ISPI},${toHex(pattern(16, 9))}\n`;

describe('decryption robustness', () => {
  it('handles every prefix of an encrypted IKEv2 message', async () => {
    const d = new IkeDecrypter(await keysFrom(table.split('\n')[0]!));
    for (let n = 0; n <= v2.length; n++) {
      const m = parse(v2.subarray(0, n));
      d.process(m, v2.subarray(0, n));
      if (m.encrypted) expect(m.decrypted || m.decryptError !== null).toBe(true);
    }
  });

  it('handles random corruption of IKEv1 and IKEv2 messages', async () => {
    const d2 = new IkeDecrypter(await keysFrom(table.split('\n')[0]!));
    const d1 = new IkeDecrypter(await keysFrom(table.split('\n')[1]!));
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(), (ikev2, edits, cut) => {
        const data = (ikev2 ? v2 : v1).slice();
        for (const [at, value] of edits) data[at % data.length] = value;
        const input = data.subarray(0, data.length - (cut % 8));
        const m = parse(input);
        (ikev2 ? d2 : d1).process(m, input);
        return !m.encrypted || m.decrypted || m.decryptError !== null;
      }),
      { numRuns: 500 },
    );
  });
});
