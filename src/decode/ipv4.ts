// IPv4 header (RFC 791 §3.1): addresses, protocol, fragmentation fields and
// the bounds of the payload, with the options checked for well-formed lengths.
//
// This runs for every packet of a capture, so the fixed 20 bytes are checked
// against the captured length once and then read at fixed offsets, without a
// ByteReader per packet. The options, whose length varies, go through one.

import { ByteReader, readU16, readU32 } from '../util/bytes.js';
import type { FrameContext } from './context.js';

/** The fields of an IPv4 header that decoding needs. */
export interface Ipv4Header {
  /** Source and destination address as unsigned 32-bit numbers. */
  src: number;
  dst: number;
  protocol: number;
  identification: number;
  moreFragments: boolean;
  /** Fragment offset in bytes. */
  fragmentOffset: number;
  /** Offset in the buffer where the payload starts. */
  payloadStart: number;
  /** Offset in the buffer where the captured payload ends: the total length or the end of the captured bytes. */
  payloadEnd: number;
  /** Payload length on the wire: total length minus header length. */
  payloadLength: number;
}

const IPV4_MIN_HEADER = 20;
const FLAG_MORE_FRAGMENTS = 0x2000;
const FRAGMENT_OFFSET_MASK = 0x1fff;

/** Returns a blank Ipv4Header for parseIpv4 to fill in. */
export function emptyIpv4Header(): Ipv4Header {
  return { src: 0, dst: 0, protocol: 0, identification: 0, moreFragments: false, fragmentOffset: 0, payloadStart: 0, payloadEnd: 0, payloadLength: 0 };
}

/**
 * Parses the IPv4 header at buf[start..end] into `out`, which the decoder
 * reuses for every packet so that the ESP path allocates less. Returns false
 * after reporting an anomaly when the header itself is unusable.
 *
 * A total length beyond the captured bytes is reported only when the capture
 * kept the whole frame (malformed). When the snapshot length cut the frame,
 * the payload decoders report only the headers they miss, so a short snapshot
 * length does not flag every frame.
 */
export function parseIpv4(ctx: FrameContext, buf: Uint8Array, start: number, end: number, out: Ipv4Header): boolean {
  if (end - start < IPV4_MIN_HEADER) return reportBadHeader(ctx, buf, start, end);
  // Fields in wire order; the DSCP/ECN byte, TTL and header checksum are not
  // needed (tshark does not verify the checksum by default either).
  const versionAndLength = buf[start]!;
  const totalLength = readU16(buf, start + 2);
  const identification = readU16(buf, start + 4);
  const flagsAndOffset = readU16(buf, start + 6);
  const protocol = buf[start + 9]!;
  const src = readU32(buf, start + 12);
  const dst = readU32(buf, start + 16);

  const headerLength = (versionAndLength & 0x0f) * 4;
  // A zero total length comes from TCP segmentation offload on the capturing
  // host: the packet runs to the end of the frame.
  const datagramLength = totalLength === 0 ? end - start : totalLength;
  if (versionAndLength >> 4 !== 4 || headerLength < IPV4_MIN_HEADER || start + headerLength > end || datagramLength < headerLength) {
    return reportBadHeader(ctx, buf, start, end);
  }
  if (datagramLength > end - start && !ctx.cut) reportLengthBeyondFrame(ctx, totalLength, start, end);
  if (headerLength > IPV4_MIN_HEADER) checkOptions(ctx, buf, start + IPV4_MIN_HEADER, start + headerLength);

  out.src = src;
  out.dst = dst;
  out.protocol = protocol;
  out.identification = identification;
  out.moreFragments = (flagsAndOffset & FLAG_MORE_FRAGMENTS) !== 0;
  out.fragmentOffset = (flagsAndOffset & FRAGMENT_OFFSET_MASK) * 8;
  out.payloadStart = start + headerLength;
  // Bytes past the total length are link-layer padding or a trailer.
  out.payloadEnd = Math.min(end, start + datagramLength);
  out.payloadLength = datagramLength - headerLength;
  return true;
}

/**
 * Reports why parseIpv4 rejected a header, checking again in wire order. It
 * is kept apart so that the per-packet path runs one combined check instead.
 * Returns false for the caller to pass on.
 */
function reportBadHeader(ctx: FrameContext, buf: Uint8Array, start: number, end: number): false {
  if (end - start < IPV4_MIN_HEADER) {
    ctx.anomaly('ipv4', `header cut short: ${Math.max(0, end - start)} of ${IPV4_MIN_HEADER} bytes captured`, start, ctx.shortCause());
    return false;
  }
  const version = buf[start]! >> 4;
  const headerLength = (buf[start]! & 0x0f) * 4;
  const totalLength = readU16(buf, start + 2);
  if (version !== 4) {
    ctx.anomaly('ipv4', `version field is ${version}, expected 4`, start, 'malformed');
  } else if (headerLength < IPV4_MIN_HEADER) {
    ctx.anomaly('ipv4', `header length ${headerLength} is below the minimum of ${IPV4_MIN_HEADER}`, start, 'malformed');
  } else if (start + headerLength > end) {
    ctx.anomaly('ipv4', `options cut short: header length ${headerLength}, ${end - start} bytes captured`, start, ctx.shortCause());
  } else {
    ctx.anomaly('ipv4', `total length ${totalLength} is below the header length ${headerLength}`, start + 2, 'malformed');
  }
  return false;
}

function reportLengthBeyondFrame(ctx: FrameContext, totalLength: number, start: number, end: number): void {
  ctx.anomaly('ipv4', `total length ${totalLength} exceeds the ${end - start} bytes the frame carries`, start + 2, 'malformed');
}

const OPTION_END = 0;
const OPTION_NOP = 1;

/** Walks the options (RFC 791 §3.1): every option but End and No-Operation has a length byte of at least 2 that fits the header. */
function checkOptions(ctx: FrameContext, buf: Uint8Array, start: number, end: number): void {
  const r = new ByteReader(buf, start, end);
  while (r.remaining > 0) {
    const at = r.pos;
    const type = r.u8();
    if (type === OPTION_END) return;
    if (type === OPTION_NOP) continue;
    const length = r.u8();
    if (r.short || length < 2 || at + length > end) {
      ctx.anomaly('ipv4', `option ${type} has invalid length ${length}`, at, 'malformed');
      return;
    }
    r.pos = at + length;
  }
}
