// Crafted captures for the packet decoder. They cover every link type it
// reads and every encapsulation of ESP and IKE (plain, UDP 500, RFC 3948 on UDP
// 4500, RFC 8229 on TCP 4500, AH). They also hold IPv4 and IPv6 fragments,
// ICMP errors that quote IPsec packets, tunnels the decoder leaves alone, and
// frames cut or malformed at each layer. Frames come from the builders in
// test/helpers/build.ts, and addresses are documentation ranges.

import { buildPcap, buildPcapng } from '../../src/capture/writer.js';
import type { Timestamp } from '../../src/types.js';
import {
  ADDRESS6_A,
  ADDRESS6_B,
  ADDRESS_A,
  ADDRESS_B,
  ADDRESS_C,
  IKETCP_PREFIX,
  NAT_KEEPALIVE,
  ah,
  arpRequest,
  at,
  concat,
  esp,
  ethernet,
  filler,
  fragmentIpv4,
  fragmentIpv6,
  icmp,
  icmpv6,
  ikeMessage,
  ikePayload,
  ipv4,
  ipv4Fragment,
  ipv6,
  loop,
  nonEspMarker,
  nullLink,
  sll,
  sll2,
  tcp,
  tcpMessage,
  udp,
  ipv6Address,
  withTransportChecksum,
  type Bytes,
} from '../../test/helpers/build.js';
import type { CaptureCase } from './case.js';

const ETHERNET = 1;

interface Frame {
  time: Timestamp;
  data: Uint8Array;
  origLength?: number;
}

/** Frames one tenth of a second apart. */
function frames(...data: Bytes[]): Frame[] {
  return data.map((d, i) => ({ time: at(i / 10), data: d }));
}

/** Returns the frame as a capture with a snapshot length of `captured` bytes records it. */
function cut(data: Bytes, captured: number): Frame {
  return { time: at(0), data: data.subarray(0, captured), origLength: data.length };
}

function numbered(list: Frame[]): Frame[] {
  return list.map((f, i) => ({ ...f, time: at(i / 10) }));
}

const SPI_AB = 0xc0ffee01;
const SPI_BA = 0xc0ffee02;

const espAB = (seq: number): Bytes => ipv4(esp(SPI_AB, seq), { protocol: 50, id: seq });
const espBA = (seq: number): Bytes => ipv4(esp(SPI_BA, seq), { protocol: 50, src: ADDRESS_B, dst: ADDRESS_A, id: 0x100 + seq });
const esp6 = (seq: number): Bytes => ipv6(esp(SPI_AB, seq), { nextHeader: 50 });

// IKEv2 messages with well-formed payload chains: a Nonce (40) in IKE_SA_INIT,
// and in IKE_AUTH an SK payload (46) with filler bytes in place of ciphertext.
const nonce = ikePayload(0, filler(32));
const ikeInit = ikeMessage({ initiatorSpi: '1111111111111111', nextPayload: 40, body: nonce });
const ikeInitResponse = ikeMessage({ initiatorSpi: '1111111111111111', responderSpi: '2222222222222222', flags: 0x20, nextPayload: 40, body: nonce });
const sk = (length: number): Bytes => ikePayload(35, filler(length));
const ikeAuth = ikeMessage({ initiatorSpi: '1111111111111111', responderSpi: '2222222222222222', exchange: 35, messageId: 1, nextPayload: 46, body: sk(300) });

// ------------------------------------------------------------------ link types

