// Builders for crafted IKEv1 and IKEv2 messages: payload chains with the
// right Next Payload links and lengths, proposals, transforms, notifies,
// deletes and fragments. Used by the IKE unit tests and by
// scripts/gen-captures/ike.ts.

import { concat, hex } from '../helpers/build.js';

export type Bytes = Uint8Array;

export function u8(v: number): Bytes {
  return Uint8Array.of(v & 0xff);
}

export function u16(v: number): Bytes {
  return Uint8Array.of((v >>> 8) & 0xff, v & 0xff);
}

export function u32(v: number): Bytes {
  return Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

export function ascii(text: string): Bytes {
  return Uint8Array.from(Buffer.from(text, 'latin1'));
}

/** One payload of a chain: its type, its body, and optionally a length or critical bit that lie. */
export interface PayloadSpec {
  type: number;
  body: Bytes;
  critical?: boolean;
  /** Payload Length field to write instead of 4 + body length. */
  length?: number;
  /** Next Payload field to write instead of the next spec's type (SK/SKF: the first inner type). */
  next?: number;
}

/** Serialises a payload chain, linking each Next Payload field to the following payload. */
export function chain(payloads: PayloadSpec[]): Bytes {
  const parts: Bytes[] = [];
  payloads.forEach((p, i) => {
    const next = p.next ?? payloads[i + 1]?.type ?? 0;
    parts.push(u8(next), u8(p.critical ? 0x80 : 0), u16(p.length ?? 4 + p.body.length), p.body);
  });
  return concat(...parts);
}

export interface HeaderSpec {
  initiatorSpi?: string;
  responderSpi?: string;
  version?: 1 | 2;
  exchange?: number;
  flags?: number;
  messageId?: number;
  /** Length field to write instead of the real length. */
  length?: number;
}

/** Builds a whole IKE message: header (RFC 7296 §3.1, RFC 2408 §3.1) and payload chain. */
export function message(header: HeaderSpec, payloads: PayloadSpec[], trailing: Bytes = new Uint8Array(0)): Bytes {
  const body = concat(chain(payloads), trailing);
  const version = header.version ?? 2;
  return concat(
    hex(header.initiatorSpi ?? '0123456789abcdef'),
    hex(header.responderSpi ?? '0000000000000000'),
    u8(payloads[0]?.type ?? 0),
    u8(version === 2 ? 0x20 : 0x10),
    u8(header.exchange ?? (version === 2 ? 34 : 2)),
    u8(header.flags ?? (version === 2 ? 0x08 : 0)),
    u32(header.messageId ?? 0),
    u32(header.length ?? 28 + body.length),
    body,
  );
}

/** Builds a data attribute in TV form (AF set) or TLV form (RFC 2408 §3.3, RFC 7296 §3.3.5). */
export function attributeTv(type: number, value: number): Bytes {
  return concat(u16(0x8000 | type), u16(value));
}

export function attributeTlv(type: number, value: Bytes): Bytes {
  return concat(u16(type & 0x7fff), u16(value.length), value);
}

/** Builds an IKEv2 transform substructure (RFC 7296 §3.3.2). */
export function transformV2(transformType: number, id: number, attributes: Bytes[] = [], last = false): Bytes {
  const attrs = concat(...attributes);
  return concat(u8(last ? 0 : 3), u8(0), u16(8 + attrs.length), u8(transformType), u8(0), u16(id), attrs);
}

/** Builds an IKEv2 proposal substructure (RFC 7296 §3.3.1) and sets the last-substructure flags of its transforms. */
export function proposalV2(number: number, protocolId: number, spi: Bytes, transforms: [number, number, Bytes[]?][], last = true, announced?: number): Bytes {
  const ts = concat(...transforms.map(([type, id, attrs], i) => transformV2(type, id, attrs ?? [], i === transforms.length - 1)));
  return concat(u8(last ? 0 : 2), u8(0), u16(8 + spi.length + ts.length), u8(number), u8(protocolId), u8(spi.length), u8(announced ?? transforms.length), spi, ts);
}

/** IKEv2 SA payload body holding the given proposals. */
export function saV2(...proposals: Bytes[]): Bytes {
  return concat(...proposals);
}

/** Builds a typical IKE proposal: AES-CBC-256, HMAC-SHA2-256 PRF and integrity, MODP 2048. */
export function ikeProposalV2(number = 1, spi: Bytes = new Uint8Array(0)): Bytes {
  return proposalV2(number, 1, spi, [
    [1, 12, [attributeTv(14, 256)]],
    [2, 5],
    [3, 12],
    [4, 14],
  ]);
}

/** Builds a typical ESP proposal with a 4-byte SPI: AES-GCM-16-256, no ESN. */
export function espProposalV2(spi: number, number = 1): Bytes {
  return proposalV2(number, 3, u32(spi), [
    [1, 20, [attributeTv(14, 256)]],
    [5, 0],
  ]);
}

/** IKEv2 notify body (RFC 7296 §3.10). */
export function notifyV2(type: number, protocolId = 0, spi: Bytes = new Uint8Array(0), data: Bytes = new Uint8Array(0)): Bytes {
  return concat(u8(protocolId), u8(spi.length), u16(type), spi, data);
}

/** IKEv2 delete body (RFC 7296 §3.11). */
export function deleteV2(protocolId: number, spiSize: number, spis: Bytes[], count = spis.length): Bytes {
  return concat(u8(protocolId), u8(spiSize), u16(count), ...spis);
}

/** IKEv2 identification body (RFC 7296 §3.5). */
export function idV2(idType: number, data: Bytes): Bytes {
  return concat(u8(idType), hex('000000'), data);
}

/** IKEv2 traffic selector payload body with IPv4 ranges (RFC 7296 §3.13). */
export function tsV2(...ranges: [string, string][]): Bytes {
  const selectors = ranges.map(([start, end]) => concat(u8(7), u8(0), u16(16), u16(0), u16(65535), ipv4(start), ipv4(end)));
  return concat(u8(ranges.length), hex('000000'), ...selectors);
}

export function ipv4(text: string): Bytes {
  return Uint8Array.from(text.split('.').map(Number));
}

/** IKEv2 SKF body (RFC 7383 §2.5): fragment number, total, then (fake) IV, ciphertext and ICV. */
export function skfBody(number: number, total: number, encrypted: Bytes): Bytes {
  return concat(u16(number), u16(total), encrypted);
}

/** Builds an IKEv1 transform payload body (RFC 2408 §3.6). */
export function transformV1Body(number: number, id: number, attributes: Bytes[]): Bytes {
  return concat(u8(number), u8(id), u16(0), ...attributes);
}

/** Builds an IKEv1 proposal payload (RFC 2408 §3.5) with its nested transform payloads. */
export function proposalV1(number: number, protocolId: number, spi: Bytes, transforms: Bytes[], last = true): Bytes {
  const ts = chain(transforms.map((body) => ({ type: 3, body })));
  // The last transform's Next Payload is 0; others 3 (set by chain).
  const body = concat(u8(number), u8(protocolId), u8(spi.length), u8(transforms.length), spi, ts);
  return concat(u8(last ? 0 : 2), u8(0), u16(4 + body.length), body);
}

/** IKEv1 SA payload body: DOI 1 (IPsec), situation SIT_IDENTITY_ONLY, then proposals. */
export function saV1(...proposals: Bytes[]): Bytes {
  return concat(u32(1), u32(1), ...proposals);
}

/** Builds a phase 1 proposal: AES-CBC-128, SHA, pre-shared key, MODP 1024, 86400 seconds. */
export function ikeProposalV1(): Bytes {
  return proposalV1(1, 1, new Uint8Array(0), [
    transformV1Body(1, 1, [attributeTv(1, 7), attributeTv(14, 128), attributeTv(2, 2), attributeTv(3, 1), attributeTv(4, 2), attributeTv(11, 1), attributeTlv(12, u32(86400))]),
  ]);
}

/** Builds a Quick Mode ESP proposal with a 4-byte SPI: ESP_AES-CBC, HMAC-SHA, tunnel. */
export function espProposalV1(spi: number): Bytes {
  return proposalV1(1, 3, u32(spi), [transformV1Body(1, 12, [attributeTv(1, 1), attributeTlv(2, u32(3600)), attributeTv(4, 1), attributeTv(5, 2), attributeTv(6, 128)])]);
}

/** IKEv1 notify body (RFC 2408 §3.14): DOI 1. */
export function notifyV1(type: number, protocolId = 1, spi: Bytes = new Uint8Array(0), data: Bytes = new Uint8Array(0)): Bytes {
  return concat(u32(1), u8(protocolId), u8(spi.length), u16(type), spi, data);
}

/** IKEv1 delete body (RFC 2408 §3.15): DOI 1. */
export function deleteV1(protocolId: number, spiSize: number, spis: Bytes[], count = spis.length): Bytes {
  return concat(u32(1), u8(protocolId), u8(spiSize), u16(count), ...spis);
}

/** IKEv1 fragment payload body (payload 132): fragment ID, number, flags (1 = last), data. */
export function fragmentV1(id: number, number: number, last: boolean, data: Bytes): Bytes {
  return concat(u16(id), u8(number), u8(last ? 1 : 0), data);
}
