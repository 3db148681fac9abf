// Integrity checksums for IKEv2 (RFC 7296 §3.14): HMAC (RFC 2104, with the
// truncations of RFC 2403, 2404 and 4868), AES-XCBC-MAC-96 (RFC 3566) and
// AES-CMAC-96 (RFC 4494), the last two built on AES-ECB from node:crypto.

import { createCipheriv, createHmac } from 'node:crypto';
import type { MacAlgorithm } from './algorithms.js';

const BLOCK = 16;

/** Computes the untruncated MAC of data; callers keep the leading ICV bytes. */
export function computeMac(mac: MacAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  switch (mac.kind) {
    case 'hmac':
      return createHmac(mac.hash, key).update(data).digest();
    case 'aes-xcbc':
      return aesXcbcMac(key, data);
    case 'aes-cmac':
      return aesCmac(key, data);
  }
}

/** True when the first icv.length bytes of the MAC of data equal icv. */
export function verifyMac(mac: MacAlgorithm, key: Uint8Array, data: Uint8Array, icv: Uint8Array): boolean {
  const full = computeMac(mac, key, data);
  if (icv.length > full.length) return false;
  let diff = 0;
  for (let i = 0; i < icv.length; i++) diff |= full[i]! ^ icv[i]!;
  return diff === 0;
}

function aesEcbEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  const cipher = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  cipher.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(block), cipher.final()]));
}

/** CBC-MAC over full 16-byte blocks with a final block already prepared by the caller. */
function cbcMac(key: Uint8Array, blocks: Uint8Array, last: Uint8Array): Uint8Array {
  const cipher = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  cipher.setAutoPadding(false);
  let state: Uint8Array = new Uint8Array(BLOCK);
  const buf = new Uint8Array(BLOCK);
  for (let off = 0; off < blocks.length; off += BLOCK) {
    for (let i = 0; i < BLOCK; i++) buf[i] = state[i]! ^ blocks[off + i]!;
    state = new Uint8Array(cipher.update(buf));
  }
  for (let i = 0; i < BLOCK; i++) buf[i] = state[i]! ^ last[i]!;
  state = new Uint8Array(cipher.update(buf));
  cipher.final();
  return state;
}

/**
 * Splits data into the blocks before the last one and the last block, XORed
 * with `complete` when the last block is full or padded with 0x80 0x00... and
 * XORed with `partial` otherwise (RFC 3566 §4, RFC 4493 §2.4).
 */
function finalBlock(data: Uint8Array, complete: Uint8Array, partial: Uint8Array): { head: Uint8Array; last: Uint8Array } {
  const full = data.length > 0 && data.length % BLOCK === 0;
  const headLength = full ? data.length - BLOCK : data.length - (data.length % BLOCK);
  const tail = data.subarray(headLength);
  const last = new Uint8Array(BLOCK);
  if (full) {
    for (let i = 0; i < BLOCK; i++) last[i] = tail[i]! ^ complete[i]!;
  } else {
    last.set(tail);
    last[tail.length] = 0x80;
    for (let i = 0; i < BLOCK; i++) last[i] = last[i]! ^ partial[i]!;
  }
  return { head: data.subarray(0, headLength), last };
}

/** Computes AES-XCBC-MAC (RFC 3566), 128 bits; IKEv2 keeps the first 96. */
export function aesXcbcMac(key: Uint8Array, data: Uint8Array): Uint8Array {
  const k1 = aesEcbEncryptBlock(key, new Uint8Array(BLOCK).fill(0x01));
  const k2 = aesEcbEncryptBlock(key, new Uint8Array(BLOCK).fill(0x02));
  const k3 = aesEcbEncryptBlock(key, new Uint8Array(BLOCK).fill(0x03));
  const { head, last } = finalBlock(data, k2, k3);
  return cbcMac(k1, head, last);
}

/** Doubling in GF(2^128) as RFC 4493 §2.3 derives the CMAC subkeys. */
function double(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) out[i] = ((block[i]! << 1) | (i + 1 < BLOCK ? block[i + 1]! >> 7 : 0)) & 0xff;
  if (block[0]! & 0x80) out[BLOCK - 1] = out[BLOCK - 1]! ^ 0x87;
  return out;
}

/** AES-CMAC (RFC 4493): 128-bit output; AES-CMAC-96 (RFC 4494) keeps the first 96 bits. */
export function aesCmac(key: Uint8Array, data: Uint8Array): Uint8Array {
  const l = aesEcbEncryptBlock(key, new Uint8Array(BLOCK));
  const k1 = double(l);
  const k2 = double(k1);
  const { head, last } = finalBlock(data, k1, k2);
  return cbcMac(key, head, last);
}
