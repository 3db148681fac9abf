// Recognises a key file by its content, never by its name: gzip by its magic
// bytes, then charon log lines, Wireshark table rows, tcpdump secrets or a
// log with embedded ikev2 key lines.

import { isCharonLogLine } from './strongswan-log.js';
import { hasIkev2KeyLine, isTcpdumpSecretLine } from './tcpdump.js';
import type { KeyFormat } from './types.js';
import { isUatComment, splitUatLine } from './uat.js';
import { looksLikeEspRow } from './wireshark-esp.js';
import { looksLikeIkev1Row } from './wireshark-ikev1.js';
import { looksLikeIkev2Row } from './wireshark-ikev2.js';

export type Detection = { format: KeyFormat } | { format: null; reason: string };

/** Lines of the head that detection looks at. */
const HEAD_LINES = 200;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** True when the bytes hold a NUL or too many other control bytes to be a text file. */
export function isBinary(bytes: Uint8Array): boolean {
  let control = 0;
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0) return true;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x1b) control++;
  }
  return control > n / 20;
}

/**
 * Detects the format from the start of a text file. `whole` is the full text
 * when it is available, so a long log whose key lines come late is still found.
 */
export function detectFormat(head: string, whole: string | null): Detection {
  const lines = head.split(/\r?\n/).slice(0, HEAD_LINES);
  const meaningful = lines.filter((l) => !isUatComment(l));
  if (meaningful.length === 0) {
    // A table with no rows yet is still a table when its header comment names it or its columns, as the
    // lab's tables and those `spitrace keys --wireshark` writes do. Load it empty, without a warning.
    const header = lines.join('\n').toLowerCase();
    if (/ikev2 decryption table|ikev2_decryption_table|sk_ei/.test(header)) return { format: 'ikev2_decryption_table' };
    if (/ikev1 decryption table|ikev1_decryption_table|initiator's cookie/.test(header)) return { format: 'ikev1_decryption_table' };
    if (/esp sa table|esp_sa\b|src ip, dest ip, spi/.test(header)) return { format: 'esp_sa' };
    return { format: null, reason: 'contains no key lines (only blank lines and comments)' };
  }

  const sample = meaningful.slice(0, 50);
  const charonLines = sample.filter(isCharonLogLine).length;
  if (charonLines * 2 >= sample.length) return { format: 'strongswan-log' };

  const first = meaningful[0]!;
  const fields = splitUatLine(first);
  if (fields !== null) {
    const record = { line: 0, fields };
    if (looksLikeEspRow(record)) return { format: 'esp_sa' };
    if (looksLikeIkev2Row(record)) return { format: 'ikev2_decryption_table' };
    if (looksLikeIkev1Row(record)) return { format: 'ikev1_decryption_table' };
  }
  if (isTcpdumpSecretLine(first)) return { format: 'tcpdump-secrets' };
  if (hasIkev2KeyLine(whole ?? head)) return { format: 'libreswan-log' };
  return {
    format: null,
    reason: 'not a Wireshark key table (ikev2_decryption_table, ikev1_decryption_table, esp_sa), a strongSwan charon log or tcpdump -E secrets',
  };
}
