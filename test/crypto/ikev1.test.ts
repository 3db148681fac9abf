// IKEv1 IV chaining (RFC 2409 Appendix B) on message bodies the test
// encrypts itself: phase 1 from hash(g^xi | g^xr), Quick Mode from
// hash(last phase-1 block | message ID), and retransmissions.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cbcEncrypt } from '../../src/ike/crypto/ciphers.js';
import { Ikev1IvChain, ikev1Cipher, ikev1Decrypt, ikev1Hash, phase1Iv, phase2Iv } from '../../src/ike/crypto/ikev1.js';
import { toHex } from '../../src/util/bytes.js';

const gxi = Uint8Array.from({ length: 128 }, (_, i) => i);
const gxr = Uint8Array.from({ length: 128 }, (_, i) => 255 - i);
const key = Uint8Array.from({ length: 32 }, (_, i) => i * 3);
const aes256 = ikev1Cipher(7, 256, 32)!;

function block(fill: number, blocks: number): Uint8Array {
  return new Uint8Array(16 * blocks).fill(fill);
}

/** Encrypts a sequence of (message ID, plaintext) the way a correct peer chains IVs. */
function encryptExchange(messages: [number, Uint8Array][]): Uint8Array[] {
  const chains = new Map<number, Uint8Array>([[0, phase1Iv('sha256', gxi, gxr, 16)]]);
  return messages.map(([id, plain]) => {
    const iv = chains.get(id) ?? phase2Iv('sha256', chains.get(0)!, id, 16);
    const out = cbcEncrypt('aes', key, iv, plain);
    chains.set(id, out.slice(out.length - 16));
    return out;
  });
}

describe('IKEv1 IVs', () => {
  it('phase-1 IV is the truncated hash of both public values', () => {
    const expected = createHash('sha1').update(gxi).update(gxr).digest().subarray(0, 8);
    expect(toHex(phase1Iv('sha1', gxi, gxr, 8))).toBe(toHex(expected));
  });

  it('phase-2 IV hashes the message ID in network order', () => {
    const last = block(0xaa, 1);
    const expected = createHash('md5').update(last).update(Uint8Array.of(0x10, 0x09, 0x1b, 0x69)).digest();
    expect(toHex(phase2Iv('md5', last, 0x10091b69, 16))).toBe(toHex(expected));
  });

  it('hash attribute 4 is SHA2-256', () => {
    expect(ikev1Hash(4)).toBe('sha256');
  });

  it('AES without a Key Length attribute takes the key material size', () => {
    expect(ikev1Cipher(7, null, 24)?.name).toBe('AES-CBC-192');
  });
});

/** Decrypts with the chain's next IV, as the decrypter does. */
function decryptNext(chain: Ikev1IvChain, messageId: number, ciphertext: Uint8Array): Uint8Array {
  return ikev1Decrypt(aes256, key, chain.nextIv(messageId, ciphertext), ciphertext);
}

describe('Ikev1IvChain', () => {
  const plains: [number, Uint8Array][] = [
    [0, block(1, 2)],
    [0, block(2, 3)],
    [0x10091b69, block(3, 4)],
    [0x10091b69, block(4, 2)],
    [0x10091b69, block(5, 1)],
    [0x6d55b25f, block(6, 2)],
  ];
  const ciphertexts = encryptExchange(plains);

  it('decrypts Main Mode, Quick Mode and an Informational in order', () => {
    const chain = new Ikev1IvChain(16, 'sha256', phase1Iv('sha256', gxi, gxr, 16));
    const out = ciphertexts.map((c, i) => toHex(decryptNext(chain, plains[i]![0], c)));
    expect(out).toEqual(plains.map(([, p]) => toHex(p)));
  });

  it('decrypts a retransmitted Main Mode message without breaking Quick Mode', () => {
    const chain = new Ikev1IvChain(16, 'sha256', phase1Iv('sha256', gxi, gxr, 16));
    decryptNext(chain, 0, ciphertexts[0]!);
    decryptNext(chain, 0, ciphertexts[1]!);
    const again = decryptNext(chain, 0, ciphertexts[1]!);
    const quick = decryptNext(chain, 0x10091b69, ciphertexts[2]!);
    expect([toHex(again), toHex(quick)]).toEqual([toHex(plains[1]![1]), toHex(plains[2]![1])]);
  });

  it('decrypts a retransmitted Quick Mode message after the exchange went on', () => {
    const chain = new Ikev1IvChain(16, 'sha256', phase1Iv('sha256', gxi, gxr, 16));
    for (let i = 0; i < 4; i++) decryptNext(chain, plains[i]![0], ciphertexts[i]!);
    const again = decryptNext(chain, 0x10091b69, ciphertexts[2]!);
    const third = decryptNext(chain, 0x10091b69, ciphertexts[4]!);
    expect([toHex(again), toHex(third)]).toEqual([toHex(plains[2]![1]), toHex(plains[4]![1])]);
  });
});