const linkCases: CaptureCase[] = [
  {
    file: 'decode/link-ethernet.pcap',
    purpose: 'Ethernet II carrying IPv4 ESP both ways (SPIs 0xc0ffee01 and 0xc0ffee02) and an ARP request, which is not IP.',
    build: () =>
      buildPcap(
        ETHERNET,
        frames(ethernet(espAB(1)), ethernet(espBA(1)), ethernet(arpRequest(), { type: 0x0806 }), ethernet(espAB(2)), ethernet(espBA(2))),
      ),
  },
  {
    file: 'decode/link-vlan.pcap',
    purpose: 'ESP behind an 802.1Q tag, an 802.1ad + 802.1Q (QinQ) pair, a 0x9100 outer tag, and three stacked tags.',
    build: () =>
      buildPcap(
        ETHERNET,
        frames(
          ethernet(espAB(1), { tags: [{ tpid: 0x8100, id: 10 }] }),
          ethernet(espAB(2), { tags: [{ tpid: 0x88a8, id: 100 }, { tpid: 0x8100, id: 10 }] }),
          ethernet(espAB(3), { tags: [{ tpid: 0x9100, id: 200 }, { tpid: 0x8100, id: 20 }] }),
          ethernet(esp6(4), { tags: [{ tpid: 0x88a8, id: 1 }, { tpid: 0x8100, id: 2 }, { tpid: 0x8100, id: 3 }] }),
        ),
      ),
  },
  {
    file: 'decode/link-sll.pcap',
    purpose: 'Linux cooked capture v1 (link type 113) with IPv4 ESP, IPv6 ESP and a VLAN-tagged protocol field.',
    build: () => buildPcap(113, frames(sll(espAB(1)), sll(esp6(2)), sll(concat(Uint8Array.of(0, 10, 0x08, 0x00), espAB(3)), 0x8100))),
  },
  {
    file: 'decode/link-sll2.pcapng',
    purpose: 'Linux cooked capture v2 (link type 276) in pcapng with IPv4 and IPv6 ESP.',
    build: () => buildPcapng(276, frames(sll2(espAB(1)), sll2(esp6(2)))),
  },
  {
    file: 'decode/link-raw.pcap',
    purpose: 'Raw IP (link type 101): the version nibble tells IPv4 ESP from IPv6 ESP.',
    build: () => buildPcap(101, frames(espAB(1), esp6(2))),
  },
  {
    file: 'decode/link-raw-12.pcap',
    purpose: 'Raw IP under the BSD link-type value 12.',
    build: () => buildPcap(12, frames(espAB(1), esp6(2))),
  },
  {
    file: 'decode/link-raw-14.pcap',
    purpose: 'Raw IP under the link-type value 14 (DLT_RAW on some BSDs).',
    build: () => buildPcap(14, frames(espAB(1), esp6(2))),
  },
  {
    file: 'decode/link-ipv4.pcap',
    purpose: 'Link type 228 (IPv4 only) carrying ESP.',
    build: () => buildPcap(228, frames(espAB(1), espBA(1))),
  },
  {
    file: 'decode/link-ipv6.pcap',
    purpose: 'Link type 229 (IPv6 only) carrying ESP.',
    build: () => buildPcap(229, frames(esp6(1), esp6(2))),
  },
  {
    file: 'decode/link-null-le.pcap',
    purpose: 'BSD loopback (link type 0) written on a little-endian host: AF_INET 2 and AF_INET6 30 (Darwin).',
    build: () => buildPcap(0, frames(nullLink(espAB(1), 2, true), nullLink(esp6(2), 30, true))),
  },
  {
    file: 'decode/link-null-be.pcap',
    purpose: 'BSD loopback (link type 0) written on a big-endian host: AF_INET 2 and AF_INET6 24 (NetBSD).',
    build: () => buildPcap(0, frames(nullLink(espAB(1), 2, false), nullLink(esp6(2), 24, false))),
  },
  {
    file: 'decode/link-loop.pcap',
    purpose: 'OpenBSD loopback (link type 108), address family in network byte order.',
    build: () => buildPcap(108, frames(loop(espAB(1), 2), loop(esp6(2), 24))),
  },
  {
    file: 'decode/link-unsupported.pcap',
    purpose: 'Link type 147 (USER0), which the decoder reports as not decoded.',
    build: () => buildPcap(147, frames(espAB(1))),
  },
];

// -------------------------------------------------------------- encapsulations

