// SK and SKF payload decryption (RFC 7296 §3.14, RFC 7383 §2.5) on messages
// the tests seal themselves with node:crypto, for every supported cipher and
// integrity transform.

import { describe, expect, it } from 'vitest';
import {
  AUTH_AES_CMAC_96,
  AUTH_AES_XCBC_96,
  AUTH_HMAC_MD5_96,
  AUTH_HMAC_SHA1_160,
  AUTH_HMAC_SHA1_96,
  AUTH_HMAC_SHA2_256_128,
  AUTH_HMAC_SHA2_384_192,
  AUTH_HMAC_SHA2_512_256,
  AUTH_NONE,
  ENCR_3DES,
  ENCR_AES_CBC,
  ENCR_AES_CCM_12,
  ENCR_AES_CCM_16,
  ENCR_AES_CCM_8,
  ENCR_AES_CTR,
  ENCR_AES_GCM_12,
  ENCR_AES_GCM_16,
  ENCR_AES_GCM_8,
  ENCR_CHACHA20_POLY1305,
  ENCR_NULL,
  cipherKeyLength,
  ikev2Cipher,
  ikev2Integrity,
  isAead,
  uncheckedIntegrity,
} from '../../src/ike/crypto/algorithms.js';
import { decryptSkPayload, sealSkMessage, type SkKeys } from '../../src/ike/crypto/sk.js';
import { fromHex, toHex } from '../../src/util/bytes.js';

// IKE_AUTH request header, SPIs 0102030405060708 / 1112131415161718, message ID 1; tshark: "IKE_AUTH MID=01 Initiator Request".
const header = fromHex('0102030405060708111213141516171800202308000000010000000000')!.subarray(0, 28);
// One Notify payload (INITIAL_CONTACT, type 41, 8 bytes) as the inner chain.
const inner = fromHex('0000000800004000')!;

function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seed + i * 31) & 0xff);
}

function keysFor(encr: number, keyBits: number | null, integ: number): SkKeys {
  const cipher = ikev2Cipher(encr, keyBits)!;
  const integrity = isAead(cipher) ? ikev2Integrity(AUTH_NONE)! : ikev2Integrity(integ)!;
  return { cipher, encryptionKey: pattern(cipherKeyLength(cipher), 7), integrity, integrityKey: pattern(integrity.keyLength, 99) };
}

const combinations: [string, number, number | null, number][] = [
  ['3DES + HMAC-MD5-96', ENCR_3DES, null, AUTH_HMAC_MD5_96],
  ['AES-CBC-128 + HMAC-SHA1-96', ENCR_AES_CBC, 128, AUTH_HMAC_SHA1_96],
  ['AES-CBC-192 + AES-XCBC-96', ENCR_AES_CBC, 192, AUTH_AES_XCBC_96],
  ['AES-CBC-256 + HMAC-SHA2-256-128', ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128],
  ['AES-CTR-128 + AES-CMAC-96', ENCR_AES_CTR, 128, AUTH_AES_CMAC_96],
  ['AES-CTR-192 + HMAC-SHA2-512-256', ENCR_AES_CTR, 192, AUTH_HMAC_SHA2_512_256],
  ['AES-CTR-256 + HMAC-SHA2-384-192', ENCR_AES_CTR, 256, AUTH_HMAC_SHA2_384_192],
  ['NULL + HMAC-SHA1-160', ENCR_NULL, null, AUTH_HMAC_SHA1_160],
  ['AES-GCM-8 128', ENCR_AES_GCM_8, 128, AUTH_NONE],
  ['AES-GCM-12 192', ENCR_AES_GCM_12, 192, AUTH_NONE],
  ['AES-GCM-16 256', ENCR_AES_GCM_16, 256, AUTH_NONE],
  ['AES-CCM-8 128', ENCR_AES_CCM_8, 128, AUTH_NONE],
  ['AES-CCM-12 192', ENCR_AES_CCM_12, 192, AUTH_NONE],
  ['AES-CCM-16 256', ENCR_AES_CCM_16, 256, AUTH_NONE],
  ['ChaCha20-Poly1305', ENCR_CHACHA20_POLY1305, null, AUTH_NONE],
];

