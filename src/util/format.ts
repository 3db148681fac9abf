// Text forms used across reports: SPIs, timestamps, endpoints.

import type { Spi, Timestamp } from '../types.js';

/** "0x" and 8 lowercase hex digits. */
export function formatSpi(spi: number): string {
  return '0x' + (spi >>> 0).toString(16).padStart(8, '0');
}

export function parseSpi(text: string): Spi | null {
  const m = /^(?:0x)?([0-9a-fA-F]{1,8})$/.exec(text.trim());
  return m ? (parseInt(m[1]!, 16) >>> 0) as Spi : null;
}

// The whole seconds of the last time formatted and their text: a report
// formats thousands of times, most of them in the same few seconds.
let lastSec = Number.NaN;
let lastBase = '';

/** ISO-8601 UTC with as many fractional digits as the capture recorded. */
export function formatTime(t: Timestamp): string {
  if (t.sec !== lastSec) {
    lastBase = new Date(t.sec * 1000).toISOString().slice(0, 19);
    lastSec = t.sec;
  }
  const base = lastBase;
  if (t.digits <= 0) return base + 'Z';
  const frac = String(t.nsec).padStart(9, '0').slice(0, Math.min(9, t.digits));
  return `${base}.${frac}Z`;
}

/** Seconds as a float, for durations and comparisons where nanosecond precision does not matter. */
export function toSeconds(t: Timestamp): number {
  return t.sec + t.nsec / 1e9;
}

/** Negative, zero or positive as a is before, equal to or after b. */
export function compareTime(a: Timestamp, b: Timestamp): number {
  return a.sec !== b.sec ? a.sec - b.sec : a.nsec - b.nsec;
}

/** Seconds from a to b. */
export function secondsBetween(a: Timestamp, b: Timestamp): number {
  return b.sec - a.sec + (b.nsec - a.nsec) / 1e9;
}

/** "ip:port", with brackets around IPv6 addresses. */
export function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * Escapes a string taken from a packet (an IKE ID, a vendor ID) so that it
 * cannot carry terminal control sequences: C0/C1 controls, DEL and the
 * backslash become \xNN escapes.
 */
export function escapeForTerminal(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0) || c === 0x5c) {
      out += '\\x' + c.toString(16).padStart(2, '0');
    } else {
      out += ch;
    }
  }
  return out;
}