const natTFrames = (): Frame[] =>
  frames(
    ethernet(ipv4(udp(ikeInit, 500, 500), { protocol: 17 })),
    ethernet(ipv4(udp(ikeInitResponse, 500, 500), { protocol: 17, src: ADDRESS_B, dst: ADDRESS_A })),
    ethernet(ipv4(udp(nonEspMarker(ikeAuth), 4500, 4500), { protocol: 17 })),
    ethernet(ipv4(udp(esp(SPI_AB, 1), 4500, 4500), { protocol: 17 })),
    ethernet(ipv4(udp(esp(SPI_BA, 1), 4500, 4500), { protocol: 17, src: ADDRESS_B, dst: ADDRESS_A })),
    ethernet(ipv4(udp(NAT_KEEPALIVE, 4500, 4500), { protocol: 17 })),
    // A NAT in front of the client: its port 4500 appears as 10500.
    ethernet(ipv4(udp(esp(SPI_AB, 2), 10500, 4500), { protocol: 17, src: ADDRESS_C })),
    ethernet(ipv4(udp(nonEspMarker(ikeAuth), 14500, 4500), { protocol: 17, src: ADDRESS_C })),
    // The server side on 4500 sending to a non-standard port.
    ethernet(ipv4(udp(esp(SPI_BA, 2), 4500, 8472), { protocol: 17, src: ADDRESS_B, dst: ADDRESS_C })),
    ethernet(ipv4(udp(nonEspMarker(ikeInit), 4500, 4500), { protocol: 17 })),
    ethernet(ipv6(udp(esp(SPI_AB, 3), 4500, 4500), { nextHeader: 17 })),
  );

/** Builds an RFC 8229 connection: handshake, prefix, IKE split over segments, ESP, a retransmission and FIN. */
function tcpFrames(): Frame[] {
  const client = { src: ADDRESS_C, dst: ADDRESS_B };
  const server = { src: ADDRESS_B, dst: ADDRESS_C };
  const clientPort = 50123;
  let c = 1000;
  let s = 5000;
  const toServer = (payload: Bytes, flags: { syn?: boolean; fin?: boolean } = {}): Bytes => {
    const segment = tcp(payload, clientPort, 4500, { seq: c, ack: s, ...flags });
    c += payload.length + (flags.syn || flags.fin ? 1 : 0);
    return ethernet(ipv4(segment, { protocol: 6, ...client }));
  };
  const toClient = (payload: Bytes, flags: { syn?: boolean; fin?: boolean } = {}): Bytes => {
    const segment = tcp(payload, 4500, clientPort, { seq: s, ack: c, ...flags });
    s += payload.length + (flags.syn || flags.fin ? 1 : 0);
    return ethernet(ipv4(segment, { protocol: 6, ...server }));
  };

  const out: Bytes[] = [];
  out.push(ethernet(ipv4(tcp(new Uint8Array(0), clientPort, 4500, { seq: c - 1, syn: true }), { protocol: 6, ...client })));
  out.push(ethernet(ipv4(tcp(new Uint8Array(0), 4500, clientPort, { seq: s - 1, ack: c, syn: true }), { protocol: 6, ...server })));
  out.push(toServer(new Uint8Array(0)));
  const request = concat(IKETCP_PREFIX, tcpMessage(nonEspMarker(ikeInit)));
  out.push(toServer(request.subarray(0, 20)));
  out.push(toServer(request.subarray(20)));
  out.push(toClient(tcpMessage(nonEspMarker(ikeInitResponse))));
  const auth = tcpMessage(nonEspMarker(ikeAuth));
  const retransmitSeq = c;
  out.push(toServer(auth.subarray(0, 100)));
  // The same 100 bytes again (a retransmission), then the rest.
  out.push(ethernet(ipv4(tcp(auth.subarray(0, 100), clientPort, 4500, { seq: retransmitSeq, ack: s }), { protocol: 6, ...client })));
  out.push(toServer(auth.subarray(100)));
  out.push(toServer(concat(tcpMessage(esp(SPI_AB, 1)), tcpMessage(esp(SPI_AB, 2)))));
  out.push(toClient(tcpMessage(esp(SPI_BA, 1))));
  out.push(toServer(new Uint8Array(0), { fin: true }));
  out.push(toClient(new Uint8Array(0), { fin: true }));
  return frames(...out);
}

