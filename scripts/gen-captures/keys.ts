// Crafted encrypted IKE captures for the decrypter, each with the key table
// that decrypts it. They cover IKEv2 SKF fragments (RFC 7383) out of order
// and repeated, ChaCha20-Poly1305 (RFC 7634), an IKEv1 Aggressive Mode with a
// retransmitted Quick Mode message, and a table with a wrong integrity key.
// Keys, nonces and public values are fixed patterns chosen here.

import { buildPcap } from '../../src/capture/writer.js';
import {
  AUTH_HMAC_SHA1_96,
  AUTH_NONE,
  ENCR_AES_CBC,
  ENCR_AES_GCM_16,
  ENCR_CHACHA20_POLY1305,
  cipherKeyLength,
  ikev2Cipher,
  ikev2Integrity,
  type Ikev2Cipher,
  type Ikev2Integrity,
} from '../../src/ike/crypto/algorithms.js';
import { cbcEncrypt } from '../../src/ike/crypto/ciphers.js';
import { phase1Iv, phase2Iv } from '../../src/ike/crypto/ikev1.js';
import { sealSkMessage, type SkKeys } from '../../src/ike/crypto/sk.js';
import { tableIkev2Encryption, tableIkev2Integrity } from '../../src/keys/names.js';
import type { Timestamp } from '../../src/types.js';
import { toHex } from '../../src/util/bytes.js';
import { at, concat, ethernet, filler, hex, ikeMessage, ikePayload, ipv4, udp } from '../../test/helpers/build.js';
import type { CaptureCase } from './case.js';

const PEER_I = '192.0.2.1';
const PEER_R = '192.0.2.2';

interface Frame {
  time: Timestamp;
  data: Uint8Array;
}

function u16(n: number): Uint8Array {
  return Uint8Array.of(n >> 8, n & 0xff);
}

