// A PacketSink that records everything, and a helper that decodes frames into it.

import { Decoder } from '../../src/decode/decoder.js';
import type { DecodeLimits, PacketSink } from '../../src/decode/types.js';
import type { AhPacket, Anomaly, CapturedFrame, EspPacket, IcmpError, IkeDatagram, NatKeepalive } from '../../src/types.js';

/** Everything a Decoder sent to its sink, in order per kind. */
export class RecordingSink implements PacketSink {
  readonly esps: EspPacket[] = [];
  readonly ahs: AhPacket[] = [];
  readonly ikes: IkeDatagram[] = [];
  readonly keepalives: NatKeepalive[] = [];
  readonly icmpErrors: IcmpError[] = [];
  readonly anomalies: Anomaly[] = [];
  readonly notDecodedReasons: { frame: number; reason: string }[] = [];

  esp(packet: EspPacket): void {
    this.esps.push(packet);
  }
  ah(packet: AhPacket): void {
    this.ahs.push(packet);
  }
  ike(datagram: IkeDatagram): void {
    this.ikes.push(datagram);
  }
  keepalive(packet: NatKeepalive): void {
    this.keepalives.push(packet);
  }
  icmpError(packet: IcmpError): void {
    this.icmpErrors.push(packet);
  }
  anomaly(anomaly: Anomaly): void {
    this.anomalies.push(anomaly);
  }
  notDecoded(frame: CapturedFrame, reason: string): void {
    this.notDecodedReasons.push({ frame: frame.frame, reason });
  }

  /** Packets of every kind. */
  get packets(): number {
    return this.esps.length + this.ahs.length + this.ikes.length + this.keepalives.length + this.icmpErrors.length;
  }
}

/** Decodes the frames in order, flushes, and returns what the sink received. */
export function decodeAll(frames: CapturedFrame[], limits?: DecodeLimits): RecordingSink {
  const sink = new RecordingSink();
  const decoder = new Decoder(sink, limits);
  for (const f of frames) decoder.decode(f);
  decoder.flush();
  return sink;
}