/** Builds a connection joined mid-stream with a lost segment, after which framing resumes at the next segment. */
function tcpGapFrames(): Frame[] {
  const client = { src: ADDRESS_C, dst: ADDRESS_B };
  const seg = (seq: number, payload: Bytes): Bytes => ethernet(ipv4(tcp(payload, 50124, 4500, { seq, ack: 1 }), { protocol: 6, ...client }));
  const first = tcpMessage(esp(SPI_AB, 10));
  const lost = tcpMessage(esp(SPI_AB, 11));
  const half = tcpMessage(esp(SPI_AB, 12)).subarray(0, 30);
  const after = tcpMessage(esp(SPI_AB, 13));
  let seq = 7000;
  const out: Bytes[] = [seg(seq, first)];
  seq += first.length;
  seq += lost.length; // never captured
  out.push(seg(seq, after));
  seq += after.length;
  out.push(seg(seq, half)); // the stream ends inside a message
  return frames(...out);
}

const ipv6ExtensionFrames = (): Frame[] =>
  frames(
    ethernet(ipv6(esp(SPI_AB, 1), { nextHeader: 50, extensions: [{ type: 0 }] })),
    ethernet(ipv6(esp(SPI_AB, 2), { nextHeader: 50, extensions: [{ type: 0 }, { type: 60, length: 1 }, { type: 43 }, { type: 60 }] })),
    ethernet(ipv6(udp(nonEspMarker(ikeAuth), 4500, 4500), { nextHeader: 17, extensions: [{ type: 60 }] })),
    // Transport-mode AH over IPv6: Destination Options after AH, then ESP.
    ethernet(ipv6(ah(60, 0x0000ab01, 1, concat(Uint8Array.of(50, 0, 1, 4, 0, 0, 0, 0), esp(SPI_AB, 3))), { nextHeader: 51 })),
    // An atomic fragment (offset 0, M clear; RFC 6946).
    ethernet(ipv6(esp(SPI_AB, 4), { nextHeader: 50, extensions: [{ type: 44, offset: 0, more: false, id: 7 }] })),
  );

const ahFrames = (): Frame[] =>
  frames(
    // AH then ESP (one frame, two packets; tshark lists it under both).
    ethernet(ipv4(ah(50, 0x0000ab01, 1, esp(SPI_AB, 1)), { protocol: 51 })),
    ethernet(ipv4(ah(50, 0x0000ab02, 1, esp(SPI_BA, 1)), { protocol: 51, src: ADDRESS_B, dst: ADDRESS_A })),
    // AH tunnel mode around an inner IPv4 packet carrying UDP 500 IKE.
    ethernet(ipv4(ah(4, 0x0000ab01, 2, ipv4(udp(ikeInit, 500, 500), { protocol: 17, src: '10.0.0.1', dst: '10.0.0.2' })), { protocol: 51 })),
    // AH over IPv6 protecting an ICMPv6 echo request: a 12-byte ICV makes the 24-byte header a multiple of 8.
    ethernet(ipv6(ah(58, 0x00000100, 3, withTransportChecksum(icmpv6(128, 0, filler(16)), 58, ipv6Address(ADDRESS6_A), ipv6Address(ADDRESS6_B))), { nextHeader: 51 })),
    // Reserved SPIs are decoded, not dropped: 0 and 1..255 (RFC 4303 §2.1).
    ethernet(ipv4(esp(0, 1), { protocol: 50 })),
    ethernet(ipv4(esp(255, 1), { protocol: 50 })),
    ethernet(ipv4(ah(50, 0, 1, esp(1, 1)), { protocol: 51 })),
  );

const optionsFrames = (): Frame[] =>
  frames(
    // Router Alert (RFC 2113), NOP, then End of Options.
    ethernet(ipv4(esp(SPI_AB, 1), { protocol: 50, options: Uint8Array.of(0x94, 0x04, 0x00, 0x00, 0x01, 0x00) })),
    // Record Route with room for two addresses.
    ethernet(ipv4(udp(ikeInit, 500, 500), { protocol: 17, options: Uint8Array.of(0x07, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0) })),
    // A short frame padded to the Ethernet minimum: the padding is ignored.
    ethernet(concat(ipv4(udp(NAT_KEEPALIVE, 4500, 4500), { protocol: 17 }), new Uint8Array(17))),
  );

