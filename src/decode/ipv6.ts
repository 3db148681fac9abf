// IPv6 header (RFC 8200 §3) and the extension headers decoding skips to
// reach the upper-layer protocol: Hop-by-Hop Options, Routing and Destination
// Options (§4.3-4.6), with the Fragment header (§4.5) reported to the caller.
// AH (51) and ESP (50) end the walk: they are protocols this tool decodes.

import { ByteReader } from '../util/bytes.js';
import { formatIpv6 } from './address.js';
import type { FrameContext } from './context.js';

export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_DSTOPTS = 60;

const IPV6_HEADER = 40;

/** Extension headers walked before giving up; each is at least 8 bytes, so this bounds the walk well before a 64 KB payload. */
export const MAX_EXTENSION_HEADERS = 32;

/** The fixed IPv6 header. */
export interface Ipv6Header {
  src: string;
  dst: string;
  nextHeader: number;
  /** Offset in the buffer just after the fixed header. */
  payloadStart: number;
  /** Offset where the captured payload ends. */
  payloadEnd: number;
  /** Payload length on the wire. */
  payloadLength: number;
}

/** A Fragment header (RFC 8200 §4.5). */
export interface Ipv6Fragment {
  /** Next Header of the fragmentable part. */
  nextHeader: number;
  /** Fragment offset in bytes. */
  offset: number;
  more: boolean;
  identification: number;
}

/** Result of an extension-header walk: the protocol it reached and that protocol's offset. */
export interface ExtensionWalk {
  /** The protocol after the last header walked (the Fragment header's own type when `fragment` is set). */
  protocol: number;
  /** Offset of the header or payload of `protocol`, or of the fragment data when `fragment` is set. */
  offset: number;
  fragment: Ipv6Fragment | null;
}

/** Parses the fixed IPv6 header at buf[start..end]; returns null after reporting an anomaly. */
export function parseIpv6(ctx: FrameContext, buf: Uint8Array, start: number, end: number): Ipv6Header | null {
  const r = new ByteReader(buf, start, end);
  const versionWord = r.u32();
  const payloadLength = r.u16();
  const nextHeader = r.u8();
  r.skip(1); // hop limit
  r.skip(32); // addresses, formatted below
  if (r.short) {
    ctx.anomaly('ipv6', `header cut short: ${end - start} of ${IPV6_HEADER} bytes captured`, start, ctx.shortCause());
    return null;
  }
  const version = versionWord >>> 28;
  if (version !== 6) {
    ctx.anomaly('ipv6', `version field is ${version}, expected 6`, start, 'malformed');
    return null;
  }

  const payloadStart = start + IPV6_HEADER;
  const captured = end - payloadStart;
  // A zero payload length means a jumbogram (RFC 2675) or segmentation
  // offload on the capturing host: the packet runs to the end of the frame.
  const length = payloadLength === 0 ? captured : payloadLength;
  if (length > captured && !ctx.cut) {
    ctx.anomaly('ipv6', `payload length ${payloadLength} exceeds the ${captured} bytes the frame carries`, start + 4, 'malformed');
  }
  return {
    src: formatIpv6(buf, start + 8),
    dst: formatIpv6(buf, start + 24),
    nextHeader,
    payloadStart,
    payloadEnd: Math.min(end, payloadStart + length),
    payloadLength: length,
  };
}

/**
 * Skips extension headers from `offset`, where a header of type `nextHeader`
 * starts, until an upper-layer protocol or a Fragment header. `end` is the end
 * of the captured bytes and `wireEnd` the end of the payload on the wire, so a
 * header past `end` but within `wireEnd` was cut by the capture. Returns null
 * after reporting an anomaly.
 */
export function walkExtensionHeaders(
  ctx: FrameContext,
  buf: Uint8Array,
  offset: number,
  end: number,
  wireEnd: number,
  nextHeader: number,
  afterFixedHeader: boolean,
): ExtensionWalk | null {
  let protocol = nextHeader;
  let at = offset;
  for (let count = 0; ; count++) {
    if (protocol !== IPPROTO_HOPOPTS && protocol !== IPPROTO_ROUTING && protocol !== IPPROTO_DSTOPTS && protocol !== IPPROTO_FRAGMENT) {
      return { protocol, offset: at, fragment: null };
    }
    if (count === MAX_EXTENSION_HEADERS) {
      ctx.anomaly('ipv6', `more than ${MAX_EXTENSION_HEADERS} extension headers`, at, 'malformed');
      return null;
    }
    if (protocol === IPPROTO_HOPOPTS && !(afterFixedHeader && count === 0)) {
      // RFC 8200 §4.1: Hop-by-Hop Options may only follow the IPv6 header.
      ctx.anomaly('ipv6', 'Hop-by-Hop Options header not directly after the IPv6 header', at, 'malformed');
    }

    const r = new ByteReader(buf, at, end);
    const next = r.u8();
    const lengthField = r.u8();
    if (protocol === IPPROTO_FRAGMENT) {
      const offsetAndFlags = r.u16();
      const identification = r.u32();
      if (r.short) {
        reportCutHeader(ctx, 'Fragment', at, 8, end, wireEnd);
        return null;
      }
      const fragment: Ipv6Fragment = {
        nextHeader: next,
        offset: offsetAndFlags & 0xfff8,
        more: (offsetAndFlags & 1) !== 0,
        identification,
      };
      return { protocol, offset: at + 8, fragment };
    }

    const headerLength = (lengthField + 1) * 8;
    if (r.short || at + headerLength > end) {
      reportCutHeader(ctx, extensionName(protocol), at, headerLength, end, wireEnd);
      return null;
    }
    protocol = next;
    at += headerLength;
  }
}

function reportCutHeader(ctx: FrameContext, name: string, at: number, length: number, end: number, wireEnd: number): void {
  if (at + length > wireEnd) {
    ctx.anomaly('ipv6', `${name} header of ${length} bytes runs past the payload length`, at, 'malformed');
  } else {
    ctx.anomaly('ipv6', `${name} header cut short: ${Math.max(0, end - at)} of ${length} bytes captured`, at, ctx.shortCause());
  }
}

function extensionName(protocol: number): string {
  switch (protocol) {
    case IPPROTO_HOPOPTS:
      return 'Hop-by-Hop Options';
    case IPPROTO_ROUTING:
      return 'Routing';
    default:
      return 'Destination Options';
  }
}
