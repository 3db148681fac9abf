// tcpdump's -E secrets: "[0xSPI@dst ]algo:key" for ESP, where algo is an
// OpenSSL cipher name with optional "-cbc" and "-hmac96" suffixes, and
// "ikev2 I|R 0xISPI 0xRSPI integ:key encr:key" for IKEv2 (one line per
// direction). libreswan's debug log prints the same ikev2 lines, so a log
// that contains them is read for those lines alone.

import { isIP } from 'node:net';
import {
  AUTH_HMAC_MD5_96,
  AUTH_HMAC_SHA1_96,
  AUTH_HMAC_SHA2_256_128,
  AUTH_HMAC_SHA2_384_192,
  AUTH_HMAC_SHA2_512_256,
  ENCR_3DES,
  ENCR_AES_CBC,
  ENCR_NULL,
  cipherKeyLength,
  ikev2Cipher,
  ikev2Integrity,
  type Ikev2Cipher,
  type Ikev2Integrity,
} from '../ike/crypto/algorithms.js';
import type { IkeSpi, Spi } from '../types.js';
import { fromHex } from '../util/bytes.js';
import { KeyFileError, SecretBytes, type EspEncryption, type EspSaEntry, type Ikev2KeyEntry, type KeyFormat } from './types.js';

const ESP_LINE = /^(?:(0x[0-9a-fA-F]{1,8})@(\S+)\s+)?([A-Za-z0-9-]+):(\S*)$/;
const IKE_LINE = /\bikev2\s+([IR])\s+(?:0x)?([0-9a-fA-F]{16})\s+(?:0x)?([0-9a-fA-F]{16})\s+([A-Za-z0-9-]+):(\S+)\s+([A-Za-z0-9-]+):(\S+)/;

/** True when a line (comments excluded) is a tcpdump secrets line. */
export function isTcpdumpSecretLine(line: string): boolean {
  const t = line.trim();
  if (/^ikev2\s/i.test(t)) return IKE_LINE.test(t);
  return t.split(',').every((part) => ESP_LINE.test(part.trim()));
}

/** True when some line of a log carries an ikev2 key line. */
export function hasIkev2KeyLine(text: string): boolean {
  return IKE_LINE.test(text);
}

export interface TcpdumpKeys {
  ikev2: Ikev2KeyEntry[];
  esp: EspSaEntry[];
}

/**
 * Reads a tcpdump secrets file (strict: every line must parse) or a log
 * that embeds ikev2 key lines (lenient: other lines are ignored).
 */
export function parseTcpdumpSecrets(path: string, text: string, format: 'tcpdump-secrets' | 'libreswan-log'): TcpdumpKeys {
  const ike = new Map<string, Ikev2KeyEntry>();
  const esp: EspSaEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const lineNumber = i + 1;
    if (line === '' || line.startsWith('#')) continue;
    const ikeMatch = IKE_LINE.exec(line);
    if (ikeMatch) {
      addIkeLine(path, lineNumber, format, ikeMatch, ike);
      continue;
    }
    if (format === 'libreswan-log') continue;
    for (const part of line.split(',')) esp.push(...parseEspSecret(path, lineNumber, part.trim()));
  }
  return { ikev2: [...ike.values()], esp };
}

function hexOrAscii(path: string, line: number, field: string, text: string): Uint8Array {
  if (/^0x/i.test(text)) {
    const bytes = fromHex(text.slice(2));
    if (bytes === null) throw new KeyFileError(path, line, field, 'expected an even number of hex digits after 0x');
    return bytes;
  }
  return new TextEncoder().encode(text);
}

/** tcpdump strips "-hmac96" (a 96-bit ICV it does not check) and then "-cbc" before asking OpenSSL for the cipher. */
function espAlgorithm(name: string): { encryption: EspEncryption | null; icv96: boolean } {
  let n = name.toLowerCase();
  const icv96 = n.endsWith('-hmac96');
  if (icv96) n = n.slice(0, -'-hmac96'.length);
  if (n.endsWith('-cbc')) n = n.slice(0, -'-cbc'.length);
  let encryption: EspEncryption | null = null;
  if (n === 'des') encryption = 'DES-CBC';
  else if (n === '3des' || n === 'des3' || n === 'des-ede3') encryption = 'TripleDES-CBC';
  else if (/^aes-?(128|192|256)?$/.test(n)) encryption = 'AES-CBC';
  else if (n === 'bf' || n === 'blowfish') encryption = 'BLOWFISH-CBC';
  else if (n === 'cast' || n === 'cast5' || n === 'cast128') encryption = 'CAST5-CBC';
  else if (n === 'none' || n === 'null') encryption = 'NULL';
  return { encryption, icv96 };
}

