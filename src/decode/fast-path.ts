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
//
// Reading a frame (readFastEsp) keeps no state, so a reading thread can run
// it and hand the fields over as an EspRecord. Emitting the packet
// (FastEspPath) stays with the sink.

import type { EspPacket, FrameNumber, FrameRef, IpInfo, Spi } from '../types.js';
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

/** The offsets and fields readFastEsp found in a frame it takes. One object is rewritten for every frame. */
export interface FastEspLayout {
  /** Offset of the IP header in the buffer. */
  ip: number;
  /** 4 or 6. */
  ipVersion: number;
  /** True for ESP in UDP (RFC 3948). */
  udp: boolean;
  /** The UDP ports, 0 for plain ESP. */
  srcPort: number;
  dstPort: number;
  /** Offset of the ESP header (SPI and sequence number) in the buffer. */
  esp: number;
  /** Bytes of ESP: the IP payload, or the UDP payload for ESP in UDP. */
  length: number;
}

/** Returns a FastEspLayout to pass to readFastEsp. */
export function emptyFastEspLayout(): FastEspLayout {
  return { ip: 0, ipVersion: 0, udp: false, srcPort: 0, dstPort: 0, esp: 0, length: 0 };
}

/**
 * Reads the Ethernet frame at buf[start, start + caplen). Fills `out` and
 * returns true for a frame the fast path takes, or returns false, with `out`
 * in any state, for every other frame. Every offset in `out` leaves the 8
 * bytes of the ESP header and the IP addresses within the captured bytes.
 */
export function readFastEsp(buf: Uint8Array, start: number, caplen: number, out: FastEspLayout): boolean {
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
  let ipVersion: number;
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
    ipVersion = 4;
  } else if (etherType === ETHERTYPE_IPV6) {
    if (captured < IPV6_HEADER + ESP_HEADER || buf[ip]! >> 4 !== 6) return false;
    length = readU16(buf, ip + 4);
    // Zero (a jumbogram or segmentation offload) and cut payloads go the general way.
    if (length < ESP_HEADER || length > captured - IPV6_HEADER) return false;
    payload = ip + IPV6_HEADER;
    // An extension header here is not ESP or UDP, so it goes the general way too.
    protocol = buf[ip + 6]!;
    ipVersion = 6;
  } else {
    return false;
  }

  let esp = payload;
  let udp = false;
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
    udp = true;
  } else if (protocol !== IPPROTO_ESP) {
    return false;
  }

  out.ip = ip;
  out.ipVersion = ipVersion;
  out.udp = udp;
  out.srcPort = srcPort;
  out.dstPort = dstPort;
  out.esp = esp;
  out.length = length;
  return true;
}

/**
 * One ESP packet that readFastEsp took, as numbers, for a frame read in
 * another thread (src/capture/worker-capture.ts). One object is rewritten
 * for every packet.
 */
export interface EspRecord {
  /** The 1-based frame number, capture time and its sub-second digits, as in RecordVisitor. */
  frame: number;
  sec: number;
  nsec: number;
  digits: number;
  /** 4 or 6. */
  ipVersion: number;
  /** IPv4: source and destination address as unsigned 32-bit numbers. */
  src: number;
  dst: number;
  /** IPv6: the 16-byte source address then the destination address, at addresses[addressOffset]. */
  addresses: Uint8Array;
  addressOffset: number;
  udp: boolean;
  srcPort: number;
  dstPort: number;
  spi: number;
  seq: number;
  length: number;
  /**
   * The id the reading thread gave the packet's IP version, addresses,
   * encapsulation, ports and SPI (src/capture/flow-table.ts), or -1 for a
   * packet of no flow.
   */
  flow: number;
  /**
   * False for a later packet of a flow: then only frame, time, seq, length
   * and flow are set, and the rest are those of the flow's first packet,
   * which came with them.
   */
  full: boolean;
}

/** Returns an EspRecord to fill. */
export function emptyEspRecord(): EspRecord {
  return { frame: 0, sec: 0, nsec: 0, digits: 0, ipVersion: 4, src: 0, dst: 0, addresses: new Uint8Array(32), addressOffset: 0, udp: false, srcPort: 0, dstPort: 0, spi: 0, seq: 0, length: 0, flow: -1, full: true };
}

/** The fields every packet of a flow shares, kept from its first packet. */
interface FlowFields {
  ip: IpInfo;
  udp: boolean;
  srcPort: number;
  dstPort: number;
  spi: number;
}

export class FastEspPath {
  private readonly ipv6Infos = new Ipv6InfoCache();
  private readonly layout = emptyFastEspLayout();
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
    flow: -1,
  };
  /** The flows of the capture being read, by id (see EspRecord.flow). */
  private readonly flows: FlowFields[] = [];

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
    const at = this.layout;
    if (!readFastEsp(buf, start, caplen, at)) return false;
    const ip = at.ipVersion === 4 ? this.ipv4Infos.get(readU32(buf, at.ip + 12), readU32(buf, at.ip + 16)) : this.ipv6Infos.get(buf, at.ip + 8);
    this.emit(input, frame, sec, nsec, digits, ip, at.udp, at.srcPort, at.dstPort, readU32(buf, at.esp), readU32(buf, at.esp + 4), at.length, -1);
    return true;
  }

  /** Emits the packet of a frame that readFastEsp took in another thread, as decode() would have. */
  decodeRecord(input: number, r: EspRecord): void {
    const flow = r.flow;
    if (!r.full) {
      const f = this.flows[flow];
      if (f === undefined) throw new Error(`ESP packet of flow ${flow}, which no earlier packet introduced`);
      this.emit(input, r.frame, r.sec, r.nsec, r.digits, f.ip, f.udp, f.srcPort, f.dstPort, f.spi, r.seq, r.length, flow);
      return;
    }
    const ip = r.ipVersion === 4 ? this.ipv4Infos.get(r.src, r.dst) : this.ipv6Infos.get(r.addresses, r.addressOffset);
    if (flow >= 0) this.flows[flow] = { ip, udp: r.udp, srcPort: r.srcPort, dstPort: r.dstPort, spi: r.spi };
    this.emit(input, r.frame, r.sec, r.nsec, r.digits, ip, r.udp, r.srcPort, r.dstPort, r.spi, r.seq, r.length, flow);
  }

  /** Forgets the flows of the capture read so far; the next capture numbers its own. */
  forgetFlows(): void {
    this.flows.length = 0;
  }

  private emit(input: number, frame: number, sec: number, nsec: number, digits: number, ip: IpInfo, udp: boolean, srcPort: number, dstPort: number, spi: number, seq: number, length: number, flow: number): void {
    const ref = this.ref;
    ref.input = input;
    ref.frame = frame as FrameNumber;
    ref.time.sec = sec;
    ref.time.nsec = nsec;
    ref.time.digits = digits;
    const packet = this.packet;
    packet.ip = ip;
    packet.encapsulation = udp ? 'udp' : 'none';
    packet.srcPort = srcPort;
    packet.dstPort = dstPort;
    packet.spi = spi as Spi;
    packet.seq = seq;
    packet.length = length;
    packet.flow = flow;
    this.sink.esp(packet);
  }
}
