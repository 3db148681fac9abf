// Records shared by every stage of the pipeline: frames from a capture, the
// packets the decoders find in them, and anomaly records.

/** An ESP or AH Security Parameters Index, unsigned 32-bit (RFC 4303 §2.1). */
export type Spi = number & { readonly __brand: 'Spi' };
/** An IKE SPI (IKEv2) or ISAKMP cookie (IKEv1): 16 lowercase hex digits. */
export type IkeSpi = string & { readonly __brand: 'IkeSpi' };
/** An IKE message ID, unsigned 32-bit. */
export type MessageId = number & { readonly __brand: 'MessageId' };
/** A frame number, 1-based within its input file as Wireshark counts. */
export type FrameNumber = number & { readonly __brand: 'FrameNumber' };

/** Capture timestamp: whole seconds since the epoch and nanoseconds. */
export interface Timestamp {
  sec: number;
  nsec: number;
  /** Decimal digits of sub-second precision the capture recorded (6 for microseconds, 9 for nanoseconds). */
  digits: number;
}

/** A reference to one frame of one input, with its capture time. */
export interface FrameRef {
  /** Index into the report's inputs[]. */
  input: number;
  frame: FrameNumber;
  time: Timestamp;
}

/** One record read from a capture file or a live interface. */
export interface CapturedFrame extends FrameRef {
  /** Link-layer header type (the LINKTYPE_ registry number). */
  linkType: number;
  /** Captured bytes: a view into the reader's chunk, valid until the next batch is requested. */
  data: Uint8Array;
  /** Length of the packet on the wire, which may exceed data.length when the snaplen cut it. */
  origLength: number;
}

/** The IP layer that carried a decoded packet. The decoder shares one record among packets with the same addresses, so treat it as read-only. */
export interface IpInfo {
  version: 4 | 6;
  /** Source and destination address in their usual text form. */
  src: string;
  dst: string;
  /** True when the datagram was rebuilt from IP fragments. */
  reassembled: boolean;
}

export type Encapsulation = 'none' | 'udp' | 'tcp';

/** An ESP packet (RFC 4303 §2), plain or inside UDP (RFC 3948) or TCP (RFC 8229). */
export interface EspPacket {
  kind: 'esp';
  ref: FrameRef;
  ip: IpInfo;
  encapsulation: Encapsulation;
  /** UDP or TCP ports when encapsulated, else 0. */
  srcPort: number;
  dstPort: number;
  spi: Spi;
  seq: number;
  /** ESP bytes on the wire from the SPI to the end of the ICV. */
  length: number;
  /**
   * The packet's flow (its addresses, encapsulation, ports and SPI) as a
   * number that a capture read in a worker thread gives every packet of the
   * flow; -1 or absent otherwise. The SA tracker looks the SA up once per flow.
   */
  flow?: number;
}

/** An AH packet (RFC 4302 §2). */
export interface AhPacket {
  kind: 'ah';
  ref: FrameRef;
  ip: IpInfo;
  spi: Spi;
  seq: number;
  nextHeader: number;
  /** AH header length in bytes, ICV included. */
  headerLength: number;
  /** AH bytes on the wire from the AH header to the end of the protected payload. */
  length: number;
}

/** An IKE message as carried by UDP 500/4500 or TCP (RFC 8229); its bytes start at the IKE header. */
export interface IkeDatagram {
  kind: 'ike';
  ref: FrameRef;
  ip: IpInfo;
  transport: 'udp' | 'tcp';
  srcPort: number;
  dstPort: number;
  /** True when the message followed the 4-byte non-ESP marker (RFC 3948 §2.2, RFC 8229 §3). */
  nonEspMarker: boolean;
  /** The IKE message: a copy that stays valid after the frame's batch is released. */
  data: Uint8Array;
  /** Bytes of the UDP payload or TCP message the capture cut off. */
  missing: number;
}

/** A NAT-keepalive (RFC 3948 §2.3): one 0xFF byte on UDP 4500. */
export interface NatKeepalive {
  kind: 'keepalive';
  ref: FrameRef;
  ip: IpInfo;
  srcPort: number;
  dstPort: number;
}

/** The headers an ICMP error quotes from the packet that caused it. */
export interface QuotedPacket {
  version: 4 | 6;
  src: string;
  dst: string;
  /** IP protocol number of the quoted packet (50 ESP, 51 AH, 17 UDP...). */
  protocol: number;
  /** Offset in the quoted packet of the Protocol or Next Header field that contains `protocol`. */
  protocolOffset: number;
  srcPort: number | null;
  dstPort: number | null;
  /** SPI of a quoted ESP or AH header (ESP in UDP included) when it is present. */
  spi: Spi | null;
  /** Sequence number of that ESP or AH header when the quote reaches it. */
  seq: number | null;
}

/** An ICMP or ICMPv6 error message (destination unreachable, time exceeded, parameter problem, packet too big). */
export interface IcmpError {
  kind: 'icmp-error';
  ref: FrameRef;
  /** The ICMP packet's own IP header: src is the host that reported the error. */
  ip: IpInfo;
  icmpVersion: 4 | 6;
  icmpType: number;
  icmpCode: number;
  /**
   * The pointer of an ICMPv6 Parameter Problem (RFC 4443 section 3.4): the
   * offset in the quoted packet of the field in error. Null for other messages.
   */
  pointer: number | null;
  quoted: QuotedPacket | null;
}

export type Packet = EspPacket | AhPacket | IkeDatagram | NatKeepalive | IcmpError;

/** A layer that was cut short by the capture or malformed on the wire. */
export interface Anomaly {
  input: number;
  frame: FrameNumber;
  /** The layer that failed: "pcap", "ethernet", "ipv4", "ipv6", "udp", "esp", "ikev2"... */
  layer: string;
  reason: string;
  /** Byte offset within the frame (or the IKE message) where the problem starts, when known. */
  offset?: number;
  /** "truncated" when the capture cut the layer off, "malformed" when the sender got it wrong. */
  cause?: 'truncated' | 'malformed' | 'limit' | 'internal';
  /** Capture time of the frame, stamped by the analysis when the frame is known. */
  time?: Timestamp;
}
