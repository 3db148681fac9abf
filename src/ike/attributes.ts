// Data attributes in TV or TLV form: IKEv1 SA and Mode Config attributes
// (RFC 2408 §3.3) and IKEv2 transform attributes (RFC 7296 §3.3.5). The top
// bit of the type field (AF) selects a 2-byte value (TV) or a length and a
// value (TLV).

import { ByteReader, toHex } from '../util/bytes.js';
import { recordAnomaly, type AnomalySink } from './anomalies.js';
import type { Attribute } from './types.js';

/** Attributes followed per transform or attribute payload: an estimate well above what peers send, there to stop hostile lists. */
export const MAX_ATTRIBUTES = 64;

const ATTRIBUTE_FORMAT_TV = 0x8000;

/** One attribute as read: a TV value, or the bytes of a TLV value. */
export interface RawAttribute {
  type: number;
  /** The 2-byte value of a TV attribute; null for TLV. */
  tv: number | null;
  /** The value bytes of a TLV attribute (a view into the message); null for TV. */
  bytes: Uint8Array | null;
}

/** Converts a raw attribute: a TLV value of up to 4 bytes becomes a number, a longer one stays hex. */
function toAttribute(raw: RawAttribute): Attribute {
  if (raw.bytes === null) return { type: raw.type, value: raw.tv, hex: null };
  if (raw.bytes.length === 0) return { type: raw.type, value: null, hex: '' };
  if (raw.bytes.length > 4) return { type: raw.type, value: null, hex: toHex(raw.bytes) };
  let v = 0;
  for (const b of raw.bytes) v = v * 256 + b;
  return { type: raw.type, value: v, hex: null };
}

/**
 * Reads data attributes until the end of `r`. A TLV attribute whose length
 * runs past the region, or a stray tail shorter than an attribute header,
 * becomes an anomaly and ends the list.
 */
export function readRawAttributes(r: ByteReader, sink: AnomalySink, version: 1 | 2, where: string): RawAttribute[] {
  const out: RawAttribute[] = [];
  while (r.remaining > 0) {
    const start = r.pos;
    if (out.length >= MAX_ATTRIBUTES) {
      recordAnomaly(sink, version, 'payload-count-limit', `${where} has more than ${MAX_ATTRIBUTES} attributes`, start, 'limit');
      break;
    }
    if (r.remaining < 4) {
      recordAnomaly(sink, version, 'trailing-bytes', `${where} ends with ${r.remaining} bytes, too short for an attribute`, start);
      break;
    }
    const typeField = r.u16();
    const type = typeField & 0x7fff;
    if (typeField & ATTRIBUTE_FORMAT_TV) {
      out.push({ type, tv: r.u16(), bytes: null });
      continue;
    }
    const length = r.u16();
    if (length > r.remaining) {
      recordAnomaly(sink, version, 'substructure-past-payload', `${where} attribute ${type} length ${length} runs past the ${r.remaining} bytes left`, start);
      break;
    }
    out.push({ type, tv: null, bytes: r.bytes(length) });
  }
  return out;
}

/** Reads data attributes until the end of `r`, with TLV values of up to 4 bytes as numbers. */
export function readDataAttributes(r: ByteReader, sink: AnomalySink, version: 1 | 2, where: string): Attribute[] {
  return readRawAttributes(r, sink, version, where).map(toAttribute);
}
