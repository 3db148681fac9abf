// The contract between the capture readers and everything after decoding.

import type { AhPacket, Anomaly, CapturedFrame, EspPacket, IcmpError, IkeDatagram, NatKeepalive } from '../types.js';

/**
 * Receives what the decoder finds in each frame, in frame order.
 *
 * A packet, its `ref` and the `time` in it are valid only during the call:
 * Decoder.decodeRecord rewrites one EspPacket and one FrameRef for every ESP
 * packet of its fast path. A sink that keeps one copies it (snapshot() in
 * src/sa/child-sa.ts copies a FrameRef). The `ip` records are shared among
 * packets and read-only, but never rewritten, so they may be kept.
 * Decoder.decode builds every packet and reference afresh, so a sink fed only
 * through decode() may keep them.
 */
export interface PacketSink {
  esp(packet: EspPacket): void;
  ah(packet: AhPacket): void;
  ike(datagram: IkeDatagram): void;
  keepalive(packet: NatKeepalive): void;
  icmpError(packet: IcmpError): void;
  anomaly(anomaly: Anomaly): void;
  /**
   * A frame that carries nothing this tool decodes (ARP, plain TCP, ESP inside
   * GTP-U or GRE, an unsupported link type). `reason` is a short stable tag,
   * e.g. "link-type-unsupported", "not-ipsec", "tunnel-gtpu", "tunnel-gre".
   */
  notDecoded(frame: CapturedFrame, reason: string): void;
}

/** Limits that keep reassembly state bounded whatever the input. */
export interface DecodeLimits {
  /** Maximum IP datagrams being reassembled at once; the oldest is dropped past it. */
  maxFragmentSets: number;
  /** Maximum bytes buffered across all fragment sets. */
  maxFragmentBytes: number;
  /** Seconds (capture time) after which an incomplete fragment set is dropped. */
  fragmentTimeoutSeconds: number;
  /** Maximum TCP connections followed for RFC 8229 framing. */
  maxTcpStreams: number;
  /** Maximum bytes buffered per TCP direction while waiting for a whole IKE/ESP message. */
  maxTcpBufferBytes: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxFragmentSets: 1024,
  maxFragmentBytes: 16 * 1024 * 1024,
  fragmentTimeoutSeconds: 30,
  maxTcpStreams: 1024,
  maxTcpBufferBytes: 256 * 1024,
};

/**
 * Tags passed to PacketSink.notDecoded: why a frame yielded no packet.
 * "ip-fragment" is a fragment held for reassembly, and "tcp-no-message" is a
 * TCP segment on port 4500 that completed no RFC 8229 message.
 */
export type NotDecodedReason =
  | 'link-type-unsupported'
  | 'not-ip'
  | 'not-ipsec'
  | 'tunnel-gtpu'
  | 'tunnel-gre'
  | 'ip-fragment'
  | 'tcp-no-message';
