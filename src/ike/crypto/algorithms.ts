// IKEv2 encryption and integrity transforms that spitrace can decrypt with,
// described by their IANA transform IDs (RFC 7296 §3.3.2, IANA "IKEv2
// Transform Type 1/3" registries) and the sizes the SK payload needs.

/** How an encryption transform turns SK_e into a cipher. */
export type CipherMode = 'cbc' | 'ctr' | 'gcm' | 'ccm' | 'chacha20-poly1305' | 'null';

/** An IKEv2 encryption transform with a fixed key size. */
export interface Ikev2Cipher {
  /** IANA transform ID (Transform Type 1), e.g. 12 for ENCR_AES_CBC. */
  transformId: number;
  /** IANA name with the key size, e.g. "ENCR_AES_CBC_256". */
  name: string;
  /** Cipher key size in bits, without salt or nonce; 0 for ENCR_NULL. */
  keyBits: number;
  mode: CipherMode;
  /** Cipher block size: the alignment CBC padding must reach (1 for stream and AEAD modes). */
  blockSize: number;
  /** Bytes of IV carried in the SK payload. */
  ivLength: number;
  /** Bytes at the end of SK_e that are not cipher key: CTR nonce (RFC 5930), AEAD salt (RFC 5282, RFC 7634). */
  saltLength: number;
  /** AEAD tag length; 0 when a separate integrity transform protects the message. */
  icvLength: number;
}

/** An IKEv2 integrity transform, or Wireshark's "ANY n-bits (no checking)". */
export interface Ikev2Integrity {
  /** IANA transform ID (Transform Type 3); null for the unchecked pseudo-transforms. */
  transformId: number | null;
  name: string;
  /** SK_a length in bytes; 0 when unchecked or NONE. */
  keyLength: number;
  /** Bytes of Integrity Checksum Data at the end of the SK payload. */
  icvLength: number;
  /** How the checksum is computed; null when it is not checked. */
  mac: MacAlgorithm | null;
}

