// Algorithm names as Wireshark's key tables spell them. The IKEv2 names come
// from packet-isakmp.c and the ESP names from packet-ipsec.c; the strings were
// checked against the libwireshark of tshark 4.0.17, which also still accepts
// the older "AES-GCM [RFC4106]". Matching ignores case and repeated spaces,
// because strongSwan's save-keys plugin writes "TripleDes-CBC [RFC2451]".
//
// spitrace also accepts IANA names (ENCR_AES_CBC_256, AUTH_AES_XCBC_96,
// ENCR_CHACHA20_POLY1305...) for the transforms Wireshark's IKEv2 table has no
// name for.

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
  AUTH_NONE,
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
  uncheckedIntegrity,
  type Ikev2Cipher,
  type Ikev2Integrity,
} from '../ike/crypto/algorithms.js';
import type { EspAuthentication, EspEncryption } from './types.js';

function normalise(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

interface CipherName {
  wireshark: string | null;
  transformId: number;
  keyBits: number | null;
}

function aesNames(): CipherName[] {
  const out: CipherName[] = [];
  for (const bits of [128, 192, 256]) {
    out.push({ wireshark: `AES-CBC-${bits} [RFC3602]`, transformId: ENCR_AES_CBC, keyBits: bits });
    out.push({ wireshark: `AES-CTR-${bits} [RFC5930]`, transformId: ENCR_AES_CTR, keyBits: bits });
    for (const [icv, gcm, ccm] of [
      [8, ENCR_AES_GCM_8, ENCR_AES_CCM_8],
      [12, ENCR_AES_GCM_12, ENCR_AES_CCM_12],
      [16, ENCR_AES_GCM_16, ENCR_AES_CCM_16],
    ] as const) {
      out.push({ wireshark: `AES-GCM-${bits} with ${icv} octet ICV [RFC5282]`, transformId: gcm, keyBits: bits });
      out.push({ wireshark: `AES-CCM-${bits} with ${icv} octet ICV [RFC5282]`, transformId: ccm, keyBits: bits });
    }
  }
  return out;
}

const IKEV2_CIPHERS: CipherName[] = [
  { wireshark: 'NULL [RFC2410]', transformId: ENCR_NULL, keyBits: null },
  { wireshark: '3DES [RFC2451]', transformId: ENCR_3DES, keyBits: null },
  ...aesNames(),
  { wireshark: null, transformId: ENCR_CHACHA20_POLY1305, keyBits: null },
];

const IKEV2_INTEGRITY: { wireshark: string | null; make: () => Ikev2Integrity }[] = [
  { wireshark: 'NONE [RFC4306]', make: () => ikev2Integrity(AUTH_NONE)! },
  { wireshark: 'HMAC_MD5_96 [RFC2403]', make: () => ikev2Integrity(AUTH_HMAC_MD5_96)! },
  { wireshark: 'HMAC_SHA1_96 [RFC2404]', make: () => ikev2Integrity(AUTH_HMAC_SHA1_96)! },
  { wireshark: 'HMAC_MD5_128 [RFC4595]', make: () => ikev2Integrity(AUTH_HMAC_MD5_128)! },
  { wireshark: 'HMAC_SHA1_160 [RFC4595]', make: () => ikev2Integrity(AUTH_HMAC_SHA1_160)! },
  { wireshark: 'HMAC_SHA2_256_96 [draft-ietf-ipsec-ciph-sha-256-00]', make: hmacSha256With96BitIcv },
  { wireshark: 'HMAC_SHA2_256_128 [RFC4868]', make: () => ikev2Integrity(AUTH_HMAC_SHA2_256_128)! },
  { wireshark: 'HMAC_SHA2_384_192 [RFC4868]', make: () => ikev2Integrity(AUTH_HMAC_SHA2_384_192)! },
  { wireshark: 'HMAC_SHA2_512_256 [RFC4868]', make: () => ikev2Integrity(AUTH_HMAC_SHA2_512_256)! },
  { wireshark: 'ANY 64-bits of Authentication [No Checking]', make: () => uncheckedIntegrity(64) },
  { wireshark: 'ANY 96-bits of Authentication [No Checking]', make: () => uncheckedIntegrity(96) },
  { wireshark: 'ANY 128-bits of Authentication [No Checking]', make: () => uncheckedIntegrity(128) },
  { wireshark: 'ANY 160-bits of Authentication [No Checking]', make: () => uncheckedIntegrity(160) },
  { wireshark: 'ANY 192-bits of Authentication [No Checking]', make: () => uncheckedIntegrity(192) },
  { wireshark: 'ANY 256-bits of Authentication [No Checking]', make: () => uncheckedIntegrity(256) },
  { wireshark: null, make: () => ikev2Integrity(AUTH_AES_XCBC_96)! },
  { wireshark: null, make: () => ikev2Integrity(AUTH_AES_CMAC_96)! },
];

/** Parses an IKEv2 encryption algorithm name from a key table; null when unknown. */
export function parseIkev2Encryption(text: string): Ikev2Cipher | null {
  const wanted = normalise(text);
  for (const c of IKEV2_CIPHERS) {
    const cipher = ikev2Cipher(c.transformId, c.keyBits);
    if (cipher === null) continue;
    if ((c.wireshark !== null && normalise(c.wireshark) === wanted) || normalise(cipher.name) === wanted) return cipher;
  }
  return null;
}

/** Parses an IKEv2 integrity algorithm name from a key table; null when unknown. */
export function parseIkev2Integrity(text: string): Ikev2Integrity | null {
  const wanted = normalise(text);
  for (const i of IKEV2_INTEGRITY) {
    const integrity = i.make();
    if ((i.wireshark !== null && normalise(i.wireshark) === wanted) || normalise(integrity.name) === wanted) return integrity;
  }
  return null;
}

/** Wireshark's name for an IKEv2 cipher; null when Wireshark has none (ChaCha20-Poly1305). */
export function wiresharkIkev2Encryption(cipher: Ikev2Cipher): string | null {
  for (const c of IKEV2_CIPHERS) {
    if (c.wireshark === null || c.transformId !== cipher.transformId) continue;
    if (c.keyBits === null || c.keyBits === cipher.keyBits) return c.wireshark;
  }
  return null;
}

/** Wireshark's name for an IKEv2 integrity transform; null when Wireshark has none (AES-XCBC, AES-CMAC). */
export function wiresharkIkev2Integrity(integrity: Ikev2Integrity): string | null {
  for (const i of IKEV2_INTEGRITY) {
    if (i.wireshark !== null && i.make().name === integrity.name) return i.wireshark;
  }
  return null;
}

/** The name a key table takes for a cipher: Wireshark's, or the IANA name when Wireshark has none. */
export function tableIkev2Encryption(cipher: Ikev2Cipher): string {
  return wiresharkIkev2Encryption(cipher) ?? cipher.name;
}

export function tableIkev2Integrity(integrity: Ikev2Integrity): string {
  return wiresharkIkev2Integrity(integrity) ?? integrity.name;
}

const ESP_ENCRYPTION: [EspEncryption, string][] = [
  ['NULL', 'NULL'],
  ['TripleDES-CBC', 'TripleDES-CBC [RFC2451]'],
  ['AES-CBC', 'AES-CBC [RFC3602]'],
  ['AES-CTR', 'AES-CTR [RFC3686]'],
  ['DES-CBC', 'DES-CBC [RFC2405]'],
  ['CAST5-CBC', 'CAST5-CBC [RFC2144]'],
  ['BLOWFISH-CBC', 'BLOWFISH-CBC [RFC2451]'],
  ['TWOFISH-CBC', 'TWOFISH-CBC'],
  ['AES-GCM', 'AES-GCM [RFC4106]'],
  ['AES-GCM-8', 'AES-GCM with 8 octet ICV [RFC4106]'],
  ['AES-GCM-12', 'AES-GCM with 12 octet ICV [RFC4106]'],
  ['AES-GCM-16', 'AES-GCM with 16 octet ICV [RFC4106]'],
];

const ESP_AUTHENTICATION: [EspAuthentication, string][] = [
  ['NULL', 'NULL'],
  ['HMAC-SHA-1-96', 'HMAC-SHA-1-96 [RFC2404]'],
  ['HMAC-SHA-256-96', 'HMAC-SHA-256-96 [draft-ietf-ipsec-ciph-sha-256-00]'],
  ['HMAC-SHA-256-128', 'HMAC-SHA-256-128 [RFC4868]'],
  ['HMAC-SHA-384-192', 'HMAC-SHA-384-192 [RFC4868]'],
  ['HMAC-SHA-512-256', 'HMAC-SHA-512-256 [RFC4868]'],
  ['HMAC-MD5-96', 'HMAC-MD5-96 [RFC2403]'],
  ['MAC-RIPEMD-160-96', 'MAC-RIPEMD-160-96 [RFC2857]'],
  ['ANY-64', 'ANY 64 bit authentication [no checking]'],
  ['ANY-96', 'ANY 96 bit authentication [no checking]'],
  ['ANY-128', 'ANY 128 bit authentication [no checking]'],
  ['ANY-192', 'ANY 192 bit authentication [no checking]'],
  ['ANY-256', 'ANY 256 bit authentication [no checking]'],
];

/** Parses an esp_sa encryption name; null when unknown. */
export function parseEspEncryption(text: string): EspEncryption | null {
  const wanted = normalise(text);
  for (const [id, name] of ESP_ENCRYPTION) if (normalise(name) === wanted || normalise(id) === wanted) return id;
  // NOTE: Wireshark releases after 4.0 add ChaCha20-Poly1305 to esp_sa; its exact
  // spelling was not available to check, so any name starting with ChaCha20 is taken.
  if (wanted.startsWith('chacha20')) return 'CHACHA20-POLY1305';
  return null;
}

/** Wireshark's esp_sa name for an encryption algorithm; null for ChaCha20-Poly1305, which tshark 4.0 lacks. */
export function wiresharkEspEncryption(id: EspEncryption): string | null {
  return ESP_ENCRYPTION.find(([e]) => e === id)?.[1] ?? null;
}

/** Parses an esp_sa authentication name; null when unknown. */
export function parseEspAuthentication(text: string): EspAuthentication | null {
  const wanted = normalise(text);
  for (const [id, name] of ESP_AUTHENTICATION) if (normalise(name) === wanted || normalise(id) === wanted) return id;
  return null;
}

export function wiresharkEspAuthentication(id: EspAuthentication): string {
  return ESP_AUTHENTICATION.find(([a]) => a === id)![1];
}
