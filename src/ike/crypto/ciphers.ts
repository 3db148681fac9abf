// Block cipher modes on node:crypto: CBC for DES, 3DES and AES (RFC 2451,
// RFC 3602), AES-CTR as IPsec uses it (RFC 3686 §4), and the AEAD modes
// AES-GCM, AES-CCM (RFC 5282) and ChaCha20-Poly1305 (RFC 7634).

import { createCipheriv, createDecipheriv } from 'node:crypto';

export type CbcCipher = 'des' | '3des' | 'aes';

export function cbcBlockSize(cipher: CbcCipher): number {
  return cipher === 'aes' ? 16 : 8;
}

/**
 * Returns the OpenSSL cipher name and key for a CBC cipher. Single DES is
 * run as 3DES with K1 = K2 = K3, which reduces to DES, because OpenSSL 3
 * only offers DES through its legacy provider.
 */
function cbcParameters(cipher: CbcCipher, key: Uint8Array): { name: string; key: Uint8Array } {
  switch (cipher) {
    case 'des': {
      const k = new Uint8Array(24);
      k.set(key.subarray(0, 8), 0);
      k.set(key.subarray(0, 8), 8);
      k.set(key.subarray(0, 8), 16);
      return { name: 'des-ede3-cbc', key: k };
    }
    case '3des':
      return { name: 'des-ede3-cbc', key };
    case 'aes':
      return { name: `aes-${key.length * 8}-cbc`, key };
  }
}

/** Decrypts whole CBC blocks without removing any padding (IKE carries its own). */
export function cbcDecrypt(cipher: CbcCipher, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const p = cbcParameters(cipher, key);
  const d = createDecipheriv(p.name, p.key, iv);
  d.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([d.update(data), d.final()]));
}

/** Encrypts whole CBC blocks; data must already be padded to the block size. */
export function cbcEncrypt(cipher: CbcCipher, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const p = cbcParameters(cipher, key);
  const c = createCipheriv(p.name, p.key, iv);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

/** AES-CTR with the RFC 3686 §4 counter block: nonce (4) | IV (8) | block counter starting at 1. */
export function ctrCrypt(aesKey: Uint8Array, nonce: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const counter = new Uint8Array(16);
  counter.set(nonce.subarray(0, 4), 0);
  counter.set(iv.subarray(0, 8), 4);
  counter[15] = 1;
  const c = createCipheriv(`aes-${aesKey.length * 8}-ctr`, aesKey, counter);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

export type AeadMode = 'gcm' | 'ccm' | 'chacha20-poly1305';

function aeadName(mode: AeadMode, key: Uint8Array): string {
  return mode === 'chacha20-poly1305' ? 'chacha20-poly1305' : `aes-${key.length * 8}-${mode}`;
}

/** Decrypts and authenticates; returns null when the tag does not verify. */
export function aeadDecrypt(
  mode: AeadMode,
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
): Uint8Array | null {
  try {
    // CCM has no streaming form: node:crypto needs the message length before the AAD.
    const d =
      mode === 'ccm'
        ? createDecipheriv(aeadName(mode, key) as 'aes-128-ccm', key, nonce, { authTagLength: tag.length })
        : createDecipheriv(aeadName(mode, key) as 'aes-128-gcm', key, nonce, { authTagLength: tag.length });
    d.setAuthTag(tag);
    d.setAAD(aad, { plaintextLength: ciphertext.length });
    const out = d.update(ciphertext);
    d.final();
    return new Uint8Array(out);
  } catch {
    // node:crypto reports a tag mismatch by throwing from final().
    return null;
  }
}

/** Encrypts for tests and crafted captures; returns ciphertext and tag. */
export function aeadEncrypt(
  mode: AeadMode,
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  tagLength: number,
): { ciphertext: Uint8Array; tag: Uint8Array } {
  const c =
    mode === 'ccm'
      ? createCipheriv(aeadName(mode, key) as 'aes-128-ccm', key, nonce, { authTagLength: tagLength })
      : createCipheriv(aeadName(mode, key) as 'aes-128-gcm', key, nonce, { authTagLength: tagLength });
  c.setAAD(aad, { plaintextLength: plaintext.length });
  const ciphertext = new Uint8Array(Buffer.concat([c.update(plaintext), c.final()]));
  return { ciphertext, tag: new Uint8Array(c.getAuthTag()) };
}
