// TCP (RFC 9293 §3.1) on port 4500 as RFC 8229 frames it: an optional
// "IKETCP" stream prefix from the initiator (§4), then messages that each
// start with a 16-bit length counting itself (§3). A message that starts
// with the four-byte non-ESP marker is IKE, anything else is ESP.
//
// Each direction is followed on its own, in sequence order. Retransmitted
// bytes are skipped. A gap (a lost or reordered segment, or bytes the capture
// cut) cannot be bridged, so the direction is reset with an anomaly. Framing
// then resumes at the next segment, because senders usually start a message
// at a segment boundary.
// NOTE: reordered segments are treated as a gap rather than buffered.

import type { FrameNumber, Spi } from '../types.js';
import { ByteReader, readU32 } from '../util/bytes.js';
import type { FrameContext } from './context.js';
import type { IpPayload } from './payload.js';
import type { DecodeLimits } from './types.js';
import { NAT_T_PORT, NON_ESP_MARKER } from './udp.js';

const TCP_MIN_HEADER = 20;
const FLAG_FIN = 0x01;
const FLAG_SYN = 0x02;
const FLAG_RST = 0x04;

/** RFC 8229 §4: the stream prefix "IKETCP" the initiator sends first. */
const STREAM_PREFIX = Uint8Array.of(0x49, 0x4b, 0x45, 0x54, 0x43, 0x50);
const LENGTH_FIELD = 2;
const ESP_HEADER = 8;

interface Direction {
  /** Next sequence number expected, or null before the first segment. */
  nextSeq: number | null;
  buffer: Uint8Array;
  buffered: number;
  /** True while the bytes at the buffer's start may still be the stream prefix. */
  mayHavePrefix: boolean;
  /** The frame that began the buffered message, for anomalies about it. */
  messageFrame: { input: number; frame: FrameNumber } | null;
}

interface Connection {
  directions: [Direction, Direction];
}

function newDirection(): Direction {
  return { nextSeq: null, buffer: new Uint8Array(0), buffered: 0, mayHavePrefix: true, messageFrame: null };
}

/** Follows TCP connections on port 4500 and emits the IKE and ESP messages RFC 8229 frames in them. */
export class TcpStreams {
  private readonly connections = new Map<string, Connection>();

  constructor(private readonly limits: DecodeLimits) {}

  /** Number of connections followed. */
  get size(): number {
    return this.connections.size;
  }

