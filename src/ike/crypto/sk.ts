// Decryption of the IKEv2 Encrypted and Authenticated payload (RFC 7296
// §3.14) and of the Encrypted Fragment payload (RFC 7383 §2.5), which
// differs only in its 8-byte header. The integrity check comes first: a
// message that fails it is not decrypted at all.

import { cipherKeyLength, isAead, type Ikev2Cipher, type Ikev2Integrity } from './algorithms.js';
import { aeadDecrypt, aeadEncrypt, cbcDecrypt, cbcEncrypt, ctrCrypt } from './ciphers.js';
import { computeMac, verifyMac } from './integrity.js';

/** The keys for one direction of an IKE SA: SK_ei/SK_ai or SK_er/SK_ar. */
export interface SkKeys {
  cipher: Ikev2Cipher;
  encryptionKey: Uint8Array;
  integrity: Ikev2Integrity;
  integrityKey: Uint8Array;
}

/** Why an SK payload stayed encrypted. */
export type SkError =
  /** The ICV or AEAD tag does not match: wrong key, wrong algorithm or a corrupted message. */
  | 'integrity-failed'
  /** The Pad Length byte points before the start of the plaintext. */
  | 'bad-padding'
  /** The ciphertext is empty or not a whole number of cipher blocks. */
  | 'bad-length'
  /** The payload runs past the end of the captured message. */
  | 'truncated'
  /** The key lengths do not fit the algorithms. */
  | 'bad-key';

export type SkResult = { ok: true; plaintext: Uint8Array; padLength: number } | { ok: false; error: SkError };

/** Payload header length: 4 for SK, 8 for SKF (Fragment Number and Total Fragments follow). */
export type SkHeaderLength = 4 | 8;

/**
 * Checks and decrypts the SK or SKF payload that starts at `offset` in the
 * IKE message `message` (header included). Returns the inner payload bytes
 * without padding.
 */
export function decryptSkPayload(message: Uint8Array, offset: number, headerLength: SkHeaderLength, keys: SkKeys): SkResult {
  const { cipher, integrity } = keys;
  if (offset + 4 > message.length) return { ok: false, error: 'truncated' };
  const payloadLength = (message[offset + 2]! << 8) | message[offset + 3]!;
  const end = offset + payloadLength;
  if (payloadLength < headerLength || end > message.length) return { ok: false, error: 'truncated' };
  if (keys.encryptionKey.length !== cipherKeyLength(cipher)) return { ok: false, error: 'bad-key' };

  const aead = isAead(cipher);
  const icvLength = aead ? cipher.icvLength : integrity.icvLength;
  const ivStart = offset + headerLength;
  const dataStart = ivStart + cipher.ivLength;
  const icvStart = end - icvLength;
  if (icvStart - dataStart < 1) return { ok: false, error: 'bad-length' };
  if ((icvStart - dataStart) % cipher.blockSize !== 0) return { ok: false, error: 'bad-length' };
  const iv = message.subarray(ivStart, dataStart);
  const ciphertext = message.subarray(dataStart, icvStart);
  const icv = message.subarray(icvStart, end);

  let plaintext: Uint8Array;
  if (aead) {
    const plain = decryptAead(message, ivStart, keys, iv, ciphertext, icv);
    if (plain === null) return { ok: false, error: 'integrity-failed' };
    plaintext = plain;
  } else {
    // RFC 7296 §3.14: the checksum covers the message from the IKE header through the Pad Length.
    if (integrity.mac !== null) {
      if (keys.integrityKey.length !== integrity.keyLength) return { ok: false, error: 'bad-key' };
      if (!verifyMac(integrity.mac, keys.integrityKey, message.subarray(0, icvStart), icv)) return { ok: false, error: 'integrity-failed' };
    }
    plaintext = decryptPlain(cipher, keys.encryptionKey, iv, ciphertext);
  }

  const padLength = plaintext[plaintext.length - 1]!;
  if (padLength + 1 > plaintext.length) return { ok: false, error: 'bad-padding' };
  return { ok: true, plaintext: plaintext.subarray(0, plaintext.length - padLength - 1), padLength };
}

function decryptPlain(cipher: Ikev2Cipher, key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  switch (cipher.mode) {
    case 'cbc':
      return cbcDecrypt(cipher.blockSize === 8 ? '3des' : 'aes', key, iv, ciphertext);
    case 'ctr': {
      const aesKey = key.subarray(0, cipher.keyBits / 8);
      const nonce = key.subarray(cipher.keyBits / 8);
      return ctrCrypt(aesKey, nonce, iv, ciphertext);
    }
    default:
      return ciphertext.slice();
  }
}

/**
 * RFC 5282 and RFC 7634: the nonce is the salt from the end of SK_e
 * followed by the payload's IV, and the AAD is the message from the IKE header
 * through the SK (or SKF) payload header.
 */