function u32(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function datagram(seconds: number, fromInitiator: boolean, message: Uint8Array): Frame {
  const [src, dst] = fromInitiator ? [PEER_I, PEER_R] : [PEER_R, PEER_I];
  return { time: at(seconds), data: ethernet(ipv4(udp(message, 500, 500), { src, dst, protocol: 17 })) };
}

function ikev2Header(ispi: string, rspi: string, exchange: number, flags: number, messageId: number): Uint8Array {
  return concat(hex(ispi), hex(rspi), Uint8Array.of(0, 0x20, exchange, flags), u32(messageId), u32(0));
}

/** Builds an IKEv2 SA payload body with one IKE proposal: the cipher, PRF-HMAC-SHA2-256, the integrity transform unless AEAD, DH 14. */
function ikev2Proposal(cipher: Ikev2Cipher, integrity: Ikev2Integrity): Uint8Array {
  const transform = (last: boolean, type: number, id: number, attributes: Uint8Array = new Uint8Array(0)) =>
    concat(Uint8Array.of(last ? 0 : 3, 0), u16(8 + attributes.length), Uint8Array.of(type, 0), u16(id), attributes);
  // ENCR_CHACHA20_POLY1305 has a fixed 256-bit key (RFC 7634), so no Key Length attribute.
  const keyLength: Uint8Array = cipher.transformId === ENCR_CHACHA20_POLY1305 ? new Uint8Array(0) : concat(u16(0x800e), u16(cipher.keyBits));
  const transforms = [transform(false, 1, cipher.transformId, keyLength), transform(false, 2, 5)];
  if (integrity.transformId !== null && integrity.transformId !== AUTH_NONE) transforms.push(transform(false, 3, integrity.transformId));
  transforms.push(transform(true, 4, 14));
  const body = concat(...transforms);
  return concat(Uint8Array.of(0, 0), u16(8 + body.length), Uint8Array.of(1, 1, 0, transforms.length), body);
}

/** IKE_SA_INIT request and response (SA, KE, Nonce, N(IKEV2_FRAGMENTATION_SUPPORTED)). */
function ikeSaInit(ispi: string, rspi: string, cipher: Ikev2Cipher, integrity: Ikev2Integrity, t: number): Frame[] {
  const body = (seed: number) =>
    concat(
      ikePayload(34, ikev2Proposal(cipher, integrity)),
      ikePayload(40, concat(u16(14), u16(0), filler(256, seed))),
      ikePayload(41, filler(32, seed + 1)),
      ikePayload(0, concat(Uint8Array.of(0, 0), u16(16430))),
    );
  return [
    datagram(t, true, ikeMessage({ initiatorSpi: ispi, responderSpi: '0000000000000000', nextPayload: 33, exchange: 34, flags: 0x08, body: body(1) })),
    datagram(t + 0.01, false, ikeMessage({ initiatorSpi: ispi, responderSpi: rspi, nextPayload: 33, exchange: 34, flags: 0x20, body: body(3) })),
  ];
}

/** IDi, AUTH and N(INITIAL_CONTACT): a short IKE_AUTH request body. */
const AUTH_REQUEST = concat(
  ikePayload(39, concat(Uint8Array.of(2, 0, 0, 0), Uint8Array.from(Buffer.from('initiator.example', 'ascii')))),
  ikePayload(41, concat(Uint8Array.of(2, 0, 0, 0), filler(32, 7))),
  ikePayload(0, concat(Uint8Array.of(0, 0), u16(16384))),
);
/** IDr and AUTH: a short IKE_AUTH response body. */
const AUTH_RESPONSE = concat(
  ikePayload(39, concat(Uint8Array.of(2, 0, 0, 0), Uint8Array.from(Buffer.from('responder.example', 'ascii')))),
  ikePayload(0, concat(Uint8Array.of(2, 0, 0, 0), filler(32, 8))),
);

interface Ikev2Keys {
  cipher: Ikev2Cipher;
  integrity: Ikev2Integrity;
  ei: Uint8Array;
  er: Uint8Array;
  ai: Uint8Array;
  ar: Uint8Array;
}

function ikev2Keys(cipher: Ikev2Cipher, integrity: Ikev2Integrity, seed: number): Ikev2Keys {
  const n = cipherKeyLength(cipher);
  return { cipher, integrity, ei: filler(n, seed), er: filler(n, seed + 1), ai: filler(integrity.keyLength, seed + 2), ar: filler(integrity.keyLength, seed + 3) };
}

function direction(k: Ikev2Keys, initiator: boolean): SkKeys {
  return { cipher: k.cipher, integrity: k.integrity, encryptionKey: initiator ? k.ei : k.er, integrityKey: initiator ? k.ai : k.ar };
}

function ikev2TableLine(ispi: string, rspi: string, k: Ikev2Keys): string {
  return `${ispi},${rspi},${toHex(k.ei)},${toHex(k.er)},"${tableIkev2Encryption(k.cipher)}",${toHex(k.ai)},${toHex(k.ar)},"${tableIkev2Integrity(k.integrity)}"`;
}

/** IKE_SA_INIT, IKE_AUTH request in three SKF fragments (order 2, 1, 2 again, 3), IKE_AUTH response, INFORMATIONAL Delete. */
function skfFrames(): { frames: Frame[]; table: string } {
  const ispi = '5f1c0a7d3e2b4c61';
  const rspi = '9a8b7c6d5e4f3a2b';
  const keys = ikev2Keys(ikev2Cipher(ENCR_AES_GCM_16, 256)!, ikev2Integrity(AUTH_NONE)!, 40);
  const frames = ikeSaInit(ispi, rspi, keys.cipher, keys.integrity, 0);
  const pieces = [AUTH_REQUEST.subarray(0, 20), AUTH_REQUEST.subarray(20, 50), AUTH_REQUEST.subarray(50)];
  const fragment = (n: number) =>
    sealSkMessage({
      header: ikev2Header(ispi, rspi, 35, 0x08, 1),
      firstInner: 35,
      inner: pieces[n - 1]!,
      keys: direction(keys, true),
      iv: filler(8, 60 + n),
      fragment: { number: n, total: 3 },
    });
  [2, 1, 2, 3].forEach((n, i) => frames.push(datagram(0.1 + i * 0.01, true, fragment(n))));
  frames.push(datagram(0.2, false, sealSkMessage({ header: ikev2Header(ispi, rspi, 35, 0x20, 1), firstInner: 36, inner: AUTH_RESPONSE, keys: direction(keys, false), iv: filler(8, 70) })));
  const del = ikePayload(0, concat(Uint8Array.of(1, 0), u16(0)));
  frames.push(datagram(1, true, sealSkMessage({ header: ikev2Header(ispi, rspi, 37, 0x08, 2), firstInner: 42, inner: del, keys: direction(keys, true), iv: filler(8, 71) })));
  frames.push(datagram(1.01, false, sealSkMessage({ header: ikev2Header(ispi, rspi, 37, 0x20, 2), firstInner: 0, inner: new Uint8Array(0), keys: direction(keys, false), iv: filler(8, 72) })));
  return { frames, table: ikev2TableLine(ispi, rspi, keys) };
}

/** IKE_SA_INIT and IKE_AUTH with one cipher; with `wrongIntegrityKey` the table's SK_ai and SK_ar do not match the capture. */
function simpleFrames(cipher: Ikev2Cipher, integrity: Ikev2Integrity, ispi: string, rspi: string, wrongIntegrityKey = false): { frames: Frame[]; table: string } {
  const keys = ikev2Keys(cipher, integrity, 80);
  const frames = ikeSaInit(ispi, rspi, cipher, integrity, 0);
  frames.push(datagram(0.1, true, sealSkMessage({ header: ikev2Header(ispi, rspi, 35, 0x08, 1), firstInner: 35, inner: AUTH_REQUEST, keys: direction(keys, true), iv: filler(cipher.ivLength, 90) })));
  frames.push(datagram(0.2, false, sealSkMessage({ header: ikev2Header(ispi, rspi, 35, 0x20, 1), firstInner: 36, inner: AUTH_RESPONSE, keys: direction(keys, false), iv: filler(cipher.ivLength, 91) })));
  const tableKeys = wrongIntegrityKey ? { ...keys, ai: filler(keys.ai.length, 200), ar: filler(keys.ar.length, 201) } : keys;
  return { frames, table: ikev2TableLine(ispi, rspi, tableKeys) };
}

/**
 * IKEv1 Aggressive Mode (RFC 2409) with AES-128-CBC and SHA2-256, its
 * third message encrypted, a Quick Mode whose first message is sent twice,
 * and an Informational Delete, with IVs chained as in RFC 2409 Appendix B.
 */
function ikev1AggressiveFrames(): { frames: Frame[]; table: string } {
  const icookie = 'c0ffee0012345678';
  const rcookie = '0badf00d87654321';
  const key = filler(16, 120);
  const gxi = filler(256, 121);
  const gxr = filler(256, 122);
  const attributes = concat(u16(0x8001), u16(7), u16(0x800e), u16(128), u16(0x8002), u16(4), u16(0x8003), u16(1), u16(0x8004), u16(14));
  const sa = concat(u32(1), u32(1), ikePayload(0, concat(Uint8Array.of(1, 1, 0, 1), ikePayload(0, concat(Uint8Array.of(1, 1, 0, 0), attributes)))));
  const v1 = (rspi: string, next: number, exchange: number, flags: number, messageId: number, body: Uint8Array) =>
    ikeMessage({ initiatorSpi: icookie, responderSpi: rspi, nextPayload: next, version: 0x10, exchange, flags, messageId, body });
  const id = (name: string) => concat(Uint8Array.of(2, 17, 1, 0xf4), Uint8Array.from(Buffer.from(name, 'ascii')));

  const frames: Frame[] = [
    datagram(0, true, v1('0000000000000000', 1, 4, 0, 0, concat(ikePayload(4, sa), ikePayload(10, gxi), ikePayload(5, filler(32, 123)), ikePayload(0, id('initiator.example'))))),
    datagram(0.01, false, v1(rcookie, 1, 4, 0, 0, concat(ikePayload(4, sa), ikePayload(10, gxr), ikePayload(5, filler(32, 124)), ikePayload(8, id('responder.example')), ikePayload(0, filler(32, 125))))),
  ];
  const chains = new Map<number, Uint8Array>([[0, phase1Iv('sha256', gxi, gxr, 16)]]);
  const encrypted = (t: number, fromInitiator: boolean, exchange: number, messageId: number, first: number, body: Uint8Array): Frame => {
    const padded = new Uint8Array(Math.ceil(body.length / 16) * 16);
    padded.set(body);
    const iv = chains.get(messageId) ?? phase2Iv('sha256', chains.get(0)!, messageId, 16);
    const ciphertext = cbcEncrypt('aes', key, iv, padded);
    chains.set(messageId, ciphertext.slice(ciphertext.length - 16));
    return datagram(t, fromInitiator, concat(v1(rcookie, first, exchange, 0x01, messageId, new Uint8Array(0)).subarray(0, 24), u32(28 + ciphertext.length), ciphertext));
  };
  const quickSa = concat(u32(1), u32(1), ikePayload(0, concat(Uint8Array.of(1, 3, 4, 1), u32(0xc1a50001), ikePayload(0, concat(Uint8Array.of(1, 12, 0, 0), u16(0x8004), u16(1))))));
  frames.push(encrypted(0.02, true, 4, 0, 8, ikePayload(0, filler(32, 126))));
  const qm1 = encrypted(0.1, true, 32, 0x2a3b4c5d, 8, concat(ikePayload(1, filler(32, 127)), ikePayload(10, quickSa), ikePayload(0, filler(16, 128))));
  frames.push(qm1, { time: at(0.6), data: qm1.data });
  frames.push(encrypted(0.7, false, 32, 0x2a3b4c5d, 8, concat(ikePayload(1, filler(32, 129)), ikePayload(10, quickSa), ikePayload(0, filler(16, 130)))));
  frames.push(encrypted(0.71, true, 32, 0x2a3b4c5d, 8, ikePayload(0, filler(32, 131))));
  const deletion = concat(u32(1), Uint8Array.of(3, 4), u16(1), u32(0xc1a50001));
  frames.push(encrypted(2, true, 5, 0x11223344, 8, concat(ikePayload(12, filler(32, 132)), ikePayload(0, deletion))));
  return { frames, table: `${icookie},${toHex(key)}` };
}

function keysCase(file: string, purpose: string, tableName: string, build: () => { frames: Frame[]; table: string }): CaptureCase {
  let built: { frames: Frame[]; table: string } | null = null;
  const get = () => (built ??= build());
  return {
    file: `keys/${file}.pcap`,
    purpose,
    build: () => buildPcap(1, get().frames),
    extras: () => ({ [`keys/${file}.keys/${tableName}`]: `# ${tableName} for ${file}.pcap (keys chosen by the generator)\n${get().table}\n` }),
  };
}

export const cases: CaptureCase[] = [
  keysCase(
    'ikev2-skf-gcm',
    'IKEv2 AES-GCM-256 IKE_AUTH request in three SKF fragments (RFC 7383) sent as 2, 1, 2 again, 3; the fourth fragment frame completes the message',
    'ikev2_decryption_table',
    skfFrames,
  ),
  keysCase(
    'ikev2-chacha20',
    'IKEv2 with ENCR_CHACHA20_POLY1305 (RFC 7634); its table uses the IANA name, which tshark 4.0 does not know',
    'ikev2_decryption_table',
    () => simpleFrames(ikev2Cipher(ENCR_CHACHA20_POLY1305, null)!, ikev2Integrity(AUTH_NONE)!, '1c2c3c4c5c6c7c8c', '9d8d7d6d5d4d3d2d'),
  ),
  keysCase(
    'ikev2-wrong-integrity-key',
    'IKEv2 AES-CBC-128 with HMAC-SHA1-96 and a table whose SK_ai/SK_ar are wrong: both IKE_AUTH messages must stay encrypted as integrity-failed',
    'ikev2_decryption_table',
    () => simpleFrames(ikev2Cipher(ENCR_AES_CBC, 128)!, ikev2Integrity(AUTH_HMAC_SHA1_96)!, '2a2b2c2d2e2f3031', '4142434445464748', true),
  ),
  keysCase(
    'ikev1-aggressive-aes',
    'IKEv1 Aggressive Mode (AES-128, SHA2-256) with an encrypted third message, a Quick Mode whose first message is retransmitted, and an Informational Delete',
    'ikev1_decryption_table',
    ikev1AggressiveFrames,
  ),
];
