import { describe, expect, it } from 'vitest';
import { ADDRESS6_A, ADDRESS6_B, ADDRESS_A, ADDRESS_B, ah, esp, filler, frame, hex, icmp, icmpv6, ipv4, ipv6, nonEspMarker, udp, ikeMessage } from '../helpers/build.js';
import { decodeAll } from './sink.js';

const RAW = { linkType: 101 };
const fromB = { protocol: 1, src: ADDRESS_B, dst: ADDRESS_A };

describe('ICMP errors', () => {
  it('protocol unreachable quoting ESP gives the SPI', () => {
    // tshark: 198.51.100.2 → 192.0.2.1 ICMP 56 Destination unreachable (Protocol unreachable)
    const sink = decodeAll([
      frame(hex('450000381234000040017c5ac6336402c0000201 03024def00000000 450000201234000040327c41c0000201c6336402 c0ffee010000000d'), RAW),
    ]);
    expect(sink.icmpErrors).toEqual([
      {
        kind: 'icmp-error',
        ref: { input: 0, frame: 1, time: { sec: 1_700_000_000, nsec: 0, digits: 6 } },
        ip: { version: 4, src: '198.51.100.2', dst: '192.0.2.1', reassembled: false },
        icmpVersion: 4,
        icmpType: 3,
        icmpCode: 2,
        pointer: null,
        quoted: { version: 4, src: '192.0.2.1', dst: '198.51.100.2', protocol: 50, protocolOffset: 9, srcPort: null, dstPort: null, spi: 0xc0ffee01, seq: 13 },
      },
    ]);
  });

  it('quoted ESP is never emitted as ESP', () => {
    const sink = decodeAll([frame(ipv4(icmp(3, 2, ipv4(esp(0xc0ffee01, 1), { protocol: 50 })), fromB), RAW)]);
    expect(sink.esps).toHaveLength(0);
  });

  it('quoted ESP in UDP gives SPI', () => {
    const quoted = ipv4(udp(esp(0xc0ffee01, 2), 4500, 4500), { protocol: 17 });
    const sink = decodeAll([frame(ipv4(icmp(3, 3, quoted), fromB), RAW)]);
    expect(sink.icmpErrors[0]?.quoted).toMatchObject({ protocol: 17, srcPort: 4500, dstPort: 4500, spi: 0xc0ffee01 });
  });

  it('quote of 8 UDP bytes gives ports only', () => {
    const quoted = ipv4(udp(esp(0xc0ffee01, 2), 4500, 4500), { protocol: 17 }).subarray(0, 28);
    const sink = decodeAll([frame(ipv4(icmp(3, 3, quoted), fromB), RAW)]);
    expect(sink.icmpErrors[0]?.quoted).toMatchObject({ srcPort: 4500, dstPort: 4500, spi: null });
  });

  it('quoted non-ESP marker gives no SPI', () => {
    const quoted = ipv4(udp(nonEspMarker(ikeMessage()), 4500, 4500), { protocol: 17 });
    const sink = decodeAll([frame(ipv4(icmp(3, 3, quoted), fromB), RAW)]);
    expect(sink.icmpErrors[0]?.quoted?.spi).toBeNull();
  });

  it('quoted UDP 500 gives no SPI', () => {
    const quoted = ipv4(udp(ikeMessage(), 500, 500), { protocol: 17 });
    const sink = decodeAll([frame(ipv4(icmp(3, 3, quoted), fromB), RAW)]);
    expect(sink.icmpErrors[0]?.quoted).toMatchObject({ srcPort: 500, spi: null });
  });

  it('quoted AH gives the AH SPI', () => {
    const quoted = ipv4(ah(50, 0xab01, 3, esp(1, 3)), { protocol: 51 }).subarray(0, 28);
    const sink = decodeAll([frame(ipv4(icmp(11, 0, quoted), fromB), RAW)]);
    expect(sink.icmpErrors[0]?.quoted).toMatchObject({ protocol: 51, spi: 0xab01 });
  });

  it('quoted non-first fragment gives no ports', () => {
    const quoted = ipv4(udp(esp(1, 1), 4500, 4500), { protocol: 17, fragmentOffset: 8, keepTransportChecksum: true });
    const sink = decodeAll([frame(ipv4(icmp(3, 3, quoted), fromB), RAW)]);
    expect(sink.icmpErrors[0]?.quoted).toMatchObject({ srcPort: null, spi: null });
  });

  it('quote without a whole IP header is reported', () => {
    const sink = decodeAll([frame(ipv4(icmp(3, 3, filler(12)), fromB), RAW)]);
    expect(sink.icmpErrors[0]?.quoted).toBeNull();
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['icmp', 'malformed']]);
  });

  it('echo reply is not IPsec', () => {
    const sink = decodeAll([frame(ipv4(icmp(0, 0, filler(16)), fromB), RAW)]);
    expect(sink.notDecodedReasons).toEqual([{ frame: 1, reason: 'not-ipsec' }]);
  });

  it('header cut by the capture is truncated', () => {
    const data = ipv4(icmp(3, 3, filler(28)), fromB);
    const sink = decodeAll([frame(data.subarray(0, 24), { ...RAW, origLength: data.length })]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['icmp', 'truncated']]);
  });
});