const encapsulationCases: CaptureCase[] = [
  {
    file: 'decode/nat-t.pcap',
    purpose:
      'IKE on UDP 500, then RFC 3948 on UDP 4500: IKE after the non-ESP marker, ESP-in-UDP, a NAT-keepalive, NATed client ports 10500/14500 to 4500, 4500 to 8472, and IPv6.',
    build: () => buildPcap(ETHERNET, natTFrames()),
  },
  {
    file: 'decode/tcp-rfc8229.pcap',
    purpose:
      'RFC 8229 on TCP 4500: handshake, the IKETCP prefix, IKE messages split over segments, a retransmitted segment, two ESP messages in one segment, FIN.',
    build: () => buildPcap(ETHERNET, tcpFrames()),
  },
  {
    file: 'decode/tcp-rfc8229-gap.pcap',
    purpose: 'RFC 8229 stream joined mid-way with a lost segment (reported, framing restarts) and a message cut off at the end of the capture.',
    build: () => buildPcap(ETHERNET, tcpGapFrames()),
  },
  {
    file: 'decode/ipv6-extension-headers.pcap',
    purpose: 'IPv6 ESP and IKE behind Hop-by-Hop, Routing and Destination Options headers, AH followed by Destination Options, and an atomic fragment.',
    build: () => buildPcap(ETHERNET, ipv6ExtensionFrames()),
  },
  {
    file: 'decode/ah.pcap',
    purpose: 'AH followed by ESP (two packets per frame), AH tunnel mode around IKE, AH over IPv6 with ICMPv6, and the reserved SPIs 0, 1 and 255.',
    build: () => buildPcap(ETHERNET, ahFrames()),
  },
  {
    file: 'decode/ipv4-options.pcap',
    purpose: 'IPv4 headers with options (Router Alert, Record Route) and a keepalive in a frame with Ethernet padding.',
    build: () => buildPcap(ETHERNET, optionsFrames()),
  },
  {
    file: 'decode/tunnels.pcap',
    purpose: 'ESP inside GTP-U (UDP 2152) and inside GRE, which the decoder reports as not decoded; plain UDP and an ICMP echo (not IPsec).',
    build: () =>
      buildPcap(
        ETHERNET,
        frames(
          ethernet(ipv4(udp(concat(Uint8Array.of(0x30, 0xff, 0, 72 + 8, 0, 0, 0, 1), ipv4(esp(SPI_AB, 1), { protocol: 50, src: '10.0.0.1', dst: '10.0.0.2' })), 2152, 2152), { protocol: 17 })),
          ethernet(ipv4(concat(Uint8Array.of(0, 0, 0x08, 0x00), ipv4(esp(SPI_AB, 2), { protocol: 50, src: '10.0.0.1', dst: '10.0.0.2' })), { protocol: 47 })),
          ethernet(ipv4(udp(filler(20), 53000, 9), { protocol: 17 })),
          ethernet(ipv4(icmp(8, 0, filler(32), 0x00010001), { protocol: 1 })),
        ),
      ),
  },
];

// ------------------------------------------------------------------- fragments

const bigIke = ipv4(udp(nonEspMarker(ikeMessage({ initiatorSpi: '3333333333333333', responderSpi: '4444444444444444', exchange: 35, messageId: 1, nextPayload: 46, body: sk(1400) })), 4500, 4500), { protocol: 17, id: 0x5151 });
const bigEsp = ipv4(esp(SPI_AB, 77, 1500), { protocol: 50, id: 0x5252 });
const bigIke6 = udp(nonEspMarker(ikeMessage({ initiatorSpi: '5555555555555555', responderSpi: '6666666666666666', exchange: 35, messageId: 1, nextPayload: 46, body: sk(1400) })), 4500, 4500);