  /** Decodes the TCP segment at p.start. */
  segment(ctx: FrameContext, p: IpPayload): void {
    const start = p.start;
    const r = new ByteReader(p.buf, start, p.end);
    const srcPort = r.u16();
    const dstPort = r.u16();
    const seq = r.u32();
    r.skip(4); // acknowledgment number
    const dataOffset = (r.u8() >> 4) * 4;
    const flags = r.u8();
    if (r.short) {
      if (p.length < TCP_MIN_HEADER && !p.partial) {
        ctx.anomaly('tcp', `${p.length} bytes are too short for the ${TCP_MIN_HEADER}-byte TCP header`, start, 'malformed');
      } else {
        ctx.anomaly('tcp', `header cut short: ${Math.max(0, p.end - start)} of ${TCP_MIN_HEADER} bytes captured`, start, ctx.shortCause());
      }
      return;
    }
    if (srcPort !== NAT_T_PORT && dstPort !== NAT_T_PORT) {
      ctx.notDecoded('not-ipsec');
      return;
    }
    if (dataOffset < TCP_MIN_HEADER || (dataOffset > p.length && !p.partial)) {
      ctx.anomaly('tcp', `data offset ${dataOffset} is outside the ${TCP_MIN_HEADER}..${p.length} bytes of the segment`, start + 12, 'malformed');
      return;
    }
    if (start + dataOffset > p.end) {
      ctx.anomaly('tcp', `header cut short: ${p.end - start} of ${dataOffset} bytes captured`, start, ctx.shortCause());
      return;
    }
    if (p.partial) {
      // The rest of this segment is in fragments the capture cut: no stream to follow.
      ctx.notDecoded('tcp-no-message');
      return;
    }

    const a = `${p.ip.src} ${srcPort}`;
    const b = `${p.ip.dst} ${dstPort}`;
    const key = a < b ? `${ctx.frame.input}|${a}|${b}` : `${ctx.frame.input}|${b}|${a}`;
    if ((flags & FLAG_RST) !== 0) {
      this.connections.delete(key);
      ctx.notDecoded('tcp-no-message');
      return;
    }

    let connection = this.connections.get(key);
    if (connection === undefined) {
      if (this.connections.size >= this.limits.maxTcpStreams) this.evictOldest(ctx);
      connection = { directions: [newDirection(), newDirection()] };
    } else {
      // Re-inserting keeps the map in least-recently-used order for eviction.
      this.connections.delete(key);
    }
    this.connections.set(key, connection);
    const direction = connection.directions[a < b ? 0 : 1];

    let dataSeq = seq;
    if ((flags & FLAG_SYN) !== 0) {
      resetDirection(direction);
      direction.mayHavePrefix = true;
      // The SYN occupies one sequence number before the first data byte.
      dataSeq = (seq + 1) >>> 0;
      direction.nextSeq = dataSeq;
    }

    const payloadStart = start + dataOffset;
    const wireLength = p.length - dataOffset;
    const capturedEnd = Math.min(p.end, start + p.length);
    this.receive(ctx, p, direction, dataSeq, payloadStart, capturedEnd, wireLength, srcPort, dstPort);

    if ((flags & FLAG_FIN) !== 0) {
      if (direction.buffered > 0) {
        ctx.anomaly('tcp', `stream closed inside a message: ${direction.buffered} bytes dropped`, payloadStart, 'truncated');
      }
      resetDirection(direction);
      direction.nextSeq = null;
    }
    ctx.notDecoded('tcp-no-message');
  }

  /** Drops every buffered partial message at the end of the input, with an anomaly for each. */
  flush(ctx: FrameContext): void {
    for (const connection of this.connections.values()) {
      for (const direction of connection.directions) {
        if (direction.buffered > 0 && direction.messageFrame !== null) {
          ctx.anomalyAt(direction.messageFrame, 'tcp', `incomplete RFC 8229 message at end of capture: ${direction.buffered} bytes dropped`, 'truncated');
        }
      }
    }
    this.connections.clear();
  }

  private evictOldest(ctx: FrameContext): void {
    for (const [key, connection] of this.connections) {
      this.connections.delete(key);
      const pending = connection.directions.find((d) => d.buffered > 0 && d.messageFrame !== null);
      if (pending !== undefined) {
        ctx.anomalyAt(pending.messageFrame!, 'tcp', `more than ${this.limits.maxTcpStreams} TCP connections followed: dropped the oldest`, 'limit');
      }
      return;
    }
  }

  private receive(
    ctx: FrameContext,
    p: IpPayload,
    direction: Direction,
    seq: number,
    start: number,
    capturedEnd: number,
    wireLength: number,
    srcPort: number,
    dstPort: number,
  ): void {
    if (wireLength <= 0) return;
    let from = start;
    let length = wireLength;

    if (direction.nextSeq === null) {
      direction.nextSeq = seq;
    } else {
      const delta = (seq - direction.nextSeq) | 0;
      if (delta > 0) {
        ctx.anomaly('tcp', `${delta} bytes missing before this segment: message framing restarts here`, start, 'truncated');
        resetDirection(direction);
        direction.nextSeq = seq;
      } else if (delta < 0) {
        // A retransmission: skip what was already received.
        if (-delta >= length) return;
        from += -delta;
        length += delta;
      }
    }

    const available = Math.max(0, capturedEnd - from);
    const captured = Math.min(available, length);
    if (captured > 0) {
      if (!this.append(ctx, direction, p.buf.subarray(from, from + captured), from)) {
        direction.nextSeq = (direction.nextSeq + length) >>> 0;
        return;
      }
      this.extractMessages(ctx, p, direction, srcPort, dstPort);
    }
    direction.nextSeq = (direction.nextSeq + length) >>> 0;

    if (captured < length) {
      ctx.anomaly('tcp', `segment cut by the capture: ${length - captured} bytes missing, message framing restarts at the next segment`, from + captured, 'truncated');
      resetDirection(direction);
    }
  }

