// ICMP (RFC 792) and ICMPv6 (RFC 4443) error messages and the packet they
// quote. The quoted headers tell which ESP or AH SPI, or which UDP flow, drew
// the error; the quoted packet itself is never reported as traffic.

import type { QuotedPacket, Spi } from '../types.js';
import { ByteReader, readU16, readU32 } from '../util/bytes.js';
import { formatIpv4, formatIpv6 } from './address.js';
import type { FrameContext } from './context.js';
import { IPPROTO_DSTOPTS, IPPROTO_FRAGMENT, IPPROTO_HOPOPTS, IPPROTO_ROUTING, MAX_EXTENSION_HEADERS } from './ipv6.js';
import { IPPROTO_AH, IPPROTO_ESP, IPPROTO_TCP, IPPROTO_UDP, type IpPayload } from './payload.js';
import { NAT_T_PORT, ikePortOf } from './udp.js';

const ICMP_HEADER = 8;

/** ICMPv4 types that quote the offending datagram: destination unreachable, source quench, redirect, time exceeded, parameter problem. */
const ICMPV4_ERRORS = new Set([3, 4, 5, 11, 12]);
/** ICMPv6 error types (RFC 4443 §3): destination unreachable, packet too big, time exceeded, parameter problem. */
const ICMPV6_ERRORS = new Set([1, 2, 3, 4]);
const ICMPV6_PARAMETER_PROBLEM = 4;

/** Decodes an ICMP (version 4) or ICMPv6 (version 6) message at p.start; errors become IcmpError records. */
export function decodeIcmp(ctx: FrameContext, p: IpPayload, icmpVersion: 4 | 6): void {
  const layer = icmpVersion === 4 ? 'icmp' : 'icmpv6';
  const r = new ByteReader(p.buf, p.start, p.end);
  const type = r.u8();
  const code = r.u8();
  r.skip(2); // checksum
  const word = r.u32(); // type-specific: unused, a pointer, an MTU...
  if (r.short) {
    // Only errors matter here; an informational message cut short is simply not IPsec.
    if (p.end - p.start >= 1 && !(icmpVersion === 4 ? ICMPV4_ERRORS : ICMPV6_ERRORS).has(type)) {
      ctx.notDecoded('not-ipsec');
      return;
    }
    ctx.anomaly(layer, `header cut short: ${Math.max(0, p.end - p.start)} of ${ICMP_HEADER} bytes captured`, p.start, ctx.shortCause());
    return;
  }
  if (!(icmpVersion === 4 ? ICMPV4_ERRORS : ICMPV6_ERRORS).has(type)) {
    ctx.notDecoded('not-ipsec');
    return;
  }

  const quotedStart = p.start + ICMP_HEADER;
  const quoted = icmpVersion === 4 ? parseQuotedIpv4(p.buf, quotedStart, p.end) : parseQuotedIpv6(p.buf, quotedStart, p.end);
  if (quoted === null) {
    ctx.anomaly(layer, `quoted IP header missing or cut short: ${Math.max(0, p.end - quotedStart)} bytes quoted`, quotedStart, ctx.shortCause());
  }
  ctx.icmpError({
    kind: 'icmp-error',
    ref: ctx.ref(),
    ip: p.ip,
    icmpVersion,
    icmpType: type,
    icmpCode: code,
    pointer: icmpVersion === 6 && type === ICMPV6_PARAMETER_PROBLEM ? word : null,
    quoted,
  });
}

/**
 * Reads the IPv4 header an ICMP error quotes. RFC 792 quotes only the IP
 * header and the first 64 bits of data, so the total length is ignored and
 * only the bytes present are read. Returns null when the IP header itself is
 * not all there.
 */
function parseQuotedIpv4(buf: Uint8Array, start: number, end: number): QuotedPacket | null {
  if (end - start < 20) return null;
  const versionAndLength = buf[start]!;
  const headerLength = (versionAndLength & 0x0f) * 4;
  if (versionAndLength >> 4 !== 4 || headerLength < 20 || start + headerLength > end) return null;
  const protocol = buf[start + 9]!;
  const fragmentOffset = readU16(buf, start + 6) & 0x1fff;
  const quoted: QuotedPacket = {
    version: 4,
    src: formatIpv4(buf, start + 12),
    dst: formatIpv4(buf, start + 16),
    protocol,
    protocolOffset: 9,
    srcPort: null,
    dstPort: null,
    spi: null,
    seq: null,
  };
  // Only the first fragment carries the upper-layer header.
  if (fragmentOffset === 0) readQuotedUpperLayer(quoted, buf, start + headerLength, end);
  return quoted;
}

/** Reads the IPv6 header an ICMPv6 error quotes and walks its extension headers as far as they were quoted. */
function parseQuotedIpv6(buf: Uint8Array, start: number, end: number): QuotedPacket | null {
  if (end - start < 40 || buf[start]! >> 4 !== 6) return null;
  const quoted: QuotedPacket = {
    version: 6,
    src: formatIpv6(buf, start + 8),
    dst: formatIpv6(buf, start + 24),
    protocol: buf[start + 6]!,
    protocolOffset: 6,
    srcPort: null,
    dstPort: null,
    spi: null,
    seq: null,
  };
  let protocol = quoted.protocol;
  let at = start + 40;
  for (let count = 0; count < MAX_EXTENSION_HEADERS; count++) {
    if (protocol === IPPROTO_FRAGMENT) {
      if (at + 8 > end) return quoted;
      const next = buf[at]!;
      const offset = readU16(buf, at + 2) & 0xfff8;
      quoted.protocol = next;
      quoted.protocolOffset = at - start;
      if (offset !== 0) return quoted;
      protocol = next;
      at += 8;
      continue;
    }
    if (protocol !== IPPROTO_HOPOPTS && protocol !== IPPROTO_ROUTING && protocol !== IPPROTO_DSTOPTS) break;
    if (at + 2 > end) return quoted;
    protocol = buf[at]!;
    quoted.protocol = protocol;
    quoted.protocolOffset = at - start;
    at += (buf[at + 1]! + 1) * 8;
  }
  readQuotedUpperLayer(quoted, buf, at, end);
  return quoted;
}

/** Fills in ports, the SPI and the sequence number from whatever part of the upper-layer header was quoted. */
function readQuotedUpperLayer(quoted: QuotedPacket, buf: Uint8Array, start: number, end: number): void {
  switch (quoted.protocol) {
    case IPPROTO_ESP:
      if (start + 4 <= end) quoted.spi = readU32(buf, start) as Spi;
      if (start + 8 <= end) quoted.seq = readU32(buf, start + 4);
      return;
    case IPPROTO_AH:
      if (start + 8 <= end) quoted.spi = readU32(buf, start + 4) as Spi;
      if (start + 12 <= end) quoted.seq = readU32(buf, start + 8);
      return;
    case IPPROTO_TCP:
    case IPPROTO_UDP: {
      if (start + 4 > end) return;
      quoted.srcPort = readU16(buf, start);
      quoted.dstPort = readU16(buf, start + 2);
      if (quoted.protocol !== IPPROTO_UDP || ikePortOf(quoted.srcPort, quoted.dstPort) !== NAT_T_PORT) return;
      // ESP in UDP (RFC 3948): an SPI follows the 8-byte UDP header unless it is the zero non-ESP marker.
      if (start + 12 <= end) {
        const spi = readU32(buf, start + 8);
        if (spi !== 0) quoted.spi = spi as Spi;
        if (spi !== 0 && start + 16 <= end) quoted.seq = readU32(buf, start + 12);
      }
      return;
    }
    default:
      return;
  }
}
