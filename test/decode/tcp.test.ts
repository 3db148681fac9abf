import { describe, expect, it } from 'vitest';
import { DEFAULT_DECODE_LIMITS } from '../../src/decode/types.js';
import type { CapturedFrame } from '../../src/types.js';
import { ADDRESS_B, ADDRESS_C, IKETCP_PREFIX, at, concat, esp, filler, frame, ikeMessage, ipv4, nonEspMarker, tcp, tcpMessage } from '../helpers/build.js';
import { decodeAll } from './sink.js';

// tshark 4.0 has no RFC 8229 dissector: it shows these segments as plain TCP on port 4500.

const CLIENT_PORT = 50123;
const ike = ikeMessage({ body: filler(60) });

/** Builds the segments of one connection; sequence numbers advance by themselves. */
class Connection {
  private clientSeq = 1000;
  private serverSeq = 9000;
  readonly frames: CapturedFrame[] = [];

  constructor(private readonly clientPort = CLIENT_PORT) {}

  handshake(): this {
    this.push(tcp(new Uint8Array(0), this.clientPort, 4500, { seq: this.clientSeq - 1, syn: true }), true);
    this.push(tcp(new Uint8Array(0), 4500, this.clientPort, { seq: this.serverSeq - 1, ack: this.clientSeq, syn: true }), false);
    return this;
  }

  /** Adds a client segment. A given `seq` replaces the next sequence number and does not advance it. */
  client(payload: Uint8Array, options: { seq?: number; fin?: boolean; rst?: boolean; cutTo?: number } = {}): this {
    const seq = options.seq ?? this.clientSeq;
    const segment = tcp(payload, this.clientPort, 4500, { seq, ack: this.serverSeq, fin: options.fin ?? false, rst: options.rst ?? false });
    if (options.seq === undefined) this.clientSeq += payload.length + (options.fin ? 1 : 0);
    this.push(segment, true, options.cutTo);
    return this;
  }

  /** Adds a server segment. */
  server(payload: Uint8Array, options: { fin?: boolean } = {}): this {
    const segment = tcp(payload, 4500, this.clientPort, { seq: this.serverSeq, ack: this.clientSeq, fin: options.fin ?? false });
    this.serverSeq += payload.length + (options.fin ? 1 : 0);
    this.push(segment, false);
    return this;
  }

  /** Moves the client's sequence number on as if `bytes` had been sent but not captured. */
  skip(bytes: number): this {
    this.clientSeq += bytes;
    return this;
  }

  private push(segment: Uint8Array, fromClient: boolean, cutTo?: number): void {
    const data = ipv4(segment, { protocol: 6, src: fromClient ? ADDRESS_C : ADDRESS_B, dst: fromClient ? ADDRESS_B : ADDRESS_C });
    const n = this.frames.length;
    this.frames.push(frame(cutTo === undefined ? data : data.subarray(0, cutTo), { linkType: 101, number: n + 1, time: at(n / 10), origLength: data.length }));
  }
}

