// ESP header (RFC 4303 §2): SPI and sequence number. The rest is encrypted.
// The 8 bytes are checked against the captured length once and read at fixed
// offsets, because this runs for every ESP packet.

import type { Encapsulation, IpInfo, Spi } from '../types.js';
import { readU32 } from '../util/bytes.js';
import type { FrameContext } from './context.js';

/** SPI and Sequence Number: the part of ESP readable without keys. */
export const ESP_HEADER = 8;

/**
 * Decodes the ESP header at buf[start..end] (the captured bytes) and emits an
 * EspPacket. `length` is the ESP length on the wire (SPI to ICV): the IP
 * payload, the UDP payload or the RFC 8229 message. SPIs 0 and 1-255 are
 * reserved (RFC 4303 §2.1) but are passed on unchanged: the SA tracker
 * reports them.
 */
export function decodeEsp(
  ctx: FrameContext,
  ip: IpInfo,
  buf: Uint8Array,
  start: number,
  end: number,
  length: number,
  encapsulation: Encapsulation,
  srcPort: number,
  dstPort: number,
): void {
  if (end - start < ESP_HEADER) {
    reportShortHeader(ctx, start, end, length);
    return;
  }
  const spi = readU32(buf, start);
  const seq = readU32(buf, start + 4);
  ctx.esp({
    kind: 'esp',
    ref: ctx.ref(),
    ip,
    encapsulation,
    srcPort,
    dstPort,
    spi: spi as Spi,
    seq,
    length,
  });
}

/** Reports an ESP header that is not all there; kept apart so that decodeEsp stays small enough to inline. */
function reportShortHeader(ctx: FrameContext, start: number, end: number, length: number): void {
  if (length < ESP_HEADER) {
    ctx.anomaly('esp', `${length} bytes are too short for the ${ESP_HEADER}-byte ESP header`, start, 'malformed');
  } else {
    ctx.anomaly('esp', `header cut short: ${Math.max(0, end - start)} of ${ESP_HEADER} bytes captured`, start, ctx.shortCause());
  }
}
