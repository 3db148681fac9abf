// Per-frame state shared by the layer decoders: the frame being decoded, its
// reference, and the helpers that report to the sink.

import type { AhPacket, Anomaly, CapturedFrame, EspPacket, FrameNumber, FrameRef, IcmpError, IkeDatagram, NatKeepalive } from '../types.js';
import type { NotDecodedReason, PacketSink } from './types.js';

export type AnomalyCause = NonNullable<Anomaly['cause']>;

/** The frame being decoded and the sink its results go to; one instance is reused for every frame. */
export class FrameContext {
  readonly sink: PacketSink;
  frame!: CapturedFrame;
  private cachedRef: FrameRef | null = null;
  /** Packets sent to the sink for the current frame. */
  packets = 0;
  /** The IP version the link layer announced for the current frame, 0 when only the version nibble can tell. */
  ipVersion: 0 | 4 | 6 = 0;
  /** True while a reassembled datagram is decoded: its offsets are not frame offsets, so anomalies leave them out. */
  inReassembled = false;

  constructor(sink: PacketSink) {
    this.sink = sink;
  }

  begin(frame: CapturedFrame): void {
    this.frame = frame;
    this.cachedRef = null;
    this.packets = 0;
    this.inReassembled = false;
  }

  /**
   * Returns the frame's reference, shared by every packet found in it. It is a
   * separate object so that packets kept by later stages do not keep the
   * frame's bytes alive.
   */
  ref(): FrameRef {
    if (this.cachedRef === null) {
      const f = this.frame;
      this.cachedRef = { input: f.input, frame: f.frame, time: f.time };
    }
    return this.cachedRef;
  }

  /** True when the capture recorded fewer bytes of this frame than were on the wire. */
  get cut(): boolean {
    return this.frame.data.length < this.frame.origLength;
  }

  /** Returns "truncated" when the capture cut the frame, else "malformed": data that ends early is the sender's fault only when nothing was cut. */
  shortCause(): AnomalyCause {
    return this.cut ? 'truncated' : 'malformed';
  }

  anomaly(layer: string, reason: string, offset: number | undefined, cause: AnomalyCause): void {
    const anomaly: Anomaly = { input: this.frame.input, frame: this.frame.frame, layer, reason, cause };
    if (offset !== undefined && !this.inReassembled) anomaly.offset = offset;
    this.sink.anomaly(anomaly);
  }

  /** Reports an anomaly about an earlier frame (a fragment set or TCP stream that began there). */
  anomalyAt(at: { input: number; frame: FrameNumber }, layer: string, reason: string, cause: AnomalyCause): void {
    this.sink.anomaly({ input: at.input, frame: at.frame, layer, reason, cause });
  }

  /** Reports the frame as not decoded, unless it already yielded a packet (AH around an unsupported protocol, for one). */
  notDecoded(reason: NotDecodedReason): void {
    if (this.packets === 0) this.sink.notDecoded(this.frame, reason);
  }

  esp(packet: EspPacket): void {
    this.packets++;
    this.sink.esp(packet);
  }

  ah(packet: AhPacket): void {
    this.packets++;
    this.sink.ah(packet);
  }

  ike(datagram: IkeDatagram): void {
    this.packets++;
    this.sink.ike(datagram);
  }

  keepalive(packet: NatKeepalive): void {
    this.packets++;
    this.sink.keepalive(packet);
  }

  icmpError(packet: IcmpError): void {
    this.packets++;
    this.sink.icmpError(packet);
  }
}