function parseEspSecret(path: string, line: number, text: string): EspSaEntry[] {
  const m = ESP_LINE.exec(text);
  if (!m) throw new KeyFileError(path, line, 'secret', 'expected "[0xSPI@address ]algorithm:key" or "ikev2 I|R 0xSPI 0xSPI integrity:key encryption:key"');
  const [, spiText, address, algorithm, keyText] = m;
  const { encryption, icv96 } = espAlgorithm(algorithm!);
  if (encryption === null) throw new KeyFileError(path, line, 'algorithm', 'expected a cipher such as 3des-cbc, aes128-cbc or des-cbc, optionally with -hmac96');
  const key = hexOrAscii(path, line, 'key', keyText!);
  const source = { path, line, format: 'tcpdump-secrets' as const };
  const base = {
    src: '*',
    encryption,
    encryptionKey: new SecretBytes(key),
    authentication: icv96 ? ('ANY-96' as const) : ('NULL' as const),
    authenticationKey: new SecretBytes(new Uint8Array(0)),
    source,
  };
  if (spiText === undefined) {
    return [
      { ...base, protocol: 'IPv4', dst: '*', spi: null },
      { ...base, protocol: 'IPv6', dst: '*', spi: null },
    ];
  }
  const family = isIP(address!);
  if (family === 0) throw new KeyFileError(path, line, 'address', 'expected an IPv4 or IPv6 address after @');
  return [{ ...base, protocol: family === 6 ? 'IPv6' : 'IPv4', dst: address!, spi: (parseInt(spiText.slice(2), 16) >>> 0) as Spi }];
}

function ikeIntegrity(name: string): Ikev2Integrity | null {
  switch (name.toLowerCase()) {
    case 'md5':
      return ikev2Integrity(AUTH_HMAC_MD5_96);
    case 'sha1':
      return ikev2Integrity(AUTH_HMAC_SHA1_96);
    case 'sha256':
      return ikev2Integrity(AUTH_HMAC_SHA2_256_128);
    case 'sha384':
      return ikev2Integrity(AUTH_HMAC_SHA2_384_192);
    case 'sha512':
      return ikev2Integrity(AUTH_HMAC_SHA2_512_256);
    default:
      return null;
  }
}

function ikeCipher(name: string, keyLength: number): Ikev2Cipher | null {
  let n = name.toLowerCase();
  if (n.endsWith('-cbc')) n = n.slice(0, -'-cbc'.length);
  const aes = /^aes-?(128|192|256)?$/.exec(n);
  if (aes) return ikev2Cipher(ENCR_AES_CBC, aes[1] ? Number(aes[1]) : keyLength * 8);
  if (n === '3des' || n === 'des3' || n === 'des-ede3') return ikev2Cipher(ENCR_3DES, null);
  if (n === 'null' || n === 'none') return ikev2Cipher(ENCR_NULL, null);
  return null;
}

function addIkeLine(path: string, line: number, format: KeyFormat, m: RegExpExecArray, entries: Map<string, Ikev2KeyEntry>): void {
  const [, direction, ispi, rspi, integName, integKeyText, encrName, encrKeyText] = m;
  const integrityKey = hexOrAscii(path, line, 'integrity key', integKeyText!);
  const encryptionKey = hexOrAscii(path, line, 'encryption key', encrKeyText!);
  const integrity = ikeIntegrity(integName!);
  if (integrity === null) throw new KeyFileError(path, line, 'integrity algorithm', 'expected md5, sha1, sha256, sha384 or sha512');
  const encryption = ikeCipher(encrName!, encryptionKey.length);
  if (encryption === null) throw new KeyFileError(path, line, 'encryption algorithm', 'expected aes128, aes192, aes256, 3des or null');
  if (encryptionKey.length !== cipherKeyLength(encryption)) {
    throw new KeyFileError(path, line, 'encryption key', `expected ${cipherKeyLength(encryption)} bytes for ${encrName}, found ${encryptionKey.length}`);
  }
  if (integrityKey.length !== integrity.keyLength) {
    throw new KeyFileError(path, line, 'integrity key', `expected ${integrity.keyLength} bytes for ${integName}, found ${integrityKey.length}`);
  }

  const id = `${ispi!.toLowerCase()}:${rspi!.toLowerCase()}`;
  const entry: Ikev2KeyEntry = entries.get(id) ?? {
    initiatorSpi: ispi!.toLowerCase() as IkeSpi,
    responderSpi: rspi!.toLowerCase() as IkeSpi,
    encryption,
    integrity,
    skEi: null,
    skEr: null,
    skAi: null,
    skAr: null,
    source: { path, line, format },
  };
  if (entry.encryption?.name !== encryption.name) throw new KeyFileError(path, line, 'encryption algorithm', `expected the same algorithm as line ${entry.source.line}`);
  if (entry.integrity?.name !== integrity.name) throw new KeyFileError(path, line, 'integrity algorithm', `expected the same algorithm as line ${entry.source.line}`);
  if (direction === 'I') {
    entry.skEi = new SecretBytes(encryptionKey);
    entry.skAi = new SecretBytes(integrityKey);
  } else {
    entry.skEr = new SecretBytes(encryptionKey);
    entry.skAr = new SecretBytes(integrityKey);
  }
  entries.set(id, entry);
}
