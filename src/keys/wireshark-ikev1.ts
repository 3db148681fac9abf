// Wireshark's ikev1_decryption_table: Initiator's COOKIE, Encryption Key
// (the phase-1 cipher key itself, already expanded to the cipher's size).

import type { IkeSpi } from '../types.js';
import { toHex } from '../util/bytes.js';
import { KeyFileError, SecretBytes, type Ikev1KeyEntry } from './types.js';
import { parseHexField, type UatRecord } from './uat.js';

/** Wireshark keeps at most 256 key bytes per row (MAX_KEY_SIZE in packet-isakmp.c). */
const MAX_KEY_BYTES = 256;

/** True when a record has the shape of an ikev1_decryption_table row: a hex cookie and a hex key. */
export function looksLikeIkev1Row(record: UatRecord): boolean {
  const f = record.fields;
  return f.length === 2 && /^(0x)?[0-9a-fA-F]+$/.test(f[0]!.text) && /^(0x)?[0-9a-fA-F]*$/.test(f[1]!.text);
}

export function parseIkev1Table(path: string, records: UatRecord[]): Ikev1KeyEntry[] {
  return records.map(({ line, fields }) => {
    if (fields.length !== 2) throw new KeyFileError(path, line, 'record', `expected 2 fields (Initiator's COOKIE, Encryption Key), found ${fields.length}`);
    const cookie = parseHexField(path, line, "Initiator's COOKIE", fields[0]!);
    if (cookie.length !== 8) throw new KeyFileError(path, line, "Initiator's COOKIE", `expected 8 bytes (16 hex digits), found ${cookie.length}`);
    const key = parseHexField(path, line, 'Encryption Key', fields[1]!);
    if (key.length < 8 || key.length > MAX_KEY_BYTES) {
      throw new KeyFileError(path, line, 'Encryption Key', `expected 8 to ${MAX_KEY_BYTES} bytes, found ${key.length}`);
    }
    return {
      initiatorCookie: toHex(cookie) as IkeSpi,
      encryptionKey: new SecretBytes(key),
      source: { path, line, format: 'ikev1_decryption_table' as const },
    };
  });
}