function decryptAead(
  message: Uint8Array,
  ivStart: number,
  keys: SkKeys,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
): Uint8Array | null {
  const { cipher, encryptionKey } = keys;
  const keyBytes = cipher.keyBits / 8;
  const nonce = new Uint8Array(cipher.saltLength + iv.length);
  nonce.set(encryptionKey.subarray(keyBytes), 0);
  nonce.set(iv, cipher.saltLength);
  const mode = cipher.mode === 'ccm' ? 'ccm' : cipher.mode === 'gcm' ? 'gcm' : 'chacha20-poly1305';
  return aeadDecrypt(mode, encryptionKey.subarray(0, keyBytes), nonce, message.subarray(0, ivStart), ciphertext, tag);
}

/** What sealSkMessage needs to build an encrypted IKEv2 message. */
export interface SealOptions {
  /** The 28-byte IKE header; Length (and Next Payload when nothing precedes SK) are filled in. */
  header: Uint8Array;
  /** Unencrypted payloads before SK, already chained to it; usually empty. */
  before?: Uint8Array;
  /** Type of the first inner payload (the SK or SKF Next Payload field). */
  firstInner: number;
  /** The inner payload chain in plaintext. */
  inner: Uint8Array;
  keys: SkKeys;
  iv: Uint8Array;
  /** Padding bytes beyond what block alignment needs; 0 by default. */
  extraPadding?: number;
  /** Makes an SKF payload (RFC 7383 §2.5) instead of SK. */
  fragment?: { number: number; total: number };
}

/**
 * Builds a whole IKEv2 message with an SK or SKF payload: the inverse of
 * decryptSkPayload, used by tests and crafted captures.
 */
export function sealSkMessage(options: SealOptions): Uint8Array {
  const { keys, iv } = options;
  const { cipher, integrity } = keys;
  const before = options.before ?? new Uint8Array(0);
  const headerLength = options.fragment ? 8 : 4;
  const aead = isAead(cipher);
  const icvLength = aead ? cipher.icvLength : integrity.icvLength;

  const unpadded = options.inner.length + 1;
  const alignment = (cipher.blockSize - (unpadded % cipher.blockSize)) % cipher.blockSize;
  const padLength = alignment + (options.extraPadding ?? 0) * cipher.blockSize;
  const plaintext = new Uint8Array(unpadded + padLength);
  plaintext.set(options.inner, 0);
  plaintext[plaintext.length - 1] = padLength;

  const skOffset = 28 + before.length;
  const payloadLength = headerLength + iv.length + plaintext.length + icvLength;
  const message = new Uint8Array(skOffset + payloadLength);
  message.set(options.header.subarray(0, 28), 0);
  message.set(before, 28);
  if (before.length === 0) message[16] = options.fragment ? 53 : 46;
  new DataView(message.buffer).setUint32(24, message.length);
  message[skOffset] = 0;
  message[skOffset + 1] = 0;
  message[skOffset + 2] = payloadLength >> 8;
  message[skOffset + 3] = payloadLength & 0xff;
  if (options.fragment) {
    message[skOffset] = options.fragment.number === 1 ? options.firstInner : 0;
    message[skOffset + 4] = options.fragment.number >> 8;
    message[skOffset + 5] = options.fragment.number & 0xff;
    message[skOffset + 6] = options.fragment.total >> 8;
    message[skOffset + 7] = options.fragment.total & 0xff;
  } else {
    message[skOffset] = options.firstInner;
  }
  const ivStart = skOffset + headerLength;
  message.set(iv, ivStart);
  const dataStart = ivStart + iv.length;

  const keyBytes = cipher.keyBits / 8;
  if (aead) {
    const nonce = new Uint8Array(cipher.saltLength + iv.length);
    nonce.set(keys.encryptionKey.subarray(keyBytes), 0);
    nonce.set(iv, cipher.saltLength);
    const mode = cipher.mode === 'ccm' ? 'ccm' : cipher.mode === 'gcm' ? 'gcm' : 'chacha20-poly1305';
    const sealed = aeadEncrypt(mode, keys.encryptionKey.subarray(0, keyBytes), nonce, message.subarray(0, ivStart), plaintext, icvLength);
    message.set(sealed.ciphertext, dataStart);
    message.set(sealed.tag, dataStart + plaintext.length);
    return message;
  }

  let ciphertext: Uint8Array;
  if (cipher.mode === 'cbc') ciphertext = cbcEncrypt(cipher.blockSize === 8 ? '3des' : 'aes', keys.encryptionKey, iv, plaintext);
  else if (cipher.mode === 'ctr') ciphertext = ctrCrypt(keys.encryptionKey.subarray(0, keyBytes), keys.encryptionKey.subarray(keyBytes), iv, plaintext);
  else ciphertext = plaintext;
  message.set(ciphertext, dataStart);
  const icvStart = dataStart + ciphertext.length;
  if (integrity.mac !== null) {
    message.set(computeMac(integrity.mac, keys.integrityKey, message.subarray(0, icvStart)).subarray(0, icvLength), icvStart);
  }
  return message;
}
