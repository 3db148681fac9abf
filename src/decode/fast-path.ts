// The decoder's fast path for the frames that make up most IPsec captures:
// ESP on Ethernet, untagged or behind one 802.1Q tag, over IPv4 or IPv6,
// directly or in UDP on port 4500 (RFC 4303 §2, RFC 3948 §2.1). It checks
// the captured length once, reads fixed offsets, and rewrites one EspPacket
// for every packet, so it builds no object per packet.
//
// It takes only frames on which the general path (Decoder.decode) would
// report nothing but the ESP packet: no IPv4 options or fragments, no IPv6
// extension headers, no length that exceeds the captured bytes, no non-ESP
// marker. For every other frame it returns false and the caller decodes the
// frame the general way, so the results never differ.

import type { Encapsulation, EspPacket, FrameNumber, FrameRef, IpInfo, Spi } from '../types.js';
import { readU16, readU32 } from '../util/bytes.js';
import { type Ipv4InfoCache, Ipv6InfoCache } from './address.js';
import { ETHERNET_HEADER, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_VLAN } from './link.js';
import { IPPROTO_ESP, IPPROTO_UDP } from './payload.js';
import type { PacketSink } from './types.js';
import { ikePortOf, NAT_T_PORT } from './udp.js';

/** An 802.1Q tag: tag control information and the inner EtherType. */
const VLAN_TAG = 4;
const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const UDP_HEADER = 8;
const ESP_HEADER = 8;

export class FastEspPath {
  private readonly ipv6Infos = new Ipv6InfoCache();
  private readonly ref: FrameRef = { input: 0, frame: 0 as FrameNumber, time: { sec: 0, nsec: 0, digits: 0 } };
  private readonly packet: EspPacket = {
    kind: 'esp',
    ref: this.ref,
    ip: { version: 4, src: '', dst: '', reassembled: false },
    encapsulation: 'none',
    srcPort: 0,
    dstPort: 0,
    spi: 0 as Spi,
    seq: 0,
    length: 0,
  };

  /** `ipv4Infos` is the decoder's cache, so that both paths hand out the same IpInfo records. */
  constructor(
    private readonly sink: PacketSink,
    private readonly ipv4Infos: Ipv4InfoCache,
  ) {}

  /**
   * Decodes the Ethernet frame at buf[start, start + caplen). Emits its ESP
   * packet and returns true, or returns false, having done nothing, for a
   * frame this path does not take.
   */
  decode(input: number, buf: Uint8Array, start: number, caplen: number, sec: number, nsec: number, digits: number, frame: number): boolean {
    // Every read below stays within buf[start, start + caplen): the checks
    // bound the IP payload by the captured bytes, and the UDP length by the
    // IP payload.
    if (caplen < ETHERNET_HEADER + VLAN_TAG + IPV4_HEADER + ESP_HEADER) return false;
    let ip = start + ETHERNET_HEADER;
    let etherType = readU16(buf, start + 12);
    if (etherType === ETHERTYPE_VLAN) {
      etherType = readU16(buf, ip + 2);
      ip += VLAN_TAG;
    }
    const captured = caplen - (ip - start);

    let payload: number;
    let length: number;
    let protocol: number;
    if (etherType === ETHERTYPE_IPV4) {
      // Version 4 and a header length of 5 words: no options.
      if (buf[ip] !== 0x45) return false;
      const totalLength = readU16(buf, ip + 2);
      const flagsAndOffset = readU16(buf, ip + 6);
      // Zero (segmentation offload) and cut datagrams, too short ones and fragments go the general way.
      if (totalLength < IPV4_HEADER + ESP_HEADER || totalLength > captured || (flagsAndOffset & 0x3fff) !== 0) return false;
      payload = ip + IPV4_HEADER;
      length = totalLength - IPV4_HEADER;
      protocol = buf[ip + 9]!;
    } else if (etherType === ETHERTYPE_IPV6) {
      if (captured < IPV6_HEADER + ESP_HEADER || buf[ip]! >> 4 !== 6) return false;
      length = readU16(buf, ip + 4);
      // Zero (a jumbogram or segmentation offload) and cut payloads go the general way.
      if (length < ESP_HEADER || length > captured - IPV6_HEADER) return false;
      payload = ip + IPV6_HEADER;
      // An extension header here is not ESP or UDP, so it goes the general way too.
      protocol = buf[ip + 6]!;
    } else {
      return false;
    }

    let esp = payload;
    let encapsulation: Encapsulation = 'none';
    let srcPort = 0;
    let dstPort = 0;
    if (protocol === IPPROTO_UDP) {
      srcPort = readU16(buf, payload);
      dstPort = readU16(buf, payload + 2);
      const udpLength = readU16(buf, payload + 4);
      if (udpLength < UDP_HEADER + ESP_HEADER || udpLength > length || ikePortOf(srcPort, dstPort) !== NAT_T_PORT) return false;
      esp += UDP_HEADER;
      length = udpLength - UDP_HEADER;
      // Four zero bytes are the non-ESP marker of IKE (RFC 3948 §2.2).
      if (readU32(buf, esp) === 0) return false;
      encapsulation = 'udp';
    } else if (protocol !== IPPROTO_ESP) {
      return false;
    }

    const ref = this.ref;
    ref.input = input;
    ref.frame = frame as FrameNumber;
    ref.time.sec = sec;
    ref.time.nsec = nsec;
    ref.time.digits = digits;
    const packet = this.packet;
    packet.ip = this.infoOf(buf, ip, etherType === ETHERTYPE_IPV4);
    packet.encapsulation = encapsulation;
    packet.srcPort = srcPort;
    packet.dstPort = dstPort;
    packet.spi = readU32(buf, esp) as Spi;
    packet.seq = readU32(buf, esp + 4);
    packet.length = length;
    this.sink.esp(packet);
    return true;
  }

  private infoOf(buf: Uint8Array, ip: number, ipv4: boolean): IpInfo {
    if (ipv4) return this.ipv4Infos.get(readU32(buf, ip + 12), readU32(buf, ip + 16));
    return this.ipv6Infos.get(buf, ip + 8);
  }
}
