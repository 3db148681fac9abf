// Builders for crafted frames: link layers, IPv4/IPv6 (options, extension
// headers, fragments), UDP, TCP, ESP, AH, ICMP errors and the RFC 3948 /
// RFC 8229 framings. Used by the decode tests and by the capture generator.
// The IP builders fill in the IPv4 header checksum and the UDP, TCP and
// ICMPv6 checksums, so tshark shows the frames without checksum complaints.

import type { CapturedFrame, FrameNumber, Timestamp } from '../../src/types.js';

export type Bytes = Uint8Array;

/** Concatenates byte arrays. */
export function concat(...parts: Bytes[]): Bytes {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Bytes from a hex string; spaces and line breaks are ignored. */
export function hex(text: string): Bytes {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new Error(`invalid hex: ${text}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Lowercase hex of bytes. */
export function toHex(bytes: Bytes): string {
  return Buffer.from(bytes).toString('hex');
}

/** `length` bytes counting up from `seed`, for payloads whose content does not matter. */
export function filler(length: number, seed = 0): Bytes {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (seed + i) & 0xff;
  return out;
}

function u16(value: number): Bytes {
  return Uint8Array.of((value >>> 8) & 0xff, value & 0xff);
}

function u32(value: number): Bytes {
  return Uint8Array.of((value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

// ---------------------------------------------------------------- addresses

export function ipv4Address(text: string): Bytes {
  const parts = text.split('.').map((p) => Number(p));
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`invalid IPv4 address: ${text}`);
  return Uint8Array.from(parts);
}

export function ipv6Address(text: string): Bytes {
  const halves = text.split('::');
  if (halves.length > 2) throw new Error(`invalid IPv6 address: ${text}`);
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const zeros = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...new Array<number>(zeros).fill(0), ...tail];
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) throw new Error(`invalid IPv6 address: ${text}`);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => out.set(u16(g), 2 * i));
  return out;
}

// ------------------------------------------------------------------ link layers

export const MAC_A = hex('02 00 00 00 00 0a');
export const MAC_B = hex('02 00 00 00 00 0b');

export interface VlanTag {
  /** Tag protocol identifier: 0x8100 (802.1Q), 0x88a8 (802.1ad) or 0x9100. */
  tpid: number;
  id: number;
  priority?: number;
}

/** Builds an Ethernet II frame. `tags` go outermost first. */
export function ethernet(payload: Bytes, options: { type?: number; tags?: VlanTag[]; src?: Bytes; dst?: Bytes } = {}): Bytes {
  const type = options.type ?? (payload.length > 0 && payload[0]! >> 4 === 6 ? 0x86dd : 0x0800);
  const tagBytes = (options.tags ?? []).map((t) => concat(u16(t.tpid), u16(((t.priority ?? 0) << 13) | (t.id & 0x0fff))));
  return concat(options.dst ?? MAC_B, options.src ?? MAC_A, ...tagBytes, u16(type), payload);
}

/** Builds a Linux cooked capture v1 header (LINKTYPE_LINUX_SLL, 113) for an outgoing packet (packet type 4). */
export function sll(payload: Bytes, protocol = ipEthertype(payload), hardwareType = 1): Bytes {
  const address = new Uint8Array(8);
  address.set(MAC_A);
  return concat(u16(4), u16(hardwareType), u16(6), address, u16(protocol), payload);
}

/** Builds a Linux cooked capture v2 header (LINKTYPE_LINUX_SLL2, 276). */
export function sll2(payload: Bytes, protocol = ipEthertype(payload), hardwareType = 1): Bytes {
  const address = new Uint8Array(8);
  address.set(MAC_A);
  return concat(u16(protocol), u16(0), u32(2), u16(hardwareType), Uint8Array.of(4, 6), address, payload);
}

/** Builds a BSD loopback header (LINKTYPE_NULL, 0): the address family in the capturing host's byte order. */
export function nullLink(payload: Bytes, family = payload[0]! >> 4 === 6 ? 30 : 2, littleEndian = true): Bytes {
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, family, littleEndian);
  return concat(header, payload);
}

/** Builds an OpenBSD loopback header (LINKTYPE_LOOP, 108): the address family in network byte order. */
export function loop(payload: Bytes, family = payload[0]! >> 4 === 6 ? 24 : 2): Bytes {
  return concat(u32(family), payload);
}

function ipEthertype(payload: Bytes): number {
  return payload.length > 0 && payload[0]! >> 4 === 6 ? 0x86dd : 0x0800;
}

// ----------------------------------------------------------------------- IPv4

export interface Ipv4Options {
  src?: string;
  dst?: string;
  protocol: number;
  id?: number;
  ttl?: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  /** Fragment offset in bytes (a multiple of 8). */
  fragmentOffset?: number;
  /** IP options, padded with End of Options to a multiple of 4. */
  options?: Bytes;
  /** Overrides the total length field. */
  totalLength?: number;
  /** Overrides the header length field (in bytes). */
  headerLength?: number;
  /** Leaves the transport checksum alone (for payloads that are fragments or deliberately wrong). */
  keepTransportChecksum?: boolean;
}

export const ADDRESS_A = '192.0.2.1';
export const ADDRESS_B = '198.51.100.2';
export const ADDRESS_C = '203.0.113.3';
export const ADDRESS6_A = '2001:db8::1';
export const ADDRESS6_B = '2001:db8:1::2';

/** Builds an IPv4 packet around `payload`. */
export function ipv4(payload: Bytes, options: Ipv4Options): Bytes {
  const src = ipv4Address(options.src ?? ADDRESS_A);
  const dst = ipv4Address(options.dst ?? ADDRESS_B);
  let opts = options.options ?? new Uint8Array(0);
  if (opts.length % 4 !== 0) opts = concat(opts, new Uint8Array(4 - (opts.length % 4)));
  const headerLength = options.headerLength ?? 20 + opts.length;
  const body = options.keepTransportChecksum || options.moreFragments || options.fragmentOffset ? payload : withTransportChecksum(payload, options.protocol, src, dst);
  const header = new Uint8Array(20);
  const view = new DataView(header.buffer);
  header[0] = 0x40 | ((headerLength / 4) & 0x0f);
  view.setUint16(2, options.totalLength ?? 20 + opts.length + body.length);
  view.setUint16(4, options.id ?? 0x1234);
  const flags = (options.dontFragment ? 0x4000 : 0) | (options.moreFragments ? 0x2000 : 0);
  view.setUint16(6, flags | (((options.fragmentOffset ?? 0) / 8) & 0x1fff));
  header[8] = options.ttl ?? 64;
  header[9] = options.protocol;
  header.set(src, 12);
  header.set(dst, 16);
  const full = concat(header, opts);
  view.setUint16(10, internetChecksum(full));
  full.set(header.subarray(10, 12), 10);
  return concat(full, body);
}

/**
 * Splits an unfragmented IPv4 packet into fragments whose data parts have the
 * given sizes. Every size but the last must be a multiple of 8, and the last
 * may be left out.
 */
export function fragmentIpv4(packet: Bytes, sizes: number[]): Bytes[] {
  const headerLength = (packet[0]! & 0x0f) * 4;
  const header = packet.subarray(0, headerLength);
  const data = packet.subarray(headerLength);
  const out: Bytes[] = [];
  let offset = 0;
  const plan = [...sizes];
  while (offset < data.length) {
    const size = Math.min(plan.shift() ?? data.length - offset, data.length - offset);
    const more = offset + size < data.length;
    const fragmentHeader = header.slice();
    const view = new DataView(fragmentHeader.buffer);
    view.setUint16(2, headerLength + size);
    view.setUint16(6, (view.getUint16(6) & 0x4000) | (more ? 0x2000 : 0) | (offset / 8));
    view.setUint16(10, 0);
    view.setUint16(10, internetChecksum(fragmentHeader));
    out.push(concat(fragmentHeader, data.subarray(offset, offset + size)));
    offset += size;
  }
  return out;
}

/** Builds one IPv4 fragment with explicit fields, for overlapping and malformed cases. */
export function ipv4Fragment(data: Bytes, options: { offset: number; more: boolean; id?: number; protocol?: number; src?: string; dst?: string }): Bytes {
  return ipv4(data, {
    protocol: options.protocol ?? 17,
    id: options.id ?? 0x4242,
    fragmentOffset: options.offset,
    moreFragments: options.more,
    ...(options.src ? { src: options.src } : {}),
    ...(options.dst ? { dst: options.dst } : {}),
    keepTransportChecksum: true,
  });
}

// ----------------------------------------------------------------------- IPv6

/** An IPv6 extension header: Hop-by-Hop (0), Routing (43), Destination Options (60) or Fragment (44). */
export type Ipv6Extension =
  | { type: 0 | 60; length?: number }
  | { type: 43; length?: number }
  | { type: 44; offset: number; more: boolean; id: number };

export interface Ipv6Options {
  src?: string;
  dst?: string;
  /** Protocol of the payload, after the extension headers. */
  nextHeader: number;
  extensions?: Ipv6Extension[];
  hopLimit?: number;
  /** Overrides the payload length field. */
  payloadLength?: number;
  keepTransportChecksum?: boolean;
}

/** Builds an extension header whose Next Header is `next`. */
export function ipv6Extension(extension: Ipv6Extension, next: number): Bytes {
  if (extension.type === 44) {
    return concat(Uint8Array.of(next, 0), u16((extension.offset & 0xfff8) | (extension.more ? 1 : 0)), u32(extension.id));
  }
  // Length in 8-byte units beyond the first 8; filled with PadN options (or a type-0 routing header with segments left 0).
  const units = extension.length ?? 0;
  const out = new Uint8Array((units + 1) * 8);
  out[0] = next;
  out[1] = units;
  if (extension.type === 43) {
    out[2] = 0; // routing type 0
    out[3] = 0; // segments left
  } else {
    out[2] = 1; // PadN
    out[3] = out.length - 4;
  }
  return out;
}

/** Builds an IPv6 packet around `payload`, with extension headers in the order given. */
export function ipv6(payload: Bytes, options: Ipv6Options): Bytes {
  const src = ipv6Address(options.src ?? ADDRESS6_A);
  const dst = ipv6Address(options.dst ?? ADDRESS6_B);
  const extensions = options.extensions ?? [];
  const fragmented = extensions.some((e) => e.type === 44 && (e.offset !== 0 || e.more));
  const body = options.keepTransportChecksum || fragmented ? payload : withTransportChecksum(payload, options.nextHeader, src, dst);
  const headers: Bytes[] = [];
  for (let i = 0; i < extensions.length; i++) {
    const next = i + 1 < extensions.length ? extensions[i + 1]!.type : options.nextHeader;
    headers.push(ipv6Extension(extensions[i]!, next));
  }
  const rest = concat(...headers, body);
  const header = new Uint8Array(40);
  const view = new DataView(header.buffer);
  view.setUint32(0, 0x60000000);
  view.setUint16(4, options.payloadLength ?? rest.length);
  header[6] = extensions.length > 0 ? extensions[0]!.type : options.nextHeader;
  header[7] = options.hopLimit ?? 64;
  header.set(src, 8);
  header.set(dst, 24);
  return concat(header, rest);
}

/**
 * Splits an upper-layer payload into IPv6 fragments with the given data
 * sizes (multiples of 8 except the last). `before` are extension headers
 * that stay in every fragment (the unfragmentable part).
 */
export function fragmentIpv6(
  payload: Bytes,
  sizes: number[],
  options: { src?: string; dst?: string; nextHeader: number; id?: number; before?: Ipv6Extension[] },
): Bytes[] {
  const src = ipv6Address(options.src ?? ADDRESS6_A);
  const dst = ipv6Address(options.dst ?? ADDRESS6_B);
  const data = withTransportChecksum(payload, options.nextHeader, src, dst);
  const out: Bytes[] = [];
  let offset = 0;
  const plan = [...sizes];
  while (offset < data.length) {
    const size = Math.min(plan.shift() ?? data.length - offset, data.length - offset);
    const more = offset + size < data.length;
    out.push(
      ipv6(data.subarray(offset, offset + size), {
        ...(options.src ? { src: options.src } : {}),
        ...(options.dst ? { dst: options.dst } : {}),
        nextHeader: options.nextHeader,
        extensions: [...(options.before ?? []), { type: 44, offset, more, id: options.id ?? 0x0badcafe }],
        keepTransportChecksum: true,
      }),
    );
    offset += size;
  }
  return out;
}

// ------------------------------------------------------------------ transport

/** Builds a UDP datagram; the IP builder fills in its checksum. */
export function udp(payload: Bytes, srcPort: number, dstPort: number, options: { length?: number } = {}): Bytes {
  return concat(u16(srcPort), u16(dstPort), u16(options.length ?? 8 + payload.length), u16(0), payload);
}

export interface TcpOptions {
  seq: number;
  ack?: number;
  syn?: boolean;
  fin?: boolean;
  rst?: boolean;
  /** Header length in bytes; options are filled with NOPs. */
  headerLength?: number;
}

/** Builds a TCP segment; the IP builder fills in its checksum. ACK is set whenever `ack` is given. */
export function tcp(payload: Bytes, srcPort: number, dstPort: number, options: TcpOptions): Bytes {
  const headerLength = options.headerLength ?? 20;
  const header = new Uint8Array(Math.max(20, headerLength));
  const view = new DataView(header.buffer);
  view.setUint16(0, srcPort);
  view.setUint16(2, dstPort);
  view.setUint32(4, options.seq >>> 0);
  view.setUint32(8, (options.ack ?? 0) >>> 0);
  header[12] = ((headerLength / 4) & 0x0f) << 4;
  header[13] = (options.fin ? 0x01 : 0) | (options.syn ? 0x02 : 0) | (options.rst ? 0x04 : 0) | (options.ack !== undefined ? 0x10 : 0) | (payload.length > 0 ? 0x08 : 0);
  view.setUint16(14, 65535);
  for (let i = 20; i < header.length; i++) header[i] = 1; // NOP options
  return concat(header, payload);
}

// ---------------------------------------------------------------------- IPsec

/** Builds an ESP packet (RFC 4303 §2): SPI, sequence number and `bodyLength` filler bytes in place of the ciphertext and ICV. */
export function esp(spi: number, seq: number, bodyLength = 48): Bytes {
  return concat(u32(spi), u32(seq), filler(bodyLength, spi & 0xff));
}

/** Builds an AH header (RFC 4302 §2) with an ICV of `icvLength` bytes, followed by `payload`. */
export function ah(nextHeader: number, spi: number, seq: number, payload: Bytes, icvLength = 12): Bytes {
  const words = (12 + icvLength) / 4;
  return concat(Uint8Array.of(nextHeader, words - 2), u16(0), u32(spi), u32(seq), filler(icvLength, 0xa0), payload);
}

/** RFC 3948 §2.2: four zero bytes before an IKE message on port 4500. */
export function nonEspMarker(ike: Bytes): Bytes {
  return concat(new Uint8Array(4), ike);
}

/** RFC 3948 §2.3: a NAT-keepalive is the single byte 0xFF. */
export const NAT_KEEPALIVE = Uint8Array.of(0xff);

/** RFC 8229 §4: the stream prefix an initiator sends first on a TCP connection. */
export const IKETCP_PREFIX = Uint8Array.from(Buffer.from('IKETCP', 'ascii'));

/** RFC 8229 §3: one message in a TCP stream, prefixed by its length (which counts the 2-byte length field). */
export function tcpMessage(message: Bytes): Bytes {
  return concat(u16(message.length + 2), message);
}

/**
 * Builds a minimal IKE message: the 28-byte header (RFC 7296 §3.1) and `body`
 * as payload bytes. The defaults give an IKEv2 IKE_SA_INIT request with no payloads.
 */
export function ikeMessage(
  options: { initiatorSpi?: string; responderSpi?: string; nextPayload?: number; version?: number; exchange?: number; flags?: number; messageId?: number; body?: Bytes } = {},
): Bytes {
  const body = options.body ?? new Uint8Array(0);
  return concat(
    hex(options.initiatorSpi ?? '0123456789abcdef'),
    hex(options.responderSpi ?? '0000000000000000'),
    Uint8Array.of(options.nextPayload ?? 0, options.version ?? 0x20, options.exchange ?? 34, options.flags ?? 0x08),
    u32(options.messageId ?? 0),
    u32(28 + body.length),
    body,
  );
}

/** Builds a generic IKE payload (RFC 7296 §3.2): next payload, critical bit clear, length, then `body`. */
export function ikePayload(nextPayload: number, body: Bytes): Bytes {
  return concat(Uint8Array.of(nextPayload, 0), u16(4 + body.length), body);
}

/** Builds an ARP request (RFC 826) for Ethernet and IPv4, the usual non-IP frame on a LAN. */
export function arpRequest(senderIp = ADDRESS_A, targetIp = ADDRESS_B): Bytes {
  return concat(u16(1), u16(0x0800), Uint8Array.of(6, 4), u16(1), MAC_A, ipv4Address(senderIp), new Uint8Array(6), ipv4Address(targetIp));
}

// ------------------------------------------------------------------------ ICMP

/** Builds an ICMPv4 message: type, code, the 4-byte rest-of-header word and `body`, which is the quoted datagram in errors. */
export function icmp(type: number, code: number, body: Bytes, rest = 0): Bytes {
  const message = concat(Uint8Array.of(type, code, 0, 0), u32(rest), body);
  const sum = internetChecksum(message);
  message[2] = sum >> 8;
  message[3] = sum & 0xff;
  return message;
}

/** Builds an ICMPv6 message; the IPv6 builder fills in its checksum. */
export function icmpv6(type: number, code: number, body: Bytes, rest = 0): Bytes {
  return concat(Uint8Array.of(type, code, 0, 0), u32(rest), body);
}

// ------------------------------------------------------------------- checksums

function internetChecksum(bytes: Bytes, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (bytes.length % 2 === 1) sum += bytes[bytes.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function pseudoHeaderSum(src: Bytes, dst: Bytes, protocol: number, length: number): number {
  let sum = 0;
  for (const address of [src, dst]) for (let i = 0; i < address.length; i += 2) sum += (address[i]! << 8) | address[i + 1]!;
  sum += protocol;
  sum += (length >>> 16) + (length & 0xffff);
  return sum;
}

/** Offset of the checksum in the UDP (17), TCP (6) and ICMPv6 (58) headers. */
const CHECKSUM_OFFSETS = new Map([
  [17, 6],
  [6, 16],
  [58, 2],
]);

/** Fills in the UDP (17), TCP (6) or ICMPv6 (58) checksum of `segment` for the given addresses; other protocols pass through. */
export function withTransportChecksum(segment: Bytes, protocol: number, src: Bytes, dst: Bytes): Bytes {
  const checksumOffset = CHECKSUM_OFFSETS.get(protocol);
  if (checksumOffset === undefined || segment.length < checksumOffset + 2) return segment;
  const at = checksumOffset;
  const out = segment.slice();
  out[at] = 0;
  out[at + 1] = 0;
  let sum = internetChecksum(out, pseudoHeaderSum(src, dst, protocol, out.length));
  // RFC 768: a computed UDP checksum of zero is sent as all ones.
  if (protocol === 17 && sum === 0) sum = 0xffff;
  out[at] = sum >> 8;
  out[at + 1] = sum & 0xff;
  return out;
}

// ---------------------------------------------------------------------- frames

export const T0: Timestamp = { sec: 1_700_000_000, nsec: 0, digits: 6 };

/** Returns the timestamp `seconds` after T0. */
export function at(seconds: number): Timestamp {
  const whole = Math.floor(seconds);
  return { sec: T0.sec + whole, nsec: Math.round((seconds - whole) * 1e9), digits: 6 };
}

/** Wraps bytes in a CapturedFrame for the decoder; frame numbers start at 1. */
export function frame(data: Bytes, options: { linkType?: number; number?: number; time?: Timestamp; origLength?: number; input?: number } = {}): CapturedFrame {
  return {
    input: options.input ?? 0,
    frame: (options.number ?? 1) as FrameNumber,
    time: options.time ?? T0,
    linkType: options.linkType ?? 1,
    data,
    origLength: options.origLength ?? data.length,
  };
}