const fragmentCases: CaptureCase[] = [
  {
    file: 'decode/ipv4-fragments-in-order.pcap',
    purpose: 'An IKE_AUTH on UDP 4500 in three IPv4 fragments and an ESP packet in two, each in order; one IKE message and one ESP packet after reassembly.',
    build: () => buildPcap(ETHERNET, frames(...fragmentIpv4(bigIke, [512, 512]).map((f) => ethernet(f)), ...fragmentIpv4(bigEsp, [1000]).map((f) => ethernet(f)))),
  },
  {
    file: 'decode/ipv4-fragments-out-of-order.pcap',
    purpose: 'The same IKE_AUTH fragments arriving last first, interleaved with a second datagram; both reassemble.',
    build: () => {
      const ike = fragmentIpv4(bigIke, [512, 512]).map((f) => ethernet(f));
      const e = fragmentIpv4(bigEsp, [1000]).map((f) => ethernet(f));
      return buildPcap(ETHERNET, frames(ike[2]!, e[1]!, ike[0]!, e[0]!, ike[1]!));
    },
  },
  {
    file: 'decode/ipv4-fragments-overlap.pcap',
    purpose: 'IPv4 fragments that overlap with different bytes (reported; the first bytes received are kept) and an exact duplicate fragment (ignored).',
    build: () => {
      const payload = concat(Uint8Array.of(0x11, 0x94, 0x11, 0x94, 0, 40, 0, 0), esp(SPI_AB, 5, 24)); // UDP 4500 -> 4500, 40 bytes
      const first = ipv4Fragment(payload.subarray(0, 24), { offset: 0, more: true, id: 0x6161 });
      const overlapping = ipv4Fragment(concat(filler(8, 0xee), payload.subarray(24)), { offset: 16, more: false, id: 0x6161 });
      const duplicate = ipv4Fragment(payload.subarray(0, 24), { offset: 0, more: true, id: 0x6161 });
      return buildPcap(ETHERNET, frames(ethernet(first), ethernet(duplicate), ethernet(overlapping)));
    },
  },
  {
    file: 'decode/ipv4-fragments-incomplete.pcap',
    purpose: 'Two fragments of a three-fragment datagram: no packet, and an incomplete-set anomaly at the end of the capture.',
    build: () => {
      const parts = fragmentIpv4(bigIke, [512, 512]).map((f) => ethernet(f));
      return buildPcap(ETHERNET, frames(parts[0]!, parts[2]!));
    },
  },
  {
    file: 'decode/ipv4-fragments-cut.pcap',
    purpose: 'A fragmented IKE_AUTH captured with a 200-byte snapshot length: no reassembly, the first fragment is decoded alone (an IKE message with missing bytes).',
    build: () => buildPcap(ETHERNET, numbered(fragmentIpv4(bigIke, [512, 512]).map((f) => cut(ethernet(f), 200)))),
  },
  {
    file: 'decode/ipv6-fragments.pcap',
    purpose: 'An IKE_AUTH on UDP 4500 in three IPv6 fragments (with a Destination Options header in the unfragmentable part), in order and then again out of order.',
    build: () => {
      const a = fragmentIpv6(bigIke6, [512, 512], { nextHeader: 17, id: 1, before: [{ type: 60 }] }).map((f) => ethernet(f));
      const b = fragmentIpv6(bigIke6, [512, 512], { nextHeader: 17, id: 2 }).map((f) => ethernet(f));
      return buildPcap(ETHERNET, frames(...a, b[1]!, b[2]!, b[0]!));
    },
  },
  {
    file: 'decode/ipv6-fragments-overlap-incomplete.pcap',
    purpose: 'IPv6 fragments that overlap (reported, RFC 5722) and a datagram whose last fragment never arrives.',
    build: () => {
      const payload = esp(SPI_AB, 9, 56); // 64 bytes of ESP
      const f1 = ipv6(payload.subarray(0, 32), { nextHeader: 50, extensions: [{ type: 44, offset: 0, more: true, id: 9 }], keepTransportChecksum: true });
      const f2 = ipv6(payload.subarray(24), { nextHeader: 50, extensions: [{ type: 44, offset: 24, more: false, id: 9 }], keepTransportChecksum: true });
      const lone = ipv6(payload.subarray(0, 32), { nextHeader: 50, extensions: [{ type: 44, offset: 0, more: true, id: 10 }], keepTransportChecksum: true });
      return buildPcap(ETHERNET, frames(ethernet(f1), ethernet(f2), ethernet(lone)));
    },
  },
];