describe('RFC 8229 TCP', () => {
  it('IKE after the IKETCP prefix', () => {
    const c = new Connection().handshake().client(concat(IKETCP_PREFIX, tcpMessage(nonEspMarker(ike))));
    const sink = decodeAll(c.frames);
    expect(sink.anomalies).toEqual([]);
    expect(sink.ikes.map((d) => [d.transport, d.srcPort, d.dstPort, d.nonEspMarker, d.missing])).toEqual([['tcp', CLIENT_PORT, 4500, true, 0]]);
    expect(sink.ikes[0]?.data).toEqual(ike);
  });

  it('message split over segments', () => {
    const bytes = concat(IKETCP_PREFIX, tcpMessage(nonEspMarker(ike)));
    const c = new Connection().handshake().client(bytes.subarray(0, 3)).client(bytes.subarray(3, 40)).client(bytes.subarray(40));
    const sink = decodeAll(c.frames);
    expect(sink.ikes.map((d) => d.ref.frame)).toEqual([5]);
    expect(sink.notDecodedReasons.map((r) => r.reason)).toEqual(['tcp-no-message', 'tcp-no-message', 'tcp-no-message', 'tcp-no-message']);
  });

  it('two ESP messages in one segment', () => {
    const c = new Connection().handshake().client(concat(tcpMessage(esp(0xc0ffee01, 1)), tcpMessage(esp(0xc0ffee01, 2))));
    const sink = decodeAll(c.frames);
    expect(sink.esps.map((p) => [p.encapsulation, p.seq, p.length])).toEqual([
      ['tcp', 1, 56],
      ['tcp', 2, 56],
    ]);
  });

  it('directions are framed apart', () => {
    const c = new Connection().handshake().client(tcpMessage(esp(1, 1)).subarray(0, 10)).server(tcpMessage(esp(2, 1))).client(tcpMessage(esp(1, 1)).subarray(10));
    const sink = decodeAll(c.frames);
    expect(sink.esps.map((p) => [p.spi, p.srcPort])).toEqual([
      [2, 4500],
      [1, CLIENT_PORT],
    ]);
  });

  it('retransmitted bytes are skipped', () => {
    const message = tcpMessage(esp(1, 7));
    const c = new Connection().handshake();
    c.client(message.subarray(0, 20));
    c.client(message.subarray(0, 20), { seq: 1000 });
    c.client(message.subarray(0, 30), { seq: 1000 });
    c.client(message.subarray(20), { seq: 1020 });
    const sink = decodeAll(c.frames);
    expect(sink.anomalies).toEqual([]);
    expect(sink.esps.map((p) => p.seq)).toEqual([7]);
  });

  it('stream joined without a SYN is followed', () => {
    const c = new Connection().client(tcpMessage(esp(1, 3)));
    const sink = decodeAll(c.frames);
    expect(sink.esps).toHaveLength(1);
  });

  it('gap resets the direction and framing restarts', () => {
    const c = new Connection().client(tcpMessage(esp(1, 1))).skip(58).client(tcpMessage(esp(1, 3)));
    const sink = decodeAll(c.frames);
    expect(sink.anomalies.map((a) => [a.layer, a.cause, a.frame])).toEqual([['tcp', 'truncated', 2]]);
    expect(sink.esps.map((p) => p.seq)).toEqual([1, 3]);
  });

  it('partial message before a gap is dropped', () => {
    const c = new Connection().client(tcpMessage(esp(1, 1)).subarray(0, 20)).skip(38).client(tcpMessage(esp(1, 2)));
    const sink = decodeAll(c.frames);
    expect(sink.esps.map((p) => p.seq)).toEqual([2]);
  });

  it('segment cut by the capture', () => {
    const c = new Connection().client(concat(tcpMessage(esp(1, 1)), tcpMessage(esp(1, 2))), { cutTo: 40 + 58 + 10 }).client(tcpMessage(esp(1, 3)));
    const sink = decodeAll(c.frames);
    expect(sink.esps.map((p) => p.seq)).toEqual([1, 3]);
    expect(sink.anomalies.map((a) => [a.cause, a.frame])).toEqual([['truncated', 1]]);
  });

  it('message cut off at capture end', () => {
    const c = new Connection().handshake().client(tcpMessage(esp(1, 1)).subarray(0, 30));
    const sink = decodeAll(c.frames);
    expect(sink.anomalies.map((a) => [a.layer, a.cause, a.frame])).toEqual([['tcp', 'truncated', 3]]);
  });

  it('FIN inside a message is reported', () => {
    const c = new Connection().handshake().client(tcpMessage(esp(1, 1)).subarray(0, 30), { fin: true });
    const sink = decodeAll(c.frames);
    expect(sink.anomalies.map((a) => a.reason)).toEqual(['stream closed inside a message: 30 bytes dropped']);
  });

  it('RST drops the connection quietly', () => {
    const c = new Connection().handshake().client(tcpMessage(esp(1, 1)).subarray(0, 30)).client(new Uint8Array(0), { rst: true });
    const sink = decodeAll(c.frames);
    expect(sink.anomalies).toEqual([]);
  });

  it('length below 2 loses the framing', () => {
    const c = new Connection().client(Uint8Array.of(0, 1, 0xaa, 0xbb));
    const sink = decodeAll(c.frames);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['tcp', 'malformed']]);
  });

  it('message too short for ESP is malformed and skipped', () => {
    const c = new Connection().client(concat(tcpMessage(Uint8Array.of(1, 2, 3)), tcpMessage(esp(1, 4))));
    const sink = decodeAll(c.frames);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['esp', 'malformed']]);
    expect(sink.esps.map((p) => p.seq)).toEqual([4]);
  });

  it('buffer limit drops the direction', () => {
    const c = new Connection().client(Uint8Array.of(0xff, 0xff)).client(filler(1000));
    const sink = decodeAll(c.frames, { ...DEFAULT_DECODE_LIMITS, maxTcpBufferBytes: 512 });
    expect(sink.anomalies.map((a) => [a.cause, a.frame])).toEqual([['limit', 2]]);
  });

  it('connection limit drops the oldest', () => {
    const frames = [50001, 50002, 50003].flatMap((port) => new Connection(port).client(tcpMessage(esp(1, 1)).subarray(0, 10)).frames);
    frames.forEach((f, i) => (f.frame = (i + 1) as typeof f.frame));
    const sink = decodeAll(frames, { ...DEFAULT_DECODE_LIMITS, maxTcpStreams: 2 });
    expect(sink.anomalies.map((a) => [a.cause, a.frame])).toEqual([
      ['limit', 1],
      ['truncated', 2],
      ['truncated', 3],
    ]);
  });

  it('other TCP ports are not IPsec', () => {
    const data = ipv4(tcp(tcpMessage(esp(1, 1)), 50000, 443, { seq: 1 }), { protocol: 6 });
    const sink = decodeAll([frame(data, { linkType: 101 })]);
    expect(sink.notDecodedReasons).toEqual([{ frame: 1, reason: 'not-ipsec' }]);
  });

  it('data offset below 20 is malformed', () => {
    const data = ipv4(tcp(filler(8), 50000, 4500, { seq: 1, headerLength: 12 }), { protocol: 6 });
    const sink = decodeAll([frame(data, { linkType: 101 })]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['tcp', 'malformed']]);
  });

  it('header with options cut by the capture is truncated', () => {
    const data = ipv4(tcp(filler(8), 50000, 4500, { seq: 1, headerLength: 32 }), { protocol: 6 });
    const sink = decodeAll([frame(data.subarray(0, 48), { linkType: 101, origLength: data.length })]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['tcp', 'truncated']]);
  });
});