describe('ICMPv6 errors', () => {
  it('destination unreachable quoting ESP gives the SPI', () => {
    // tshark: 2001:db8:1::2 → 2001:db8::1 ICMPv6 100 Destination Unreachable (Port unreachable)
    const sink = decodeAll([
      frame(
        hex(
          '60000000003c3a4020010db800010000000000000000000220010db8000000000000000000000001 0104023700000000' +
            '60000000000c324020010db800000000000000000000000120010db8000100000000000000000002 c0ffee010000000e01020304',
        ),
        RAW,
      ),
    ]);
    expect(sink.icmpErrors.map((e) => [e.icmpVersion, e.icmpType, e.icmpCode])).toEqual([[6, 1, 4]]);
    expect(sink.icmpErrors[0]?.quoted).toEqual({ version: 6, src: '2001:db8::1', dst: '2001:db8:1::2', protocol: 50, protocolOffset: 6, srcPort: null, dstPort: null, spi: 0xc0ffee01, seq: 14 });
    expect(sink.icmpErrors[0]?.pointer).toBeNull();
  });

  it('packet too big quoting ESP behind extension headers', () => {
    const quoted = ipv6(esp(0xc0ffee01, 1), { nextHeader: 50, extensions: [{ type: 0 }, { type: 60 }] });
    const sink = decodeAll([frame(ipv6(icmpv6(2, 0, quoted, 1280), { nextHeader: 58, src: ADDRESS6_B, dst: ADDRESS6_A }), RAW)]);
    expect(sink.icmpErrors[0]?.quoted).toMatchObject({ protocol: 50, spi: 0xc0ffee01 });
    // The Next Header that names ESP is the first byte of the Destination Options header, after 40 + 8 bytes.
    expect(sink.icmpErrors[0]?.quoted?.protocolOffset).toBe(48);
  });

  it('quoted first fragment gives the UDP ports', () => {
    const quoted = ipv6(udp(esp(7, 1), 4500, 4500), { nextHeader: 17, extensions: [{ type: 44, offset: 0, more: true, id: 1 }] });
    const sink = decodeAll([frame(ipv6(icmpv6(3, 1, quoted), { nextHeader: 58, src: ADDRESS6_B, dst: ADDRESS6_A }), RAW)]);
    expect(sink.icmpErrors[0]?.quoted).toMatchObject({ protocol: 17, srcPort: 4500, spi: 7 });
  });

  it('parameter problem quoting AH gives the AH SPI', () => {
    const quoted = ipv6(ah(58, 0, 0, icmpv6(128, 0, filler(8)), 4), { nextHeader: 51 });
    const sink = decodeAll([frame(ipv6(icmpv6(4, 1, quoted, 40), { nextHeader: 58, src: ADDRESS6_B, dst: ADDRESS6_A }), RAW)]);
    expect(sink.icmpErrors[0]?.quoted).toMatchObject({ protocol: 51, protocolOffset: 6, spi: 0 });
    expect(sink.icmpErrors[0]?.pointer).toBe(40);
    expect(sink.ahs).toHaveLength(0);
  });

  it('echo request is not IPsec', () => {
    const sink = decodeAll([frame(ipv6(icmpv6(128, 0, filler(8)), { nextHeader: 58 }), RAW)]);
    expect(sink.notDecodedReasons).toEqual([{ frame: 1, reason: 'not-ipsec' }]);
  });

  it('quote with an IPv4 header is reported', () => {
    const sink = decodeAll([frame(ipv6(icmpv6(1, 0, ipv4(esp(1, 1), { protocol: 50 })), { nextHeader: 58 }), RAW)]);
    expect(sink.icmpErrors[0]?.quoted).toBeNull();
    expect(sink.anomalies.map((a) => a.layer)).toEqual(['icmpv6']);
  });
});
