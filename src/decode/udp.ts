// UDP (RFC 768) and what rides on it here: IKE on port 500 and, on port 4500,
// the RFC 3948 demultiplexing of IKE, ESP and NAT-keepalives. The 8-byte
// header is checked against the captured length once and read at fixed
// offsets, because ESP in UDP runs through here for every packet.

import { readU16 } from '../util/bytes.js';
import type { FrameContext } from './context.js';
import { decodeEsp } from './esp.js';
import type { IpPayload } from './payload.js';

export const IKE_PORT = 500;
export const NAT_T_PORT = 4500;
export const GTP_U_PORT = 2152;

const UDP_HEADER = 8;
/** RFC 3948 §2.2: four zero bytes where an ESP SPI would be. */
export const NON_ESP_MARKER = 4;

/**
 * Decides which of IKE (500) and NAT-T (4500) a UDP datagram is for. The
 * receiving port decides first, as it does in the receiver's stack, so a NAT
 * that maps 4500 to 500 on the way out does not hide a marker. Otherwise the
 * source port decides, which catches replies to non-standard ports
 * (4500 to 8472, for one). Returns 0 for neither.
 */
export function ikePortOf(srcPort: number, dstPort: number): number {
  if (dstPort === IKE_PORT || dstPort === NAT_T_PORT) return dstPort;
  if (srcPort === IKE_PORT || srcPort === NAT_T_PORT) return srcPort;
  return 0;
}

/** Decodes the UDP header at p.start and hands the payload to IKE, NAT-T or nothing. */
export function decodeUdp(ctx: FrameContext, p: IpPayload): void {
  const start = p.start;
  if (p.end - start < UDP_HEADER) {
    reportShortHeader(ctx, p);
    return;
  }
  // The checksum (bytes 6-7) is not verified.
  const srcPort = readU16(p.buf, start);
  const dstPort = readU16(p.buf, start + 2);
  const udpLength = readU16(p.buf, start + 4);

  const length = udpLength >= UDP_HEADER && (udpLength <= p.length || p.partial) ? udpLength : checkLength(ctx, p, udpLength);
  if (length < 0) return;

  const payloadStart = start + UDP_HEADER;
  const payloadEnd = Math.min(p.end, start + length);
  const payloadLength = length - UDP_HEADER;

  const port = ikePortOf(srcPort, dstPort);
  if (port === IKE_PORT) {
    emitIke(ctx, p, payloadStart, payloadEnd, payloadLength, srcPort, dstPort, false);
  } else if (port === NAT_T_PORT) {
    decodeNatT(ctx, p, payloadStart, payloadEnd, payloadLength, srcPort, dstPort);
  } else if (srcPort === GTP_U_PORT || dstPort === GTP_U_PORT) {
    ctx.notDecoded('tunnel-gtpu');
  } else {
    ctx.notDecoded('not-ipsec');
  }
}

// The helpers below handle the rare cases out of line, so that decodeUdp stays
// small enough for V8 to inline into the per-packet path.

function reportShortHeader(ctx: FrameContext, p: IpPayload): void {
  if (p.length < UDP_HEADER && !p.partial) {
    ctx.anomaly('udp', `${p.length} bytes are too short for the ${UDP_HEADER}-byte UDP header`, p.start, 'malformed');
  } else {
    ctx.anomaly('udp', `header cut short: ${Math.max(0, p.end - p.start)} of ${UDP_HEADER} bytes captured`, p.start, ctx.shortCause());
  }
}

/** Returns the UDP length to use when the Length field is out of range, or -1 after reporting a length that makes the datagram unusable. */
function checkLength(ctx: FrameContext, p: IpPayload, udpLength: number): number {
  if (udpLength === 0 && p.ip.version === 6) {
    // RFC 2675 §4: a jumbogram's UDP length is zero and the IP payload length rules.
    return p.length;
  }
  if (udpLength < UDP_HEADER) {
    ctx.anomaly('udp', `length ${udpLength} is below the ${UDP_HEADER}-byte header`, p.start + 4, 'malformed');
    return -1;
  }
  // Decoding goes on within the IP payload, as tshark does, so the payload is still seen.
  ctx.anomaly('udp', `length ${udpLength} exceeds the ${p.length}-byte IP payload`, p.start + 4, 'malformed');
  return p.length;
}

/** RFC 3948 §2.2-2.3: a non-ESP marker means IKE, a lone 0xFF byte a keepalive, anything else ESP. */
function decodeNatT(
  ctx: FrameContext,
  p: IpPayload,
  start: number,
  end: number,
  length: number,
  srcPort: number,
  dstPort: number,
): void {
  const buf = p.buf;
  const captured = end - start;
  if (length === 1 && captured === 1 && buf[start] === 0xff) {
    ctx.keepalive({ kind: 'keepalive', ref: ctx.ref(), ip: p.ip, srcPort, dstPort });
    return;
  }
  if (captured >= NON_ESP_MARKER) {
    if (buf[start] === 0 && buf[start + 1] === 0 && buf[start + 2] === 0 && buf[start + 3] === 0) {
      emitIke(ctx, p, start + NON_ESP_MARKER, end, length - NON_ESP_MARKER, srcPort, dstPort, true);
      return;
    }
  } else if (length >= NON_ESP_MARKER) {
    // Fewer than four bytes captured: only a non-zero byte proves it is not a marker.
    let allZero = true;
    for (let i = start; i < end; i++) if (buf[i] !== 0) allZero = false;
    if (allZero) {
      ctx.anomaly('udp', `payload cut short: ${captured} bytes captured, too few to tell a non-ESP marker from an ESP SPI`, start, ctx.shortCause());
      return;
    }
  }
  decodeEsp(ctx, p.ip, buf, start, end, length, 'udp', srcPort, dstPort);
}

function emitIke(
  ctx: FrameContext,
  p: IpPayload,
  start: number,
  end: number,
  length: number,
  srcPort: number,
  dstPort: number,
  nonEspMarker: boolean,
): void {
  // A copy, not a view: a Node Buffer's slice() shares memory, and the frame's bytes are reused.
  const data = Uint8Array.prototype.slice.call(p.buf, start, end);
  ctx.ike({
    kind: 'ike',
    ref: ctx.ref(),
    ip: p.ip,
    transport: 'udp',
    srcPort,
    dstPort,
    nonEspMarker,
    data,
    missing: Math.max(0, length - data.length),
  });
}
