import { describe, expect, it } from 'vitest';
import { ah, concat, esp, filler, frame, hex, ipv4, ipv6, udp, ikeMessage } from '../helpers/build.js';
import { decodeAll } from './sink.js';

const RAW = { linkType: 101 };

describe('ESP', () => {
  it('header gives SPI, sequence number and length', () => {
    // tshark: 192.0.2.1 → 198.51.100.2 ESP 32 ESP (SPI=0xc0ffee01), sequence 8
    const sink = decodeAll([frame(hex('450000201234000040327c41c0000201c6336402 c0ffee010000000801020304'), RAW)]);
    expect(sink.esps).toEqual([
      {
        kind: 'esp',
        ref: { input: 0, frame: 1, time: { sec: 1_700_000_000, nsec: 0, digits: 6 } },
        ip: { version: 4, src: '192.0.2.1', dst: '198.51.100.2', reassembled: false },
        encapsulation: 'none',
        srcPort: 0,
        dstPort: 0,
        spi: 0xc0ffee01,
        seq: 8,
        length: 12,
      },
    ]);
  });

  it('SPI 0 and reserved SPIs are passed on', () => {
    const sink = decodeAll([0, 1, 255, 256].map((spi, i) => frame(ipv4(esp(spi, 1), { protocol: 50 }), { ...RAW, number: i + 1 })));
    expect(sink.esps.map((p) => p.spi)).toEqual([0, 1, 255, 256]);
  });

  it('SPI beginning 0xff is unsigned', () => {
    const sink = decodeAll([frame(ipv4(esp(0xff3b6603, 0xfffffffe), { protocol: 50 }), RAW)]);
    expect([sink.esps[0]?.spi, sink.esps[0]?.seq]).toEqual([0xff3b6603, 0xfffffffe]);
  });

  it('header cut by the capture is truncated', () => {
    const packet = ipv4(esp(1000, 1), { protocol: 50 });
    const sink = decodeAll([frame(packet.subarray(0, 26), { ...RAW, origLength: packet.length })]);
    expect(sink.esps).toHaveLength(0);
    expect(sink.anomalies.map((a) => [a.layer, a.cause, a.offset])).toEqual([['esp', 'truncated', 20]]);
  });

  it('payload shorter than the header is malformed', () => {
    const sink = decodeAll([frame(ipv4(hex('c0ffee01'), { protocol: 50 }), RAW)]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['esp', 'malformed']]);
  });

  it('packet objects share one frame reference', () => {
    const sink = decodeAll([frame(ipv4(ah(50, 7, 1, esp(8, 1)), { protocol: 51 }), RAW)]);
    expect(sink.ahs[0]?.ref).toBe(sink.esps[0]?.ref);
  });
});

describe('AH', () => {
  it('AH followed by ESP yields both packets', () => {
    // tshark: 192.0.2.1 → 198.51.100.2 ESP 56 ESP (SPI=0xc0ffee01), with AH SPI 0x0000ab01 before it
    const sink = decodeAll([
      frame(hex('450000381234000040337c28c0000201c6336402 320400000000ab0100000001a0a1a2a3a4a5a6a7a8a9aaab c0ffee010000000c01020304'), RAW),
    ]);
    expect(sink.anomalies).toEqual([]);
    expect(sink.ahs.map((p) => [p.spi, p.seq, p.nextHeader, p.headerLength, p.length])).toEqual([[0xab01, 1, 50, 24, 36]]);
    expect(sink.esps.map((p) => [p.spi, p.seq, p.length])).toEqual([[0xc0ffee01, 12, 12]]);
  });

  it('AH over unknown protocol still yields AH only', () => {
    const sink = decodeAll([frame(ipv4(ah(89, 0x100, 2, filler(20)), { protocol: 51 }), RAW)]);
    expect(sink.ahs).toHaveLength(1);
    expect(sink.notDecodedReasons).toEqual([]);
  });

  it('AH tunnel mode leads to the inner IKE datagram', () => {
    const inner = ipv4(udp(ikeMessage(), 500, 500), { protocol: 17, src: '10.0.0.1', dst: '10.0.0.2' });
    const sink = decodeAll([frame(ipv4(ah(4, 0x100, 2, inner), { protocol: 51 }), RAW)]);
    expect(sink.ikes.map((d) => d.ip.src)).toEqual(['10.0.0.1']);
  });

  it('AH then Destination Options then ESP over IPv6', () => {
    const after = concat(hex('32 00 01 04 00 00 00 00'), esp(0xc0ffee01, 3));
    const sink = decodeAll([frame(ipv6(ah(60, 0xab01, 1, after), { nextHeader: 51 }), RAW)]);
    expect(sink.anomalies).toEqual([]);
    expect(sink.esps.map((p) => p.seq)).toEqual([3]);
  });

  it('IPv6 AH length not multiple of 8', () => {
    const sink = decodeAll([frame(ipv6(ah(50, 0xab01, 1, esp(1, 1), 8), { nextHeader: 51 }), RAW)]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause, a.reason])).toEqual([['ah', 'malformed', 'header length 20 is not a multiple of 8 as IPv6 requires']]);
    expect(sink.esps).toHaveLength(1);
  });

  it('IPv4 AH length multiple of 4', () => {
    const sink = decodeAll([frame(ipv4(ah(50, 0xab01, 1, esp(1, 1), 8), { protocol: 51 }), RAW)]);
    expect(sink.anomalies).toEqual([]);
  });

  it('payload length 0 is malformed', () => {
    const sink = decodeAll([frame(ipv4(concat(hex('32000000 0000ab01 00000001'), esp(1, 1)), { protocol: 51 }), RAW)]);
    expect(sink.ahs[0]?.headerLength).toBe(8);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['ah', 'malformed']]);
    expect(sink.esps).toHaveLength(0);
  });

  it('header longer than the IP payload is malformed', () => {
    const sink = decodeAll([frame(ipv4(concat(hex('323c0000 0000ab01 00000001'), filler(8)), { protocol: 51 }), RAW)]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['ah', 'malformed']]);
  });

  it('ICV cut by the capture', () => {
    const packet = ipv4(ah(50, 0xab01, 1, esp(1, 1)), { protocol: 51 });
    const sink = decodeAll([frame(packet.subarray(0, 36), { ...RAW, origLength: packet.length })]);
    expect(sink.ahs).toHaveLength(1);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['ah', 'truncated']]);
  });

  it('fixed part cut by the capture yields no AH', () => {
    const packet = ipv4(ah(50, 0xab01, 1, esp(1, 1)), { protocol: 51 });
    const sink = decodeAll([frame(packet.subarray(0, 28), { ...RAW, origLength: packet.length })]);
    expect(sink.ahs).toHaveLength(0);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['ah', 'truncated']]);
  });

  it('chain of AH headers is bounded', () => {
    let inner: Uint8Array = esp(1, 1);
    for (let i = 0; i < 5; i++) inner = ah(i === 0 ? 50 : 51, 0x100 + i, 1, inner);
    const sink = decodeAll([frame(ipv4(inner, { protocol: 51 }), RAW)]);
    expect(sink.ahs).toHaveLength(4);
    expect(sink.anomalies.map((a) => a.reason)).toEqual(['more than 4 AH headers in a row']);
  });
});
