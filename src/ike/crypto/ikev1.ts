// IKEv1 encryption (RFC 2409 Appendix B): CBC with an IV chain.
// Phase 1 starts from hash(g^xi | g^xr); every later message in the same
// exchange uses the last ciphertext block of the message before it; a new
// Quick Mode or Informational exchange starts from hash(last phase-1 block |
// message ID). IKEv1 keys carry no integrity key, so the caller judges the
// plaintext by its payload chain.

import { createHash } from 'node:crypto';
import { cbcBlockSize, cbcDecrypt, type CbcCipher } from './ciphers.js';

/** A phase-1 encryption algorithm (RFC 2409 Appendix A, RFC 3602 for AES). */
export interface Ikev1Cipher {
  cipher: CbcCipher;
  /** Key length in bytes. */
  keyLength: number;
  blockSize: number;
  /** Display name, e.g. "AES-CBC-256". */
  name: string;
}

export type Ikev1Hash = 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512';

export const IKEV1_ENC_DES_CBC = 1;
export const IKEV1_ENC_3DES_CBC = 5;
export const IKEV1_ENC_AES_CBC = 7;

/**
 * Returns the cipher for the Encryption Algorithm and Key Length attributes
 * of the chosen phase-1 transform, or null when spitrace cannot decrypt it.
 * AES without a Key Length attribute takes its size from the key material.
 */
export function ikev1Cipher(encryptionAlgorithm: number, keyLengthBits: number | null, keyMaterialLength: number): Ikev1Cipher | null {
  switch (encryptionAlgorithm) {
    case IKEV1_ENC_DES_CBC:
      return { cipher: 'des', keyLength: 8, blockSize: 8, name: 'DES-CBC' };
    case IKEV1_ENC_3DES_CBC:
      return { cipher: '3des', keyLength: 24, blockSize: 8, name: '3DES-CBC' };
    case IKEV1_ENC_AES_CBC: {
      const bits = keyLengthBits ?? (keyMaterialLength >= 32 ? 256 : keyMaterialLength >= 24 ? 192 : 128);
      if (bits !== 128 && bits !== 192 && bits !== 256) return null;
      return { cipher: 'aes', keyLength: bits / 8, blockSize: cbcBlockSize('aes'), name: `AES-CBC-${bits}` };
    }
    default:
      return null;
  }
}

/** Returns the hash for the Hash Algorithm attribute (RFC 2409 Appendix A, RFC 4868 for SHA2). */
export function ikev1Hash(hashAlgorithm: number): Ikev1Hash | null {
  switch (hashAlgorithm) {
    case 1:
      return 'md5';
    case 2:
      return 'sha1';
    case 4:
      return 'sha256';
    case 5:
      return 'sha384';
    case 6:
      return 'sha512';
    default:
      return null;
  }
}

function truncatedHash(hash: Ikev1Hash, parts: Uint8Array[], length: number): Uint8Array {
  const h = createHash(hash);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest()).subarray(0, length);
}

/** Decrypts one message body (whole blocks) with the IV its chain gave it. */
export function ikev1Decrypt(cipher: Ikev1Cipher, key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return cbcDecrypt(cipher.cipher, key.subarray(0, cipher.keyLength), iv, ciphertext);
}

/** Phase-1 IV: hash(g^xi | g^xr) cut to the block size (RFC 2409 Appendix B). */
export function phase1Iv(hash: Ikev1Hash, gxi: Uint8Array, gxr: Uint8Array, blockSize: number): Uint8Array {
  return truncatedHash(hash, [gxi, gxr], blockSize);
}

/** First IV of a phase-2 exchange: hash(last phase-1 CBC block | message ID) cut to the block size. */
export function phase2Iv(hash: Ikev1Hash, lastPhase1Block: Uint8Array, messageId: number, blockSize: number): Uint8Array {
  const id = new Uint8Array(4);
  new DataView(id.buffer).setUint32(0, messageId >>> 0);
  return truncatedHash(hash, [lastPhase1Block, id], blockSize);
}

/** Message IDs whose chain state an ISAKMP SA keeps; older exchanges are forgotten first. */
const MAX_CHAINS = 64;
/** Ciphertexts remembered to recognise retransmissions. */
const MAX_SEEN = 32;

/**
 * The IV chain of one ISAKMP SA. Message ID 0 is phase 1. A retransmitted
 * message (the same ciphertext again) gets the IV it had the first time and
 * leaves the chain where it was. The chain depends on the ciphertext alone,
 * so it can follow an SA before its key is known.
 */
export class Ikev1IvChain {
  private readonly chains = new Map<number, Uint8Array>();
  private readonly seen = new Map<string, Uint8Array>();

  constructor(
    readonly blockSize: number,
    readonly hash: Ikev1Hash,
    initialIv: Uint8Array,
  ) {
    this.chains.set(0, initialIv);
  }

  /** Returns the IV for the next message with this message ID and moves the chain past `ciphertext`. */
  nextIv(messageId: number, ciphertext: Uint8Array): Uint8Array {
    const fingerprint = createHash('sha1').update(ciphertext).digest('hex');
    const earlier = this.seen.get(fingerprint);
    if (earlier) return earlier;

    let iv = this.chains.get(messageId);
    if (iv === undefined) iv = phase2Iv(this.hash, this.chains.get(0)!, messageId, this.blockSize);
    if (ciphertext.length >= this.blockSize) {
      this.chains.delete(messageId);
      this.chains.set(messageId, ciphertext.slice(ciphertext.length - this.blockSize));
      this.evictChains();
    }
    this.seen.set(fingerprint, iv);
    if (this.seen.size > MAX_SEEN) this.seen.delete(this.seen.keys().next().value!);
    return iv;
  }


  private evictChains(): void {
    if (this.chains.size <= MAX_CHAINS) return;
    for (const id of this.chains.keys()) {
      if (id === 0) continue;
      this.chains.delete(id);
      if (this.chains.size <= MAX_CHAINS) return;
    }
  }
}
