// Text forms of IPv4 and IPv6 addresses read from packets, with small caches
// because the same few addresses recur in every packet of a capture.

import type { IpInfo } from '../types.js';

const IPV4_CACHE_MAX = 4096;
const ipv4Cache = new Map<number, string>();

/** Dotted-quad text of the IPv4 address at buf[offset..offset+4]; the caller checks the bounds. */
export function formatIpv4(buf: Uint8Array, offset: number): string {
  return ipv4Text(((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0);
}

/** Dotted-quad text of an IPv4 address given as an unsigned 32-bit number. */
export function ipv4Text(value: number): string {
  let text = ipv4Cache.get(value);
  if (text === undefined) {
    text = `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
    // Clearing the whole cache is cheaper than tracking use, and a capture
    // with more distinct addresses than this loses only speed.
    if (ipv4Cache.size >= IPV4_CACHE_MAX) ipv4Cache.clear();
    ipv4Cache.set(value, text);
  }
  return text;
}

const IPV6_SLOTS = 256;
const ipv6SlotBytes = new Uint8Array(IPV6_SLOTS * 16);
const ipv6SlotText: (string | undefined)[] = new Array<string | undefined>(IPV6_SLOTS);

/**
 * Text of the IPv6 address at buf[offset..offset+16] in the RFC 5952 form:
 * lowercase, leading zeros dropped, the longest run of two or more zero groups
 * (the first on a tie) written as "::", and IPv4-mapped addresses as ::ffff:a.b.c.d.
 * The caller checks the bounds.
 */
export function formatIpv6(buf: Uint8Array, offset: number): string {
  let hash = 0;
  for (let i = 0; i < 16; i++) hash = (hash * 31 + buf[offset + i]!) & (IPV6_SLOTS - 1);
  const base = hash * 16;
  const cached = ipv6SlotText[hash];
  if (cached !== undefined) {
    let same = true;
    for (let i = 0; i < 16 && same; i++) same = ipv6SlotBytes[base + i] === buf[offset + i];
    if (same) return cached;
  }
  const text = ipv6Text(buf, offset);
  ipv6SlotBytes.set(buf.subarray(offset, offset + 16), base);
  ipv6SlotText[hash] = text;
  return text;
}

function ipv6Text(buf: Uint8Array, offset: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((buf[offset + 2 * i]! << 8) | buf[offset + 2 * i + 1]!);

  // RFC 5952 §5: IPv4-mapped addresses (::ffff:0:0/96) keep the dotted quad.
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return `::ffff:${buf[offset + 12]}.${buf[offset + 13]}.${buf[offset + 14]}.${buf[offset + 15]}`;
  }

  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }

  if (bestStart < 0) return groups.map((g) => g.toString(16)).join(':');
  const head = groups.slice(0, bestStart).map((g) => g.toString(16)).join(':');
  const tail = groups.slice(bestStart + bestLength).map((g) => g.toString(16)).join(':');
  return `${head}::${tail}`;
}

const INFO_SLOTS = 4096;
/** Address pairs kept at most; past it the cache starts over, so a capture with more pairs loses only speed. */
const MAX_INFOS = INFO_SLOTS / 2;

/**
 * IpInfo records for IPv4 address pairs, reused across packets so that the
 * ESP path neither formats addresses nor allocates a record per packet. The
 * records are shared: later stages must treat them as read-only. An
 * open-addressing table keeps them, so that pairs whose hashes collide do
 * not evict each other.
 */
export class Ipv4InfoCache {
  /** Source and destination address of each slot, side by side so that one probe reads one cache line. */
  private readonly addresses = new Float64Array(INFO_SLOTS * 2);
  private readonly infos: (IpInfo | undefined)[] = new Array<IpInfo | undefined>(INFO_SLOTS).fill(undefined);
  private count = 0;

  /** Returns the shared record for a datagram that was not reassembled; `src` and `dst` are the addresses as unsigned 32-bit numbers. */
  get(src: number, dst: number): IpInfo {
    const mask = INFO_SLOTS - 1;
    const h = Math.imul(src, 0x9e3779b1) ^ Math.imul(dst, 0x85ebca6b);
    let slot = (h ^ (h >>> 16)) & mask;
    // The table is never more than half full, so the probe meets an empty slot.
    for (let info = this.infos[slot]; info !== undefined; info = this.infos[slot]) {
      if (this.addresses[2 * slot] === src && this.addresses[2 * slot + 1] === dst) return info;
      slot = (slot + 1) & mask;
    }
    if (this.count === MAX_INFOS) {
      this.infos.fill(undefined);
      this.count = 0;
      slot = (h ^ (h >>> 16)) & mask;
    }
    const info: IpInfo = { version: 4, src: ipv4Text(src), dst: ipv4Text(dst), reassembled: false };
    this.addresses[2 * slot] = src;
    this.addresses[2 * slot + 1] = dst;
    this.infos[slot] = info;
    this.count++;
    return info;
  }
}

const INFO6_SLOTS = 1024;

/**
 * IpInfo records for IPv6 address pairs, as Ipv4InfoCache keeps them for
 * IPv4. A slot contains one pair, and a pair whose hash lands on a taken slot
 * replaces the one there, so a capture with many pairs loses only speed.
 */
export class Ipv6InfoCache {
  /** The 32 address bytes of each slot's pair, as eight 32-bit words. */
  private readonly words = new Int32Array(INFO6_SLOTS * 8);
  private readonly infos: (IpInfo | undefined)[] = new Array<IpInfo | undefined>(INFO6_SLOTS).fill(undefined);

  /** Returns the shared record for the source and destination addresses at buf[offset, offset + 32); the caller checks the bounds. */
  get(buf: Uint8Array, offset: number): IpInfo {
    let h = 0;
    for (let i = 0; i < 32; i += 4) h = Math.imul(h ^ readI32(buf, offset + i), 0x9e3779b1);
    const slot = (h ^ (h >>> 16)) & (INFO6_SLOTS - 1);
    const base = slot * 8;
    const cached = this.infos[slot];
    if (cached !== undefined && this.matches(base, buf, offset)) return cached;
    const info: IpInfo = { version: 6, src: formatIpv6(buf, offset), dst: formatIpv6(buf, offset + 16), reassembled: false };
    for (let i = 0; i < 8; i++) this.words[base + i] = readI32(buf, offset + 4 * i);
    this.infos[slot] = info;
    return info;
  }

  private matches(base: number, buf: Uint8Array, offset: number): boolean {
    for (let i = 0; i < 8; i++) if (this.words[base + i] !== readI32(buf, offset + 4 * i)) return false;
    return true;
  }
}

function readI32(buf: Uint8Array, p: number): number {
  return (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
}
