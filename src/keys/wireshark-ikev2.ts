// Wireshark's ikev2_decryption_table: Initiator's SPI, Responder's SPI,
// SK_ei, SK_er, Encryption algorithm, SK_ai, SK_ar, Integrity algorithm.
// Like Wireshark, every key must have exactly the length its algorithm takes.

import { cipherKeyLength, isAead } from '../ike/crypto/algorithms.js';
import type { IkeSpi } from '../types.js';
import { toHex } from '../util/bytes.js';
import { parseIkev2Encryption, parseIkev2Integrity } from './names.js';
import { KeyFileError, SecretBytes, type Ikev2KeyEntry } from './types.js';
import { parseHexField, type UatRecord } from './uat.js';

const FIELDS = ["Initiator's SPI", "Responder's SPI", 'SK_ei', 'SK_er', 'Encryption algorithm', 'SK_ai', 'SK_ar', 'Integrity algorithm'] as const;

/** True when a record has the shape of an ikev2_decryption_table row: 8 fields that start with two hex SPIs. */
export function looksLikeIkev2Row(record: UatRecord): boolean {
  const f = record.fields;
  return f.length === 8 && /^(0x)?[0-9a-fA-F]+$/.test(f[0]!.text) && /^(0x)?[0-9a-fA-F]+$/.test(f[1]!.text);
}

export function parseIkev2Table(path: string, records: UatRecord[]): Ikev2KeyEntry[] {
  return records.map((r) => parseRow(path, r));
}

function parseRow(path: string, record: UatRecord): Ikev2KeyEntry {
  const { line, fields } = record;
  if (fields.length !== FIELDS.length) {
    throw new KeyFileError(path, line, 'record', `expected ${FIELDS.length} fields (${FIELDS.join(', ')}), found ${fields.length}`);
  }
  const field = (i: number) => fields[i]!;
  const spi = (i: number): IkeSpi => {
    const bytes = parseHexField(path, line, FIELDS[i]!, field(i));
    if (bytes.length !== 8) throw new KeyFileError(path, line, FIELDS[i]!, `expected 8 bytes (16 hex digits), found ${bytes.length}`);
    return toHex(bytes) as IkeSpi;
  };
  const initiatorSpi = spi(0);
  const responderSpi = spi(1);

  const encryption = parseIkev2Encryption(field(4).text);
  if (encryption === null) throw new KeyFileError(path, line, FIELDS[4], 'expected an encryption algorithm name as Wireshark writes it, e.g. "AES-CBC-256 [RFC3602]"');
  const integrity = parseIkev2Integrity(field(7).text);
  if (integrity === null) throw new KeyFileError(path, line, FIELDS[7], 'expected an integrity algorithm name as Wireshark writes it, e.g. "HMAC_SHA2_256_128 [RFC4868]"');
  if (isAead(encryption) && integrity.icvLength > 0) {
    throw new KeyFileError(path, line, FIELDS[7], `expected "NONE [RFC4306]" with the combined-mode cipher ${field(4).text}`);
  }

  const encryptionKey = (i: number): SecretBytes => {
    const bytes = parseHexField(path, line, FIELDS[i]!, field(i));
    const wanted = cipherKeyLength(encryption);
    if (bytes.length !== wanted) throw new KeyFileError(path, line, FIELDS[i]!, `expected ${wanted} bytes for ${field(4).text}, found ${bytes.length}`);
    return new SecretBytes(bytes);
  };
  const integrityKey = (i: number): SecretBytes => {
    const bytes = parseHexField(path, line, FIELDS[i]!, field(i));
    // Unchecked ICVs ("ANY n-bits") take no key; Wireshark ignores whatever is there.
    if (integrity.mac !== null && bytes.length !== integrity.keyLength) {
      throw new KeyFileError(path, line, FIELDS[i]!, `expected ${integrity.keyLength} bytes for ${field(7).text}, found ${bytes.length}`);
    }
    return new SecretBytes(bytes);
  };

  return {
    initiatorSpi,
    responderSpi,
    encryption,
    integrity,
    skEi: encryptionKey(2),
    skEr: encryptionKey(3),
    skAi: integrityKey(5),
    skAr: integrityKey(6),
    source: { path, line, format: 'ikev2_decryption_table' },
  };
}
