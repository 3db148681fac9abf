// Known-answer tests for the IKEv2 integrity algorithms: RFC 2202 (HMAC-MD5,
// HMAC-SHA1), RFC 4231 (HMAC-SHA2), RFC 3566 (AES-XCBC-MAC-96), RFC 4493 and
// RFC 4494 (AES-CMAC, AES-CMAC-96).

import { describe, expect, it } from 'vitest';
import {
  AUTH_AES_CMAC_96,
  AUTH_AES_XCBC_96,
  AUTH_HMAC_MD5_96,
  AUTH_HMAC_SHA1_96,
  AUTH_HMAC_SHA2_256_128,
  AUTH_HMAC_SHA2_384_192,
  AUTH_HMAC_SHA2_512_256,
  ikev2Integrity,
} from '../../src/ike/crypto/algorithms.js';
import { aesCmac, aesXcbcMac, computeMac, verifyMac } from '../../src/ike/crypto/integrity.js';
import { fromHex, toHex } from '../../src/util/bytes.js';

const hex = (s: string): Uint8Array => fromHex(s.replace(/\s+/g, ''))!;
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

function icv(transformId: number, key: Uint8Array, data: Uint8Array): string {
  const integrity = ikev2Integrity(transformId)!;
  return toHex(computeMac(integrity.mac!, key, data).subarray(0, integrity.icvLength));
}

describe('HMAC known answers', () => {
  it('HMAC-MD5-96 matches RFC 2202 test 2', () => {
    expect(icv(AUTH_HMAC_MD5_96, ascii('Jefe'), ascii('what do ya want for nothing?'))).toBe('750c783e6ab0b503eaa86e31');
  });

  it('HMAC-SHA1-96 matches RFC 2202 test 1', () => {
    expect(icv(AUTH_HMAC_SHA1_96, new Uint8Array(20).fill(0x0b), ascii('Hi There'))).toBe('b617318655057264e28bc0b6');
  });

  it('HMAC-SHA2-256-128 matches RFC 4231 test 2', () => {
    expect(icv(AUTH_HMAC_SHA2_256_128, ascii('Jefe'), ascii('what do ya want for nothing?'))).toBe('5bdcc146bf60754e6a042426089575c7');
  });

  it('HMAC-SHA2-384-192 matches RFC 4231 test 1', () => {
    expect(icv(AUTH_HMAC_SHA2_384_192, new Uint8Array(20).fill(0x0b), ascii('Hi There'))).toBe('afd03944d84895626b0825f4ab46907f15f9dadbe4101ec6');
  });

  it('HMAC-SHA2-512-256 matches RFC 4231 test 2', () => {
    expect(icv(AUTH_HMAC_SHA2_512_256, ascii('Jefe'), ascii('what do ya want for nothing?'))).toBe(
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554',
    );
  });
});

describe('AES-XCBC-MAC known answers (RFC 3566)', () => {
  const key = hex('000102030405060708090a0b0c0d0e0f');
  const counting = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i);
  const cases: [string, Uint8Array, string][] = [
    ['empty message', new Uint8Array(0), '75f0251d528ac01c4573dfd584d79f29'],
    ['3-byte message', counting(3), '5b376580ae2f19afe7219ceef172756f'],
    ['16-byte message', counting(16), 'd2a246fa349b68a79998a4394ff7a263'],
    ['20-byte message', counting(20), '47f51b4564966215b8985c63055ed308'],
    ['32-byte message', counting(32), 'f54f0ec8d2b9f3d36807734bd5283fd4'],
    ['34-byte message', counting(34), 'becbb3bccdb518a30677d5481fb6b4d8'],
    ['1000 zero bytes', new Uint8Array(1000), 'f0dafee895db30253761103b5d84528f'],
  ];
  for (const [name, message, mac] of cases) {
    it(`AES-XCBC-MAC of ${name}`, () => {
      expect(toHex(aesXcbcMac(key, message))).toBe(mac);
    });
  }

  it('AUTH_AES_XCBC_96 keeps 96 bits', () => {
    expect(icv(AUTH_AES_XCBC_96, key, counting(3))).toBe('5b376580ae2f19afe7219cee');
  });
});

describe('AES-CMAC known answers (RFC 4493, RFC 4494)', () => {
  const key = hex('2b7e151628aed2a6abf7158809cf4f3c');
  const m64 = hex(`6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
    30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710`);
  const cases: [string, Uint8Array, string][] = [
    ['empty message', new Uint8Array(0), 'bb1d6929e95937287fa37d129b756746'],
    ['16-byte message', m64.subarray(0, 16), '070a16b46b4d4144f79bdd9dd04a287c'],
    ['40-byte message', m64.subarray(0, 40), 'dfa66747de9ae63030ca32611497c827'],
    ['64-byte message', m64, '51f0bebf7e3b9d92fc49741779363cfe'],
  ];
  for (const [name, message, mac] of cases) {
    it(`AES-CMAC of ${name}`, () => {
      expect(toHex(aesCmac(key, message))).toBe(mac);
    });
  }

  it('AUTH_AES_CMAC_96 keeps 96 bits', () => {
    expect(icv(AUTH_AES_CMAC_96, key, m64.subarray(0, 40))).toBe('dfa66747de9ae63030ca3261');
  });
});

describe('verifyMac', () => {
  const sha1 = ikev2Integrity(AUTH_HMAC_SHA1_96)!;
  const key = new Uint8Array(20).fill(0x0b);

  it('accepts the truncated ICV', () => {
    expect(verifyMac(sha1.mac!, key, ascii('Hi There'), hex('b617318655057264e28bc0b6'))).toBe(true);
  });

  it('rejects a changed ICV', () => {
    expect(verifyMac(sha1.mac!, key, ascii('Hi There'), hex('b617318655057264e28bc0b7'))).toBe(false);
  });
});
