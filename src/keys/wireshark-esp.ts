// Wireshark's esp_sa table: Protocol, Src IP, Dest IP, SPI, Encryption,
// Encryption Key, Authentication, Authentication Key. Addresses and the SPI
// may be "*"; the SPI is hex with 0x or decimal; keys are 0x-hex or ASCII.

import { isIP } from 'node:net';
import type { Spi } from '../types.js';
import { parseEspAuthentication, parseEspEncryption } from './names.js';
import { KeyFileError, SecretBytes, type EspEncryption, type EspSaEntry } from './types.js';
import { parseEspKeyField, type UatRecord } from './uat.js';

const FIELDS = ['Protocol', 'Src IP', 'Dest IP', 'SPI', 'Encryption', 'Encryption Key', 'Authentication', 'Authentication Key'] as const;

/** True when a record has the shape of an esp_sa row. */
export function looksLikeEspRow(record: UatRecord): boolean {
  const f = record.fields;
  return f.length === 8 && /^IPv[46]$/i.test(f[0]!.text);
}

/** Key lengths in bytes that the cipher accepts, where they are fixed (RFC 2451, 3602, 3686, 4106). */
function keyLengths(encryption: EspEncryption): number[] | null {
  switch (encryption) {
    case 'TripleDES-CBC':
      return [24];
    case 'DES-CBC':
      return [8];
    case 'AES-CBC':
      return [16, 24, 32];
    case 'AES-CTR':
    case 'AES-GCM':
    case 'AES-GCM-8':
    case 'AES-GCM-12':
    case 'AES-GCM-16':
      return [20, 28, 36];
    case 'CHACHA20-POLY1305':
      return [36];
    default:
      return null;
  }
}

function parseAddress(path: string, line: number, field: string, text: string, protocol: 'IPv4' | 'IPv6'): string {
  if (text === '*') return text;
  const family = protocol === 'IPv4' ? 4 : 6;
  if (isIP(text) === family) return text;
  const wildcard = family === 4 ? /^(\d{1,3}|\*)(\.(\d{1,3}|\*)){3}$/ : /^[0-9a-fA-F:*]+$/;
  if (text.includes('*') && wildcard.test(text)) return text;
  throw new KeyFileError(path, line, field, `expected an ${protocol} address or "*"`);
}

function parseSpi(path: string, line: number, text: string): Spi | null {
  if (text === '*') return null;
  const hex = /^0x([0-9a-fA-F]{1,8})$/i.exec(text);
  if (hex) return (parseInt(hex[1]!, 16) >>> 0) as Spi;
  if (/^\d{1,10}$/.test(text) && Number(text) <= 0xffffffff) return Number(text) as Spi;
  throw new KeyFileError(path, line, 'SPI', 'expected "*", 0x and up to 8 hex digits, or a decimal number below 2^32');
}

export function parseEspTable(path: string, records: UatRecord[]): EspSaEntry[] {
  return records.map(({ line, fields }) => {
    if (fields.length !== FIELDS.length) {
      throw new KeyFileError(path, line, 'record', `expected ${FIELDS.length} fields (${FIELDS.join(', ')}), found ${fields.length}`);
    }
    const text = (i: number) => fields[i]!.text;
    const protocolText = text(0).toLowerCase();
    if (protocolText !== 'ipv4' && protocolText !== 'ipv6') throw new KeyFileError(path, line, 'Protocol', 'expected "IPv4" or "IPv6"');
    const protocol = protocolText === 'ipv4' ? 'IPv4' : 'IPv6';
    const src = parseAddress(path, line, 'Src IP', text(1), protocol);
    const dst = parseAddress(path, line, 'Dest IP', text(2), protocol);
    const spi = parseSpi(path, line, text(3));

    const encryption = parseEspEncryption(text(4));
    if (encryption === null) throw new KeyFileError(path, line, 'Encryption', 'expected an encryption algorithm as Wireshark writes it, e.g. "AES-CBC [RFC3602]"');
    const encryptionKey = parseEspKeyField(path, line, 'Encryption Key', fields[5]!);
    const lengths = keyLengths(encryption);
    if (lengths !== null && !lengths.includes(encryptionKey.length)) {
      throw new KeyFileError(path, line, 'Encryption Key', `expected ${lengths.join(', ')} bytes for ${text(4)}, found ${encryptionKey.length}`);
    }
    const authentication = parseEspAuthentication(text(6));
    if (authentication === null) {
      throw new KeyFileError(path, line, 'Authentication', 'expected an authentication algorithm as Wireshark writes it, e.g. "HMAC-SHA-256-128 [RFC4868]"');
    }
    const authenticationKey = parseEspKeyField(path, line, 'Authentication Key', fields[7]!);

    return {
      protocol,
      src,
      dst,
      spi,
      encryption,
      encryptionKey: new SecretBytes(encryptionKey),
      authentication,
      authenticationKey: new SecretBytes(authenticationKey),
      source: { path, line, format: 'esp_sa' as const },
    };
  });
}
