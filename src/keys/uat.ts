// Lines of Wireshark's "user access tables" (UAT), the format of
// ikev2_decryption_table, ikev1_decryption_table and esp_sa: one record per
// line, comma-separated fields, each either a double-quoted string (with \\,
// \" and \xNN escapes) or bare text such as hex bytes. Lines starting with #
// are comments.

import { fromHex } from '../util/bytes.js';
import { KeyFileError } from './types.js';

export interface UatField {
  text: string;
  quoted: boolean;
}

/** A record line of a UAT file with its 1-based line number. */
export interface UatRecord {
  line: number;
  fields: UatField[];
}

/** True for blank lines and # comments. */
export function isUatComment(line: string): boolean {
  const t = line.trim();
  return t === '' || t.startsWith('#');
}

/**
 * Splits one record into fields. Returns null when the line is not UAT
 * syntax (an unterminated quote or text after a closing quote), so that
 * format detection can try the next format.
 */
export function splitUatLine(line: string): UatField[] | null {
  const fields: UatField[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i < n && line[i] === '"') {
      let text = '';
      i++;
      let closed = false;
      while (i < n) {
        const c = line[i]!;
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === '\\' && i + 1 < n) {
          const e = line[i + 1]!;
          if (e === 'x' && i + 3 < n && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
            text += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
            i += 4;
            continue;
          }
          text += e;
          i += 2;
          continue;
        }
        text += c;
        i++;
      }
      if (!closed) return null;
      while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
      fields.push({ text, quoted: true });
    } else {
      const start = i;
      while (i < n && line[i] !== ',') i++;
      const text = line.slice(start, i).trim();
      if (text.includes('"')) return null;
      fields.push({ text, quoted: false });
    }
    if (i >= n) return fields;
    if (line[i] !== ',') return null;
    i++;
  }
}

/** Reads the record lines of a UAT file; throws KeyFileError for a line that is not UAT syntax. */
export function readUatRecords(path: string, text: string): UatRecord[] {
  const records: UatRecord[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (isUatComment(line)) continue;
    const fields = splitUatLine(line);
    if (fields === null) throw new KeyFileError(path, i + 1, 'record', 'expected comma-separated fields, each bare or in double quotes');
    records.push({ line: i + 1, fields });
  }
  return records;
}

/**
 * Parses hex bytes as Wireshark writes them in UAT byte fields: bare digits,
 * with or without 0x, optionally in quotes. An empty field is zero bytes.
 */
export function parseHexField(path: string, line: number, field: string, value: UatField): Uint8Array {
  const text = value.text.replace(/[\s:]/g, '');
  const bytes = fromHex(text);
  if (bytes === null) throw new KeyFileError(path, line, field, 'expected hex digits (an even number, 0x prefix allowed)');
  return bytes;
}

/**
 * Parses an esp_sa key: "0x" and hex digits, or ASCII text used as the key
 * bytes (as Wireshark does). An odd number of hex digits gets a leading zero.
 */
export function parseEspKeyField(path: string, line: number, field: string, value: UatField): Uint8Array {
  const text = value.text;
  if (/^0x/i.test(text)) {
    let digits = text.slice(2);
    if (digits.length % 2 === 1) digits = '0' + digits;
    const bytes = fromHex(digits);
    if (bytes === null) throw new KeyFileError(path, line, field, 'expected hex digits after 0x');
    return bytes;
  }
  return new TextEncoder().encode(text);
}