// ------------------------------------------------------------------- ICMP errors

const icmpCases: CaptureCase[] = [
  {
    file: 'decode/icmp-errors.pcap',
    purpose:
      'ICMP errors quoting ESP (protocol unreachable), ESP-in-UDP 4500 (port unreachable, with and without the SPI quoted), AH, and ICMPv6 errors quoting ESP; the quoted packets are never counted as traffic.',
    build: () => {
      const quotedEsp = espAB(1);
      const quotedUdpEsp = ipv4(udp(esp(SPI_AB, 2), 4500, 4500), { protocol: 17 });
      const quotedAh = ipv4(ah(50, 0x0000ab01, 3, esp(SPI_AB, 3)), { protocol: 51 });
      const quotedEsp6 = esp6(4);
      const fromB = { protocol: 1, src: ADDRESS_B, dst: ADDRESS_A };
      return buildPcap(
        ETHERNET,
        frames(
          ethernet(quotedEsp),
          ethernet(ipv4(icmp(3, 2, quotedEsp.subarray(0, 28)), fromB)),
          ethernet(ipv4(icmp(3, 3, quotedUdpEsp), fromB)),
          ethernet(ipv4(icmp(3, 3, quotedUdpEsp.subarray(0, 28)), fromB)),
          ethernet(ipv4(icmp(11, 0, quotedAh.subarray(0, 36)), fromB)),
          ethernet(ipv4(icmp(3, 4, quotedEsp.subarray(0, 28), 1400), fromB)),
          ethernet(ipv6(icmpv6(1, 4, quotedEsp6), { nextHeader: 58, src: ADDRESS6_B, dst: ADDRESS6_A })),
          ethernet(ipv6(icmpv6(2, 0, quotedEsp6, 1280), { nextHeader: 58, src: ADDRESS6_B, dst: ADDRESS6_A })),
          ethernet(ipv4(icmp(0, 0, filler(32), 0x00010001), fromB)),
        ),
      );
    },
  },
];

// ---------------------------------------------------------------- malformed frames

/** Builds one frame per layer, each cut by the capture's snapshot length inside that layer's header. */
function truncatedFrames(): Frame[] {
  const espFrame = ethernet(espAB(1));
  const udpFrame = ethernet(ipv4(udp(esp(SPI_AB, 2), 4500, 4500), { protocol: 17 }));
  const ahFrame = ethernet(ipv4(ah(50, 0x0000ab01, 1, esp(SPI_AB, 3)), { protocol: 51 }));
  const v6Frame = ethernet(ipv6(esp(SPI_AB, 4), { nextHeader: 50, extensions: [{ type: 60, length: 2 }] }));
  const tcpFrame = ethernet(ipv4(tcp(tcpMessage(esp(SPI_AB, 5)), 50125, 4500, { seq: 1, ack: 1 }), { protocol: 6, src: ADDRESS_C }));
  const icmpFrame = ethernet(ipv4(icmp(3, 2, espAB(6).subarray(0, 28)), { protocol: 1, src: ADDRESS_B, dst: ADDRESS_A }));
  const vlanFrame = ethernet(espAB(7), { tags: [{ tpid: 0x8100, id: 10 }] });
  return numbered([
    cut(espFrame, 10), // Ethernet
    cut(vlanFrame, 16), // VLAN tag
    cut(espFrame, 30), // IPv4 header
    cut(v6Frame, 40), // IPv6 header
    cut(v6Frame, 60), // Destination Options
    cut(udpFrame, 38), // UDP header
    cut(udpFrame, 44), // ESP header inside UDP
    cut(espFrame, 40), // ESP header
    cut(ahFrame, 42), // AH fixed part
    cut(ahFrame, 50), // AH ICV
    cut(tcpFrame, 50), // TCP header
    cut(icmpFrame, 38), // ICMP header
  ]);
}