describe('SK payload round trip', () => {
  for (const [name, encr, keyBits, integ] of combinations) {
    it(`decrypts ${name}`, () => {
      const keys = keysFor(encr, keyBits, integ);
      const message = sealSkMessage({ header, firstInner: 41, inner, keys, iv: pattern(keys.cipher.ivLength, 3), extraPadding: 1 });
      const result = decryptSkPayload(message, 28, 4, keys);
      expect(result.ok ? toHex(result.plaintext) : result.error).toBe(toHex(inner));
    });

    it(`rejects a wrong key with ${name}`, () => {
      const keys = keysFor(encr, keyBits, integ);
      const message = sealSkMessage({ header, firstInner: 41, inner, keys, iv: pattern(keys.cipher.ivLength, 3) });
      const wrong: SkKeys =
        keys.integrity.mac === null ? { ...keys, encryptionKey: pattern(keys.encryptionKey.length, 8) } : { ...keys, integrityKey: pattern(keys.integrityKey.length, 100) };
      const result = decryptSkPayload(message, 28, 4, wrong);
      expect(result.ok ? 'decrypted' : result.error).toBe(keys.cipher.mode === 'null' && keys.integrity.mac === null ? 'decrypted' : 'integrity-failed');
    });
  }
});

describe('SK payload checks', () => {
  const keys = keysFor(ENCR_AES_CBC, 128, AUTH_HMAC_SHA2_256_128);

  it('reports a changed ciphertext as an integrity failure', () => {
    const message = sealSkMessage({ header, firstInner: 41, inner, keys, iv: pattern(16, 3) });
    message[28 + 4 + 16] = message[28 + 4 + 16]! ^ 0x40;
    const result = decryptSkPayload(message, 28, 4, keys);
    expect(result.ok ? 'decrypted' : result.error).toBe('integrity-failed');
  });

  it('reports a cut message as truncated', () => {
    const message = sealSkMessage({ header, firstInner: 41, inner, keys, iv: pattern(16, 3) });
    const result = decryptSkPayload(message.subarray(0, message.length - 5), 28, 4, keys);
    expect(result.ok ? 'decrypted' : result.error).toBe('truncated');
  });

  it('reports a Pad Length past the plaintext as bad padding', () => {
    // ENCR_NULL with no integrity leaves the Pad Length byte in the clear, last in the message.
    const clear = keysFor(ENCR_NULL, null, AUTH_NONE);
    const message = sealSkMessage({ header, firstInner: 41, inner, keys: clear, iv: new Uint8Array(0) });
    message[message.length - 1] = 200;
    const result = decryptSkPayload(message, 28, 4, clear);
    expect(result.ok ? 'decrypted' : result.error).toBe('bad-padding');
  });

  it('reports a ciphertext that is not whole blocks as bad length', () => {
    const message = sealSkMessage({ header, firstInner: 41, inner, keys, iv: pattern(16, 3) });
    const longer = new Uint8Array(message.length + 1);
    longer.set(message);
    const skLength = ((longer[30]! << 8) | longer[31]!) + 1;
    longer[30] = skLength >> 8;
    longer[31] = skLength & 0xff;
    const result = decryptSkPayload(longer, 28, 4, keys);
    expect(result.ok ? 'decrypted' : result.error).toBe('bad-length');
  });

  it('reports a key of the wrong length', () => {
    const message = sealSkMessage({ header, firstInner: 41, inner, keys, iv: pattern(16, 3) });
    const result = decryptSkPayload(message, 28, 4, { ...keys, encryptionKey: new Uint8Array(15) });
    expect(result.ok ? 'decrypted' : result.error).toBe('bad-key');
  });
});

describe('SKF payload', () => {
  it('decrypts fragment 2 of 3 with the fragment fields in the AAD', () => {
    const keys = keysFor(ENCR_AES_GCM_16, 128, AUTH_NONE);
    const message = sealSkMessage({ header, firstInner: 41, inner, keys, iv: pattern(8, 5), fragment: { number: 2, total: 3 } });
    const result = decryptSkPayload(message, 28, 8, keys);
    expect(result.ok ? toHex(result.plaintext) : result.error).toBe(toHex(inner));
  });

  it('fails the tag when the fragment number is changed', () => {
    const keys = keysFor(ENCR_AES_GCM_16, 128, AUTH_NONE);
    const message = sealSkMessage({ header, firstInner: 41, inner, keys, iv: pattern(8, 5), fragment: { number: 2, total: 3 } });
    message[28 + 5] = 3;
    const result = decryptSkPayload(message, 28, 8, keys);
    expect(result.ok ? 'decrypted' : result.error).toBe('integrity-failed');
  });
});