export type MacAlgorithm =
  | { kind: 'hmac'; hash: 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512' }
  | { kind: 'aes-xcbc' }
  | { kind: 'aes-cmac' };

export const ENCR_DES = 2;
export const ENCR_3DES = 3;
export const ENCR_NULL = 11;
export const ENCR_AES_CBC = 12;
export const ENCR_AES_CTR = 13;
export const ENCR_AES_CCM_8 = 14;
export const ENCR_AES_CCM_12 = 15;
export const ENCR_AES_CCM_16 = 16;
export const ENCR_AES_GCM_8 = 18;
export const ENCR_AES_GCM_12 = 19;
export const ENCR_AES_GCM_16 = 20;
export const ENCR_CHACHA20_POLY1305 = 28;

export const AUTH_NONE = 0;
export const AUTH_HMAC_MD5_96 = 1;
export const AUTH_HMAC_SHA1_96 = 2;
export const AUTH_AES_XCBC_96 = 5;
export const AUTH_HMAC_MD5_128 = 6;
export const AUTH_HMAC_SHA1_160 = 7;
export const AUTH_AES_CMAC_96 = 8;
export const AUTH_HMAC_SHA2_256_128 = 12;
export const AUTH_HMAC_SHA2_384_192 = 13;
export const AUTH_HMAC_SHA2_512_256 = 14;

/**
 * Returns the cipher for an encryption transform ID and its Key Length
 * attribute (bits), or null when spitrace cannot decrypt with it. AES
 * transforms need a key length; the others ignore it.
 */
export function ikev2Cipher(transformId: number, keyBits: number | null): Ikev2Cipher | null {
  const aesBits = keyBits === 128 || keyBits === 192 || keyBits === 256 ? keyBits : null;
  switch (transformId) {
    case ENCR_3DES:
      return { transformId, name: 'ENCR_3DES', keyBits: 192, mode: 'cbc', blockSize: 8, ivLength: 8, saltLength: 0, icvLength: 0 };
    case ENCR_NULL:
      return { transformId, name: 'ENCR_NULL', keyBits: 0, mode: 'null', blockSize: 1, ivLength: 0, saltLength: 0, icvLength: 0 };
    case ENCR_AES_CBC:
      if (aesBits === null) return null;
      return { transformId, name: `ENCR_AES_CBC_${aesBits}`, keyBits: aesBits, mode: 'cbc', blockSize: 16, ivLength: 16, saltLength: 0, icvLength: 0 };
    case ENCR_AES_CTR:
      // RFC 5930: SK_e is the AES key followed by a 4-byte nonce, and the payload carries an 8-byte IV.
      if (aesBits === null) return null;
      return { transformId, name: `ENCR_AES_CTR_${aesBits}`, keyBits: aesBits, mode: 'ctr', blockSize: 1, ivLength: 8, saltLength: 4, icvLength: 0 };
    case ENCR_AES_GCM_8:
    case ENCR_AES_GCM_12:
    case ENCR_AES_GCM_16: {
      // RFC 5282: 4 bytes of salt after the key, 8-byte IV.
      if (aesBits === null) return null;
      const icv = transformId === ENCR_AES_GCM_8 ? 8 : transformId === ENCR_AES_GCM_12 ? 12 : 16;
      return { transformId, name: `ENCR_AES_GCM_${icv}_${aesBits}`, keyBits: aesBits, mode: 'gcm', blockSize: 1, ivLength: 8, saltLength: 4, icvLength: icv };
    }
    case ENCR_AES_CCM_8:
    case ENCR_AES_CCM_12:
    case ENCR_AES_CCM_16: {
      // RFC 5282: CCM takes 3 bytes of salt, so the nonce is 11 bytes.
      if (aesBits === null) return null;
      const icv = transformId === ENCR_AES_CCM_8 ? 8 : transformId === ENCR_AES_CCM_12 ? 12 : 16;
      return { transformId, name: `ENCR_AES_CCM_${icv}_${aesBits}`, keyBits: aesBits, mode: 'ccm', blockSize: 1, ivLength: 8, saltLength: 3, icvLength: icv };
    }
    case ENCR_CHACHA20_POLY1305:
      // RFC 7634: 256-bit key plus 4 bytes of salt, 8-byte IV, 16-byte tag.
      return { transformId, name: 'ENCR_CHACHA20_POLY1305', keyBits: 256, mode: 'chacha20-poly1305', blockSize: 1, ivLength: 8, saltLength: 4, icvLength: 16 };
    default:
      return null;
  }
}

/** SK_e length in bytes for a cipher. */
export function cipherKeyLength(cipher: Ikev2Cipher): number {
  return cipher.keyBits / 8 + cipher.saltLength;
}

export function isAead(cipher: Ikev2Cipher): boolean {
  return cipher.icvLength > 0;
}

/** Returns the integrity transform for an IANA ID, or null when spitrace cannot check it. */
export function ikev2Integrity(transformId: number): Ikev2Integrity | null {
  const hmac = (name: string, hash: 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512', keyLength: number, icvLength: number): Ikev2Integrity => ({
    transformId,
    name,
    keyLength,
    icvLength,
    mac: { kind: 'hmac', hash },
  });
  switch (transformId) {
    case AUTH_NONE:
      return { transformId, name: 'NONE', keyLength: 0, icvLength: 0, mac: null };
    case AUTH_HMAC_MD5_96:
      return hmac('AUTH_HMAC_MD5_96', 'md5', 16, 12);
    case AUTH_HMAC_SHA1_96:
      return hmac('AUTH_HMAC_SHA1_96', 'sha1', 20, 12);
    case AUTH_HMAC_MD5_128:
      return hmac('AUTH_HMAC_MD5_128', 'md5', 16, 16);
    case AUTH_HMAC_SHA1_160:
      return hmac('AUTH_HMAC_SHA1_160', 'sha1', 20, 20);
    case AUTH_HMAC_SHA2_256_128:
      return hmac('AUTH_HMAC_SHA2_256_128', 'sha256', 32, 16);
    case AUTH_HMAC_SHA2_384_192:
      return hmac('AUTH_HMAC_SHA2_384_192', 'sha384', 48, 24);
    case AUTH_HMAC_SHA2_512_256:
      return hmac('AUTH_HMAC_SHA2_512_256', 'sha512', 64, 32);
    case AUTH_AES_XCBC_96:
      // RFC 3566: a 128-bit key, output truncated to 96 bits.
      return { transformId, name: 'AUTH_AES_XCBC_96', keyLength: 16, icvLength: 12, mac: { kind: 'aes-xcbc' } };
    case AUTH_AES_CMAC_96:
      return { transformId, name: 'AUTH_AES_CMAC_96', keyLength: 16, icvLength: 12, mac: { kind: 'aes-cmac' } };
    default:
      return null;
  }
}

/**
 * HMAC-SHA2-256 truncated to 96 bits, from draft-ietf-ipsec-ciph-sha-256-00.
 * It has no IANA transform ID; Wireshark and some old peers still offer it.
 */
export function hmacSha256With96BitIcv(): Ikev2Integrity {
  return { transformId: null, name: 'HMAC_SHA2_256_96', keyLength: 32, icvLength: 12, mac: { kind: 'hmac', hash: 'sha256' } };
}

/** Wireshark's "ANY n-bits of Authentication [No Checking]": the ICV length is known, its value is not checked. */
export function uncheckedIntegrity(icvBits: number): Ikev2Integrity {
  return { transformId: null, name: `ANY_${icvBits}_BITS_UNCHECKED`, keyLength: 0, icvLength: icvBits / 8, mac: null };
}
