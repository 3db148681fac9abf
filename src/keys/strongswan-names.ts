// strongSwan's algorithm names as charon prints them in proposals ("AES_CBC_256",
// "HMAC_SHA2_256_128") and in "using X for encryption" lines, mapped to the
// IKEv2 transforms and the esp_sa algorithms spitrace works with.

import {
  AUTH_AES_CMAC_96,
  AUTH_AES_XCBC_96,
  AUTH_HMAC_MD5_128,
  AUTH_HMAC_MD5_96,
  AUTH_HMAC_SHA1_160,
  AUTH_HMAC_SHA1_96,
  AUTH_HMAC_SHA2_256_128,
  AUTH_HMAC_SHA2_384_192,
  AUTH_HMAC_SHA2_512_256,
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
  hmacSha256With96BitIcv,
  ikev2Cipher,
  ikev2Integrity,
  type Ikev2Cipher,
  type Ikev2Integrity,
} from '../ike/crypto/algorithms.js';
import type { EspAuthentication, EspEncryption } from './types.js';

const GCM_BY_ICV: Record<string, number> = { '8': ENCR_AES_GCM_8, '12': ENCR_AES_GCM_12, '16': ENCR_AES_GCM_16 };
const CCM_BY_ICV: Record<string, number> = { '8': ENCR_AES_CCM_8, '12': ENCR_AES_CCM_12, '16': ENCR_AES_CCM_16 };

export function strongswanCipher(token: string): Ikev2Cipher | null {
  let m: RegExpExecArray | null;
  if ((m = /^AES_CBC_(\d+)$/.exec(token))) return ikev2Cipher(ENCR_AES_CBC, Number(m[1]));
  if ((m = /^AES_CTR_(\d+)$/.exec(token))) return ikev2Cipher(ENCR_AES_CTR, Number(m[1]));
  if ((m = /^AES_GCM_(8|12|16)_(\d+)$/.exec(token))) return ikev2Cipher(GCM_BY_ICV[m[1]!]!, Number(m[2]));
  if ((m = /^AES_CCM_(8|12|16)_(\d+)$/.exec(token))) return ikev2Cipher(CCM_BY_ICV[m[1]!]!, Number(m[2]));
  if (token === '3DES_CBC') return ikev2Cipher(ENCR_3DES, null);
  if (token === 'NULL') return ikev2Cipher(ENCR_NULL, null);
  if (/^CHACHA20_POLY1305(_256)?$/.test(token)) return ikev2Cipher(ENCR_CHACHA20_POLY1305, null);
  return null;
}

export function strongswanIntegrity(token: string): Ikev2Integrity | null {
  switch (token) {
    case 'HMAC_MD5_96':
      return ikev2Integrity(AUTH_HMAC_MD5_96);
    case 'HMAC_SHA1_96':
      return ikev2Integrity(AUTH_HMAC_SHA1_96);
    case 'HMAC_MD5_128':
      return ikev2Integrity(AUTH_HMAC_MD5_128);
    case 'HMAC_SHA1_160':
      return ikev2Integrity(AUTH_HMAC_SHA1_160);
    case 'HMAC_SHA2_256_96':
      return hmacSha256With96BitIcv();
    case 'HMAC_SHA2_256_128':
      return ikev2Integrity(AUTH_HMAC_SHA2_256_128);
    case 'HMAC_SHA2_384_192':
      return ikev2Integrity(AUTH_HMAC_SHA2_384_192);
    case 'HMAC_SHA2_512_256':
      return ikev2Integrity(AUTH_HMAC_SHA2_512_256);
    case 'AES_XCBC_96':
      return ikev2Integrity(AUTH_AES_XCBC_96);
    case 'AES_CMAC_96':
      return ikev2Integrity(AUTH_AES_CMAC_96);
    default:
      return null;
  }
}

export function strongswanEspEncryption(name: string | null): EspEncryption | null {
  switch (name) {
    case 'AES_CBC':
      return 'AES-CBC';
    case 'AES_CTR':
      return 'AES-CTR';
    case '3DES_CBC':
      return 'TripleDES-CBC';
    case 'DES_CBC':
      return 'DES-CBC';
    case 'BLOWFISH_CBC':
      return 'BLOWFISH-CBC';
    case 'CAST_CBC':
      return 'CAST5-CBC';
    case 'TWOFISH_CBC':
      return 'TWOFISH-CBC';
    case 'AES_GCM_8':
      return 'AES-GCM-8';
    case 'AES_GCM_12':
      return 'AES-GCM-12';
    case 'AES_GCM_16':
      return 'AES-GCM-16';
    case 'CHACHA20_POLY1305':
      return 'CHACHA20-POLY1305';
    case 'NULL':
      return 'NULL';
    default:
      return null;
  }
}

export function strongswanEspAuthentication(name: string | null): EspAuthentication {
  switch (name) {
    case 'HMAC_SHA1_96':
      return 'HMAC-SHA-1-96';
    case 'HMAC_SHA2_256_128':
      return 'HMAC-SHA-256-128';
    case 'HMAC_SHA2_384_192':
      return 'HMAC-SHA-384-192';
    case 'HMAC_SHA2_512_256':
      return 'HMAC-SHA-512-256';
    case 'HMAC_SHA2_256_96':
      return 'HMAC-SHA-256-96';
    case 'HMAC_MD5_96':
      return 'HMAC-MD5-96';
    case 'AES_XCBC_96':
    case 'AES_CMAC_96':
      // Wireshark cannot check these ICVs; it can still skip 96 bits of them.
      return 'ANY-96';
    default:
      return 'NULL';
  }
}
