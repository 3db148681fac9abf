// Authentication Header (RFC 4302 §2): next header, payload length, SPI,
// sequence number and ICV. The protected payload after it stays readable.

import type { Spi } from '../types.js';
import { ByteReader } from '../util/bytes.js';
import type { FrameContext } from './context.js';
import type { IpPayload } from './payload.js';

/** Next Header through Sequence Number. */
const AH_FIXED = 12;

/**
 * Decodes the AH header at p.start, emits an AhPacket and moves p past the
 * header. Returns the next header, or -1 when decoding cannot go on past AH.
 */
export function decodeAh(ctx: FrameContext, p: IpPayload): number {
  const start = p.start;
  const r = new ByteReader(p.buf, start, p.end);
  const nextHeader = r.u8();
  const payloadLength = r.u8();
  r.skip(2); // reserved: RFC 4302 §2.3 has receivers ignore it
  const spi = r.u32();
  const seq = r.u32();
  if (r.short) {
    if (p.length < AH_FIXED && !p.partial) {
      ctx.anomaly('ah', `${p.length} bytes are too short for the ${AH_FIXED}-byte AH header`, start, 'malformed');
    } else {
      ctx.anomaly('ah', `header cut short: ${Math.max(0, p.end - start)} of ${AH_FIXED} bytes captured`, start, ctx.shortCause());
    }
    return -1;
  }

  // RFC 4302 §2.2: the Payload Length field counts 32-bit words minus 2.
  const headerLength = (payloadLength + 2) * 4;
  ctx.ah({
    kind: 'ah',
    ref: ctx.ref(),
    ip: p.ip,
    spi: spi as Spi,
    seq,
    nextHeader,
    headerLength,
    length: p.length,
  });

  if (headerLength < AH_FIXED) {
    ctx.anomaly('ah', `header length ${headerLength} is below the ${AH_FIXED}-byte minimum`, start + 1, 'malformed');
    return -1;
  }
  if (p.ip.version === 6 && headerLength % 8 !== 0) {
    // RFC 4302 §2.6: ICV padding makes the header a multiple of 64 bits over IPv6.
    ctx.anomaly('ah', `header length ${headerLength} is not a multiple of 8 as IPv6 requires`, start + 1, 'malformed');
  }
  if (headerLength > p.length && !p.partial) {
    ctx.anomaly('ah', `header length ${headerLength} exceeds the ${p.length}-byte IP payload`, start + 1, 'malformed');
    return -1;
  }
  if (start + headerLength > p.end) {
    ctx.anomaly('ah', `header cut short: ${p.end - start} of ${headerLength} bytes captured`, start, ctx.shortCause());
    return -1;
  }

  p.start = start + headerLength;
  p.length -= headerLength;
  return nextHeader;
}