/** Builds frames whose length fields are wrong: the sender's fault, not the capture's. */
function badLengthFrames(): Frame[] {
  const esp1 = esp(SPI_AB, 1);

  const ihlTooSmall = ipv4(esp1, { protocol: 50, headerLength: 16 });
  const totalBelowHeader = ipv4(esp1, { protocol: 50, totalLength: 12 });
  const totalBeyondFrame = ipv4(esp1, { protocol: 50, totalLength: 400 });
  const badOption = ipv4(esp1, { protocol: 50, options: Uint8Array.of(0x07, 40, 4, 0) });

  const udpBelowHeader = ipv4(udp(esp1, 4500, 4500, { length: 4 }), { protocol: 17, keepTransportChecksum: true });
  const udpBeyondIp = ipv4(udp(nonEspMarker(ikeInit), 4500, 4500, { length: 900 }), { protocol: 17, keepTransportChecksum: true });
  const espTooShort = ipv4(udp(Uint8Array.of(1, 2, 3), 4500, 4500), { protocol: 17 });

  const ahZeroLength = ipv4(concat(Uint8Array.of(50, 0, 0, 0), Uint8Array.of(0, 0, 0xab, 1, 0, 0, 0, 1), esp1), { protocol: 51 });
  const ah6NotMultipleOf8 = ipv6(ah(50, 0x0000ab01, 1, esp1, 8), { nextHeader: 51 });
  const ahBeyondPayload = ipv4(concat(Uint8Array.of(50, 60, 0, 0, 0, 0, 0xab, 1, 0, 0, 0, 1), filler(8)), { protocol: 51 });

  const tooManyExtensions = ipv6(esp1, { nextHeader: 50, extensions: Array.from({ length: 40 }, () => ({ type: 60 as const })) });
  const fragmentPastMaximum = ipv4Fragment(filler(64), { offset: 65528, more: false, id: 0x7171 });
  const tcpLengthBelowField = ipv4(tcp(Uint8Array.of(0, 1, 0xaa, 0xbb), 50126, 4500, { seq: 1, ack: 1 }), { protocol: 6, src: ADDRESS_C });
  const tcpBadOffset = ipv4(tcp(filler(8), 50127, 4500, { seq: 1, ack: 1, headerLength: 12 }), { protocol: 6, src: ADDRESS_C });

  return frames(
    ethernet(ihlTooSmall),
    ethernet(totalBelowHeader),
    ethernet(totalBeyondFrame),
    ethernet(badOption),
    ethernet(udpBelowHeader),
    ethernet(udpBeyondIp),
    ethernet(espTooShort),
    ethernet(ahZeroLength),
    ethernet(ah6NotMultipleOf8),
    ethernet(ahBeyondPayload),
    ethernet(tooManyExtensions),
    ethernet(fragmentPastMaximum),
    ethernet(tcpLengthBelowField),
    ethernet(tcpBadOffset),
  );
}

const malformedCases: CaptureCase[] = [
  {
    file: 'decode/truncated-layers.pcap',
    purpose:
      'Frames cut by the snapshot length inside each header in turn: Ethernet, VLAN, IPv4, IPv6, Destination Options, UDP, ESP in UDP, ESP, AH, AH ICV, TCP, ICMP. Each yields one truncated anomaly.',
    build: () => buildPcap(ETHERNET, truncatedFrames()),
  },
  {
    file: 'decode/bad-lengths.pcap',
    purpose:
      'Length fields the sender got wrong: IPv4 header length below 20, total length below the header and beyond the frame, a bad option length, UDP length below 8 and beyond the IP payload, ESP-in-UDP too short, AH length 0, AH over IPv6 not a multiple of 8, AH beyond the payload, 40 IPv6 extension headers, a fragment past 65535, an RFC 8229 length below 2, a TCP data offset below 20.',
    build: () => buildPcap(ETHERNET, badLengthFrames()),
  },
];

export const cases: CaptureCase[] = [...linkCases, ...encapsulationCases, ...fragmentCases, ...icmpCases, ...malformedCases];
