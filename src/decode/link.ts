// Link layers: find where the IP header starts in a frame.
//
// Ethernet II with 802.1Q, 802.1ad and stacked tags (and 802.3 LLC/SNAP),
// Linux cooked capture v1 and v2, raw IP, BSD NULL and OpenBSD LOOP. Header
// layouts follow the LINKTYPE_ registry of tcpdump.org.

import { ByteReader, readU16 } from '../util/bytes.js';
import type { FrameContext } from './context.js';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW_12 = 12;
export const LINKTYPE_RAW_14 = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
// Pre-standard QinQ outer tags still sent by some switches.
const ETHERTYPE_QINQ_9100 = 0x9100;
const ETHERTYPE_QINQ_9200 = 0x9200;

export const ETHERNET_HEADER = 14;

/** Stacked tags beyond this are treated as malformed; provider networks stack two or three. */
const MAX_VLAN_TAGS = 8;

/** BSD address-family values for IPv6 in NULL and LOOP headers: Linux, Windows, NetBSD/OpenBSD, FreeBSD, Darwin. */
const AF_INET = 2;
const AF_INET6_VALUES = new Set([10, 23, 24, 28, 30]);

/**
 * Decodes the link-layer header of the frame. Returns the offset where the IP
 * header starts and sets ctx.ipVersion to the version the link layer
 * announced (0 when only the version nibble can tell). Returns -1 after
 * reporting the frame (unsupported link type, not IP, truncated or malformed
 * header).
 */
export function decodeLink(ctx: FrameContext, buf: Uint8Array, linkType: number): number {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return decodeEthernet(ctx, buf);
    case LINKTYPE_LINUX_SLL:
      return decodeSll(ctx, buf);
    case LINKTYPE_LINUX_SLL2:
      return decodeSll2(ctx, buf);
    case LINKTYPE_RAW_12:
    case LINKTYPE_RAW_14:
    case LINKTYPE_RAW:
      return found(ctx, 0, 0);
    case LINKTYPE_IPV4:
      return found(ctx, 0, 4);
    case LINKTYPE_IPV6:
      return found(ctx, 0, 6);
    case LINKTYPE_NULL:
      return decodeNull(ctx, buf, false);
    case LINKTYPE_LOOP:
      return decodeNull(ctx, buf, true);
    default:
      ctx.notDecoded('link-type-unsupported');
      return -1;
  }
}

function found(ctx: FrameContext, offset: number, version: 0 | 4 | 6): number {
  ctx.ipVersion = version;
  return offset;
}

function decodeEthernet(ctx: FrameContext, buf: Uint8Array): number {
  if (buf.length < ETHERNET_HEADER) {
    ctx.anomaly('ethernet', 'frame shorter than the 14-byte Ethernet header', 0, ctx.shortCause());
    return -1;
  }
  const type = readU16(buf, 12);
  const r = new ByteReader(buf, ETHERNET_HEADER);
  if (type < 0x0600) return decodeLlc(ctx, r);
  return decodeEthertype(ctx, r, type);
}

/** Decodes an IEEE 802.3 frame, which carries IP only behind an LLC/SNAP header with OUI 0 (RFC 1042). */
function decodeLlc(ctx: FrameContext, r: ByteReader): number {
  const dsap = r.u8();
  const ssap = r.u8();
  const control = r.u8();
  const oui = r.u24();
  const type = r.u16();
  if (r.short || dsap !== 0xaa || ssap !== 0xaa || control !== 0x03 || oui !== 0) {
    ctx.notDecoded('not-ip');
    return -1;
  }
  return decodeEthertype(ctx, r, type);
}

/** Follows VLAN tags from an EtherType to IPv4 or IPv6; `r` sits just after the EtherType field. */
function decodeEthertype(ctx: FrameContext, r: ByteReader, first: number): number {
  let type = first;
  for (let tags = 0; ; tags++) {
    if (type === ETHERTYPE_IPV4) return found(ctx, r.pos, 4);
    if (type === ETHERTYPE_IPV6) return found(ctx, r.pos, 6);
    if (type !== ETHERTYPE_VLAN && type !== ETHERTYPE_QINQ && type !== ETHERTYPE_QINQ_9100 && type !== ETHERTYPE_QINQ_9200) {
      ctx.notDecoded('not-ip');
      return -1;
    }
    if (tags === MAX_VLAN_TAGS) {
      ctx.anomaly('vlan', `more than ${MAX_VLAN_TAGS} stacked VLAN tags`, r.pos - 2, 'malformed');
      return -1;
    }
    const tagStart = r.pos;
    r.skip(2); // priority, DEI and VLAN ID
    type = r.u16();
    if (r.short) {
      ctx.anomaly('vlan', 'VLAN tag cut short', tagStart, ctx.shortCause());
      return -1;
    }
  }
}

/** Decodes a Linux cooked capture v1 header: packet type, ARPHRD type, address length, 8 address bytes, protocol. */
function decodeSll(ctx: FrameContext, buf: Uint8Array): number {
  const r = new ByteReader(buf);
  r.skip(2);
  const hardwareType = r.u16();
  r.skip(10);
  const protocol = r.u16();
  if (r.short) {
    ctx.anomaly('sll', 'frame shorter than the 16-byte Linux cooked header', 0, ctx.shortCause());
    return -1;
  }
  return decodeCookedProtocol(ctx, r, hardwareType, protocol);
}

/** Decodes a Linux cooked capture v2 header: protocol, reserved, interface index, ARPHRD type, packet type, address length, 8 address bytes. */
function decodeSll2(ctx: FrameContext, buf: Uint8Array): number {
  const r = new ByteReader(buf);
  const protocol = r.u16();
  r.skip(6);
  const hardwareType = r.u16();
  r.skip(10);
  if (r.short) {
    ctx.anomaly('sll2', 'frame shorter than the 20-byte Linux cooked v2 header', 0, ctx.shortCause());
    return -1;
  }
  return decodeCookedProtocol(ctx, r, hardwareType, protocol);
}

const ARPHRD_NETLINK = 824;

function decodeCookedProtocol(ctx: FrameContext, r: ByteReader, hardwareType: number, protocol: number): number {
  // Netlink frames reuse the protocol field for netlink families.
  if (hardwareType === ARPHRD_NETLINK || protocol < 0x0600) {
    ctx.notDecoded('not-ip');
    return -1;
  }
  return decodeEthertype(ctx, r, protocol);
}

/**
 * Decodes a BSD NULL or OpenBSD LOOP header: a 4-byte address family. NULL
 * writes it in the capturing host's byte order, so a value with high bits set
 * is read swapped. LOOP always uses network byte order.
 */
function decodeNull(ctx: FrameContext, buf: Uint8Array, networkOrder: boolean): number {
  const layer = networkOrder ? 'loop' : 'null';
  const r = new ByteReader(buf);
  const raw = r.u32();
  if (r.short) {
    ctx.anomaly(layer, 'frame shorter than the 4-byte address family', 0, ctx.shortCause());
    return -1;
  }
  let family = raw;
  if (!networkOrder && (raw & 0xffff0000) !== 0) {
    family = (((raw & 0xff) << 24) | ((raw & 0xff00) << 8) | ((raw >>> 8) & 0xff00) | (raw >>> 24)) >>> 0;
  }
  if (family === AF_INET) return found(ctx, 4, 4);
  if (AF_INET6_VALUES.has(family)) return found(ctx, 4, 6);
  ctx.notDecoded('not-ip');
  return -1;
}