  private append(ctx: FrameContext, direction: Direction, bytes: Uint8Array, frameOffset: number): boolean {
    const needed = direction.buffered + bytes.length;
    if (needed > this.limits.maxTcpBufferBytes) {
      ctx.anomaly('tcp', `more than ${this.limits.maxTcpBufferBytes} bytes buffered in one direction: buffer dropped`, frameOffset, 'limit');
      resetDirection(direction);
      return false;
    }
    if (needed > direction.buffer.length) {
      const grown = new Uint8Array(Math.min(this.limits.maxTcpBufferBytes, Math.max(needed, direction.buffer.length * 2, 2048)));
      grown.set(direction.buffer.subarray(0, direction.buffered));
      direction.buffer = grown;
    }
    if (direction.buffered === 0) direction.messageFrame = { input: ctx.frame.input, frame: ctx.frame.frame };
    direction.buffer.set(bytes, direction.buffered);
    direction.buffered = needed;
    return true;
  }

  private extractMessages(ctx: FrameContext, p: IpPayload, direction: Direction, srcPort: number, dstPort: number): void {
    const buf = direction.buffer;
    let at = 0;
    if (direction.mayHavePrefix) {
      const seen = Math.min(direction.buffered, STREAM_PREFIX.length);
      let matches = true;
      for (let i = 0; i < seen && matches; i++) matches = buf[i] === STREAM_PREFIX[i];
      if (matches && seen < STREAM_PREFIX.length) return; // wait for the rest of a possible prefix
      if (matches) at = STREAM_PREFIX.length;
      direction.mayHavePrefix = false;
    }

    while (direction.buffered - at >= LENGTH_FIELD) {
      const r = new ByteReader(buf, at, direction.buffered);
      const length = r.u16();
      if (length < LENGTH_FIELD) {
        ctx.anomaly('tcp', `RFC 8229 length field ${length} is below its own 2 bytes: message framing lost`, undefined, 'malformed');
        resetDirection(direction);
        return;
      }
      if (direction.buffered - at < length) break;
      this.emitMessage(ctx, p, buf, at + LENGTH_FIELD, at + length, srcPort, dstPort);
      at += length;
    }

    if (at > 0) {
      buf.copyWithin(0, at, direction.buffered);
      direction.buffered -= at;
      direction.messageFrame = direction.buffered > 0 ? { input: ctx.frame.input, frame: ctx.frame.frame } : null;
    }
  }

  private emitMessage(ctx: FrameContext, p: IpPayload, buf: Uint8Array, start: number, end: number, srcPort: number, dstPort: number): void {
    const length = end - start;
    if (length >= NON_ESP_MARKER && readU32(buf, start) === 0) {
      ctx.ike({
        kind: 'ike',
        ref: ctx.ref(),
        ip: p.ip,
        transport: 'tcp',
        srcPort,
        dstPort,
        nonEspMarker: true,
        data: Uint8Array.prototype.slice.call(buf, start + NON_ESP_MARKER, end),
        missing: 0,
      });
      return;
    }
    if (length < ESP_HEADER) {
      ctx.anomaly('esp', `RFC 8229 message of ${length} bytes is too short for an ESP header or a non-ESP marker`, undefined, 'malformed');
      return;
    }
    ctx.esp({
      kind: 'esp',
      ref: ctx.ref(),
      ip: p.ip,
      encapsulation: 'tcp',
      srcPort,
      dstPort,
      spi: readU32(buf, start) as Spi,
      seq: readU32(buf, start + 4),
      length,
    });
  }
}

function resetDirection(direction: Direction): void {
  direction.buffered = 0;
  direction.messageFrame = null;
  direction.mayHavePrefix = false;
}
