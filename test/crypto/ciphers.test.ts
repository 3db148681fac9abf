// Known-answer tests for the cipher modes: RFC 3602 (AES-CBC), FIPS 46 (DES),
// RFC 3686 (AES-CTR), the GCM paper's test case 2 (AES-GCM), RFC 3610 (CCM)
// and RFC 7539 §2.8.2 (ChaCha20-Poly1305).

import { describe, expect, it } from 'vitest';
import { aeadDecrypt, aeadEncrypt, cbcDecrypt, cbcEncrypt, ctrCrypt } from '../../src/ike/crypto/ciphers.js';
import { fromHex, toHex } from '../../src/util/bytes.js';

const hex = (s: string): Uint8Array => fromHex(s.replace(/\s+/g, ''))!;
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('CBC', () => {
  it('AES-128-CBC decrypts RFC 3602 case 1', () => {
    const plain = cbcDecrypt('aes', hex('06a9214036b8a15b512e03d534120006'), hex('3dafba429d9eb430b422da802c9fac41'), hex('e353779c1079aeb82708942dbe77181a'));
    expect(new TextDecoder().decode(plain)).toBe('Single block msg');
  });

  it('DES-CBC encrypts the classic FIPS 46 block', () => {
    const out = cbcEncrypt('des', hex('133457799bbcdff1'), new Uint8Array(8), hex('0123456789abcdef'));
    expect(toHex(out)).toBe('85e813540f0ab405');
  });

  it('3DES-CBC round trip keeps the plaintext', () => {
    const key = Uint8Array.from({ length: 24 }, (_, i) => i * 7);
    const iv = hex('0102030405060708');
    const plain = ascii('sixteen bytes!!!');
    expect(toHex(cbcDecrypt('3des', key, iv, cbcEncrypt('3des', key, iv, plain)))).toBe(toHex(plain));
  });
});

describe('AES-CTR (RFC 3686 §6)', () => {
  it('decrypts test vector 1', () => {
    const out = ctrCrypt(hex('ae6852f8121067cc4bf7a5765577f39e'), hex('00000030'), hex('0000000000000000'), hex('e4095d4fb7a7b3792d6175a3261311b8'));
    expect(new TextDecoder().decode(out)).toBe('Single block msg');
  });

  it('encrypts test vector 2', () => {
    const plain = Uint8Array.from({ length: 32 }, (_, i) => i);
    const out = ctrCrypt(hex('7e24067817fae0d743d6ce1f32539163'), hex('006cb6db'), hex('c0543b59da48d90b'), plain);
    expect(toHex(out)).toBe('5104a106168a72d9790d41ee8edad388eb2e1efc46da57c8fce630df9141be28');
  });
});

describe('AEAD', () => {
  it('AES-GCM decrypts test case 2 of the GCM specification', () => {
    const out = aeadDecrypt('gcm', new Uint8Array(16), new Uint8Array(12), new Uint8Array(0), hex('0388dace60b6a392f328c2b971b2fe78'), hex('ab6e47d42cec13bdf53a67b21257bddf'));
    expect(out === null ? null : toHex(out)).toBe('00000000000000000000000000000000');
  });

  it('AES-CCM decrypts RFC 3610 packet vector 1', () => {
    const out = aeadDecrypt(
      'ccm',
      hex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf'),
      hex('00000003020100a0a1a2a3a4a5'),
      hex('0001020304050607'),
      hex('588c979a61c663d2f066d0c2c0f989806d5f6b61dac384'),
      hex('17e8d12cfdf926e0'),
    );
    expect(out === null ? null : toHex(out)).toBe('08090a0b0c0d0e0f101112131415161718191a1b1c1d1e');
  });

  const chachaKey = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
  const chachaNonce = hex('070000004041424344454647');
  const chachaAad = hex('50515253c0c1c2c3c4c5c6c7');
  const sunscreen = ascii("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");

  it('ChaCha20-Poly1305 encrypts RFC 7539 §2.8.2', () => {
    const sealed = aeadEncrypt('chacha20-poly1305', chachaKey, chachaNonce, chachaAad, sunscreen, 16);
    expect(toHex(sealed.tag)).toBe('1ae10b594f09e26a7e902ecbd0600691');
  });

  it('ChaCha20-Poly1305 ciphertext starts as in RFC 7539 §2.8.2', () => {
    const sealed = aeadEncrypt('chacha20-poly1305', chachaKey, chachaNonce, chachaAad, sunscreen, 16);
    expect(toHex(sealed.ciphertext.subarray(0, 16))).toBe('d31a8d34648e60db7b86afbc53ef7ec2');
  });

  it('AEAD rejects a changed tag', () => {
    const sealed = aeadEncrypt('chacha20-poly1305', chachaKey, chachaNonce, chachaAad, sunscreen, 16);
    sealed.tag[0] = sealed.tag[0]! ^ 1;
    expect(aeadDecrypt('chacha20-poly1305', chachaKey, chachaNonce, chachaAad, sealed.ciphertext, sealed.tag)).toBeNull();
  });
});
