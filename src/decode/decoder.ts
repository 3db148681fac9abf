// The packet decoder: link layer, IPv4/IPv6 with fragment reassembly, then
// ESP, AH, UDP (IKE, NAT-T), TCP (RFC 8229) and ICMP errors. Each frame goes
// through once and its results go to the sink in the order they are found.
//
// Records read straight from a capture file (decodeRecord) first try the
// fast path of fast-path.ts, which covers plain ESP on Ethernet. Every other
// frame, and every frame the fast path is unsure of, goes through decode().
// A thread that reads a file can run the fast path's reading itself and hand
// over its fields (decodeEspRecord).

import type { CapturedFrame, FrameNumber, IpInfo, Timestamp } from '../types.js';
import { readU16 } from '../util/bytes.js';
import { Ipv4InfoCache } from './address.js';
import { decodeAh } from './ah.js';
import { FrameContext } from './context.js';
import { decodeEsp } from './esp.js';
import { decodeIcmp } from './icmp.js';
import { emptyIpv4Header, parseIpv4 } from './ipv4.js';
import { parseIpv6, walkExtensionHeaders } from './ipv6.js';
import { type EspRecord, FastEspPath } from './fast-path.js';
import { ETHERNET_HEADER, ETHERTYPE_IPV4, LINKTYPE_ETHERNET, decodeLink } from './link.js';
import {
  IPPROTO_AH,
  IPPROTO_ESP,
  IPPROTO_GRE,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_IPIP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type IpPayload,
} from './payload.js';
import { Reassembler } from './reassembly.js';
import { TcpStreams } from './tcp.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, type PacketSink } from './types.js';
import { decodeUdp } from './udp.js';

/** IP-in-IP tunnels followed inside one frame before giving up. */
const MAX_IP_DEPTH = 4;
/** AH headers followed in one datagram; RFC 4301 needs at most two (transport inside tunnel). */
const MAX_AH_CHAIN = 4;

/** Decodes captured frames into ESP, AH, IKE, keepalive and ICMP error records. */
export class Decoder {
  private readonly ctx: FrameContext;
  private readonly reassembler: Reassembler;
  private readonly tcp: TcpStreams;
  private readonly ipv4Infos = new Ipv4InfoCache();
  // Reused for every IPv4 header: its fields are read before anything nested
  // (IP-in-IP, a reassembled payload) can parse another header into it.
  private readonly ipv4Header = emptyIpv4Header();
  // One payload record per IP-in-IP depth, reused from frame to frame.
  private readonly payloads: IpPayload[] = Array.from({ length: MAX_IP_DEPTH + 1 }, () => ({
    ip: { version: 4, src: '', dst: '', reassembled: false },
    buf: new Uint8Array(0),
    start: 0,
    end: 0,
    length: 0,
    depth: 0,
    partial: false,
  }));

  private readonly fast: FastEspPath;
  /** The time decodeEspRecord() passes to the reassembler. */
  private readonly expiryTime: Timestamp = { sec: 0, nsec: 0, digits: 0 };

  constructor(sink: PacketSink, limits: DecodeLimits = DEFAULT_DECODE_LIMITS) {
    this.ctx = new FrameContext(sink);
    this.reassembler = new Reassembler(limits);
    this.tcp = new TcpStreams(limits);
    this.fast = new FastEspPath(sink, this.ipv4Infos);
  }

  /**
   * Decodes one record of a capture file given as numbers (see RecordVisitor),
   * with the same results as decode(). ESP packets found by the fast path
   * reach the sink as one reused EspPacket and FrameRef, valid only during
   * the call (see PacketSink). Other frames are built as a CapturedFrame
   * whose data is a view of `buf`.
   */
  decodeRecord(input: number, buf: Uint8Array, start: number, caplen: number, origLength: number, sec: number, nsec: number, digits: number, frame: number, linkType: number): void {
    // While fragments wait for reassembly, every frame goes through decode(), which expires old ones.
    if (linkType === LINKTYPE_ETHERNET && this.reassembler.size === 0 && this.fast.decode(input, buf, start, caplen, sec, nsec, digits, frame)) return;
    this.decode({
      input,
      frame: frame as FrameNumber,
      time: { sec, nsec, digits },
      linkType,
      data: new Uint8Array(buf.buffer, buf.byteOffset + start, caplen),
      origLength,
    });
  }

  /**
   * Decodes an ESP packet that readFastEsp (fast-path.ts) took from an
   * Ethernet record in another thread, with the same results as
   * decodeRecord() on that record.
   */
  decodeEspRecord(input: number, record: EspRecord): void {
    if (this.reassembler.size !== 0) {
      // decodeRecord() sends such a frame through decode(), which expires old
      // fragment sets first. On a frame the fast path takes, decode() does
      // nothing else besides emitting the packet.
      const now = this.expiryTime;
      now.sec = record.sec;
      now.nsec = record.nsec;
      now.digits = record.digits;
      this.reassembler.expire(this.ctx, now);
    }
    this.fast.decodeRecord(input, record);
  }

  /** True while fragments wait for reassembly. Every frame must then pass through decode() or decodeEspRecord(), which expire old fragment sets. */
  get fragmentsPending(): boolean {
    return this.reassembler.size !== 0;
  }

  /** Forgets the flow ids of the capture read so far (see EspRecord.flow). */
  forgetFlows(): void {
    this.fast.forgetFlows();
  }

  /** Decodes one frame. Problems become anomaly records, never exceptions. */
  decode(frame: CapturedFrame): void {
    const ctx = this.ctx;
    ctx.begin(frame);
    try {
      this.reassembler.expire(ctx, frame.time);
      const data = frame.data;
      if (frame.linkType === LINKTYPE_ETHERNET && data.length >= ETHERNET_HEADER && readU16(data, 12) === ETHERTYPE_IPV4) {
        // Untagged IPv4 over Ethernet, most frames of most captures, skips the
        // link-layer dispatch: the shorter call chain lets V8 inline the rest.
        this.decodeIpv4(data, ETHERNET_HEADER, data.length, 0);
      } else {
        const offset = decodeLink(ctx, data, frame.linkType);
        if (offset >= 0) this.decodeIp(data, offset, data.length, ctx.ipVersion, 0);
      }
    } catch (error) {
      // The backstop: a decoder bug must cost one frame, not the analysis.
      this.reportInternalError(error);
    }
  }

  private reportInternalError(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.ctx.anomaly('decoder', `internal error: ${message}`, undefined, 'internal');
  }

  /** Ends the input: incomplete fragment sets and partial TCP messages are dropped with an anomaly each. */
  flush(): void {
    this.reassembler.flush(this.ctx);
    this.tcp.flush(this.ctx);
  }

  private decodeIp(buf: Uint8Array, start: number, end: number, version: 0 | 4 | 6, depth: number): void {
    let ipVersion = version;
    if (ipVersion === 0) {
      if (start >= end) {
        this.ctx.anomaly('ip', 'no IP header captured', start, this.ctx.shortCause());
        return;
      }
      const nibble = buf[start]! >> 4;
      if (nibble !== 4 && nibble !== 6) {
        this.ctx.anomaly('ip', `version field is ${nibble}, expected 4 or 6`, start, 'malformed');
        return;
      }
      ipVersion = nibble;
    }
    if (ipVersion === 4) this.decodeIpv4(buf, start, end, depth);
    else this.decodeIpv6(buf, start, end, depth);
  }

  private decodeIpv4(buf: Uint8Array, start: number, end: number, depth: number): void {
    const h = this.ipv4Header;
    if (!parseIpv4(this.ctx, buf, start, end, h)) return;
    if (h.moreFragments || h.fragmentOffset !== 0) {
      this.decodeIpv4Fragment(buf, start, depth);
      return;
    }
    const ip = this.ipv4Infos.get(h.src, h.dst);
    this.dispatch(this.payload(depth, ip, buf, h.payloadStart, h.payloadEnd, h.payloadLength, false), h.protocol);
  }

  /** Hands an IPv4 fragment (its header is in this.ipv4Header) to reassembly and decodes whatever that yields. */
  private decodeIpv4Fragment(buf: Uint8Array, start: number, depth: number): void {
    const ctx = this.ctx;
    const h = this.ipv4Header;
    const protocol = h.protocol;
    const result = this.reassembler.add(ctx, {
      layer: 'ipv4',
      key: `${ctx.frame.input}|4|${h.src}|${h.dst}|${protocol}|${h.identification}`,
      offset: h.fragmentOffset,
      more: h.moreFragments,
      data: buf.subarray(h.payloadStart, h.payloadEnd),
      wireLength: h.payloadLength,
      protocol,
      frameOffset: start,
    });
    const shared = this.ipv4Infos.get(h.src, h.dst);
    switch (result.kind) {
      case 'complete': {
        const ip: IpInfo = { ...shared, reassembled: true };
        this.decodeReassembled(this.payload(depth, ip, result.data, 0, result.data.length, result.data.length, false), result.protocol, false);
        return;
      }
      case 'decode-alone':
        // NOTE: plain ESP in such a fragment gets the fragment's payload length as its ESP length.
        this.dispatch(this.payload(depth, shared, buf, h.payloadStart, h.payloadEnd, h.payloadLength, true), protocol);
        return;
      case 'held':
        ctx.notDecoded('ip-fragment');
        return;
    }
  }

  private decodeIpv6(buf: Uint8Array, start: number, end: number, depth: number): void {
    const ctx = this.ctx;
    const h = parseIpv6(ctx, buf, start, end);
    if (h === null) return;
    const ip: IpInfo = { version: 6, src: h.src, dst: h.dst, reassembled: false };
    const wireEnd = h.payloadStart + h.payloadLength;
    const walk = walkExtensionHeaders(ctx, buf, h.payloadStart, h.payloadEnd, wireEnd, h.nextHeader, true);
    if (walk === null) return;
    const fragment = walk.fragment;
    if (fragment === null) {
      this.dispatch(this.payload(depth, ip, buf, walk.offset, h.payloadEnd, wireEnd - walk.offset, false), walk.protocol);
      return;
    }

    if (fragment.offset === 0 && !fragment.more) {
      // RFC 6946: an atomic fragment is processed on its own, outside reassembly.
      this.continueIpv6(this.payload(depth, ip, buf, walk.offset, h.payloadEnd, wireEnd - walk.offset, false), fragment.nextHeader);
      return;
    }
    const result = this.reassembler.add(ctx, {
      layer: 'ipv6',
      key: `${ctx.frame.input}|6|${h.src}|${h.dst}|${fragment.identification}`,
      offset: fragment.offset,
      more: fragment.more,
      data: buf.subarray(walk.offset, h.payloadEnd),
      wireLength: wireEnd - walk.offset,
      protocol: fragment.nextHeader,
      frameOffset: walk.offset - 8,
    });
    switch (result.kind) {
      case 'complete':
        ip.reassembled = true;
        this.decodeReassembled(this.payload(depth, ip, result.data, 0, result.data.length, result.data.length, false), result.protocol, true);
        return;
      case 'decode-alone':
        this.continueIpv6(this.payload(depth, ip, buf, walk.offset, h.payloadEnd, wireEnd - walk.offset, true), fragment.nextHeader);
        return;
      case 'held':
        ctx.notDecoded('ip-fragment');
        return;
    }
  }

  /** Decodes a reassembled datagram's payload; anomalies in it carry no frame offset. */
  private decodeReassembled(p: IpPayload, protocol: number, ipv6: boolean): void {
    const outer = this.ctx.inReassembled;
    this.ctx.inReassembled = true;
    if (ipv6) this.continueIpv6(p, protocol);
    else this.dispatch(p, protocol);
    this.ctx.inReassembled = outer;
  }

  /** Walks the extension headers that follow a Fragment header or AH, then dispatches the protocol they lead to. */
  private continueIpv6(p: IpPayload, nextHeader: number): void {
    const walk = walkExtensionHeaders(this.ctx, p.buf, p.start, p.end, p.start + p.length, nextHeader, false);
    if (walk === null) return;
    if (walk.fragment !== null) {
      this.ctx.anomaly('ipv6', 'Fragment header after reassembly or after AH', walk.offset - 8, 'malformed');
      return;
    }
    p.length -= walk.offset - p.start;
    p.start = walk.offset;
    this.dispatch(p, walk.protocol);
  }

  /** Hands the payload to the decoder of `protocol`. */
  private dispatch(p: IpPayload, protocol: number): void {
    // ESP and UDP come first and the rest is out of line, which keeps this
    // function small enough for V8 to inline into the per-packet path.
    if (protocol === IPPROTO_ESP) decodeEsp(this.ctx, p.ip, p.buf, p.start, p.end, p.length, 'none', 0, 0);
    else if (protocol === IPPROTO_UDP) decodeUdp(this.ctx, p);
    else this.dispatchOther(p, protocol);
  }

  private dispatchOther(p: IpPayload, protocol: number): void {
    const ctx = this.ctx;
    switch (protocol) {
      case IPPROTO_AH:
        this.decodeAhChain(p);
        return;
      case IPPROTO_TCP:
        this.tcp.segment(ctx, p);
        return;
      case IPPROTO_ICMP:
        decodeIcmp(ctx, p, 4);
        return;
      case IPPROTO_ICMPV6:
        decodeIcmp(ctx, p, 6);
        return;
      case IPPROTO_IPIP:
      case IPPROTO_IPV6:
        if (p.depth >= MAX_IP_DEPTH) {
          ctx.anomaly('ip', `more than ${MAX_IP_DEPTH} nested IP-in-IP headers`, p.start, 'malformed');
          return;
        }
        this.decodeIp(p.buf, p.start, Math.min(p.end, p.start + p.length), protocol === IPPROTO_IPIP ? 4 : 6, p.depth + 1);
        return;
      case IPPROTO_GRE:
        ctx.notDecoded('tunnel-gre');
        return;
      default:
        ctx.notDecoded('not-ipsec');
        return;
    }
  }

  /** Fills in the payload record of this IP-in-IP depth. */
  private payload(depth: number, ip: IpInfo, buf: Uint8Array, start: number, end: number, length: number, partial: boolean): IpPayload {
    const p = this.payloads[depth]!;
    p.ip = ip;
    p.buf = buf;
    p.start = start;
    p.end = end;
    p.length = length;
    p.depth = depth;
    p.partial = partial;
    return p;
  }

  /** RFC 4302 §3.1: AH may be followed by ESP, another AH (tunnel inside transport) or any other protocol. */
  private decodeAhChain(p: IpPayload): void {
    for (let count = 0; count < MAX_AH_CHAIN; count++) {
      const next = decodeAh(this.ctx, p);
      if (next < 0) return;
      if (next !== IPPROTO_AH) {
        // Over IPv6, Destination Options may sit between AH and the upper layer.
        if (p.ip.version === 6) this.continueIpv6(p, next);
        else this.dispatch(p, next);
        return;
      }
    }
    this.ctx.anomaly('ah', `more than ${MAX_AH_CHAIN} AH headers in a row`, p.start, 'malformed');
  }
}

