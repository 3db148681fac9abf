import { describe, expect, it } from 'vitest';
import { formatIpv4, formatIpv6 } from '../../src/decode/address.js';
import { concat, esp, ethernet, frame, hex, ipv4, ipv6, ipv6Address, udp, NAT_KEEPALIVE } from '../helpers/build.js';
import { decodeAll } from './sink.js';

const RAW = { linkType: 101 };

describe('IPv4', () => {
  it('header with options yields the ESP packet', () => {
    // tshark: 192.0.2.1 → 198.51.100.2 ESP 36 ESP (SPI=0xc0ffee01), with a Router Alert option
    const sink = decodeAll([frame(hex('46000024123400004032e738c0000201c633640294040000 c0ffee010000000901020304'), RAW)]);
    expect(sink.anomalies).toEqual([]);
    expect(sink.esps[0]?.seq).toBe(9);
    expect(sink.esps[0]?.ip).toEqual({ version: 4, src: '192.0.2.1', dst: '198.51.100.2', reassembled: false });
  });

  it('ESP length ignores Ethernet padding', () => {
    const packet = ipv4(esp(0xc0ffee01, 1, 0), { protocol: 50 });
    const sink = decodeAll([frame(ethernet(concat(packet, new Uint8Array(18))))]);
    expect(sink.esps[0]?.length).toBe(8);
  });

  it('keepalive in a padded frame stays a keepalive', () => {
    const packet = ipv4(udp(NAT_KEEPALIVE, 4500, 4500), { protocol: 17 });
    const sink = decodeAll([frame(ethernet(concat(packet, new Uint8Array(17))))]);
    expect(sink.keepalives).toHaveLength(1);
  });

  it('header length below 20 is malformed', () => {
    const sink = decodeAll([frame(ipv4(esp(1000, 1), { protocol: 50, headerLength: 16 }), RAW)]);
    expect(sink.esps).toHaveLength(0);
    expect(sink.anomalies.map((a) => [a.layer, a.cause, a.reason])).toEqual([['ipv4', 'malformed', 'header length 16 is below the minimum of 20']]);
  });

  it('total length below the header length is malformed', () => {
    const sink = decodeAll([frame(ipv4(esp(1000, 1), { protocol: 50, totalLength: 12 }), RAW)]);
    expect(sink.esps).toHaveLength(0);
    expect(sink.anomalies[0]?.cause).toBe('malformed');
  });

  it('total length beyond whole frame', () => {
    const sink = decodeAll([frame(ipv4(esp(1000, 1), { protocol: 50, totalLength: 400 }), RAW)]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['ipv4', 'malformed']]);
    expect(sink.esps[0]?.length).toBe(380);
  });

  it('total length beyond cut frame', () => {
    const packet = ipv4(esp(1000, 1, 200), { protocol: 50 });
    const sink = decodeAll([frame(packet.subarray(0, 40), { ...RAW, origLength: packet.length })]);
    expect(sink.anomalies).toEqual([]);
    expect(sink.esps[0]?.length).toBe(208);
  });

  it('total length zero runs to frame end', () => {
    const sink = decodeAll([frame(ipv4(esp(1000, 1, 8), { protocol: 50, totalLength: 0 }), RAW)]);
    expect(sink.anomalies).toEqual([]);
    expect(sink.esps[0]?.length).toBe(16);
  });

  it('bad option length is reported', () => {
    const sink = decodeAll([frame(ipv4(esp(1000, 1), { protocol: 50, options: Uint8Array.of(0x07, 40, 4, 0) }), RAW)]);
    expect(sink.anomalies.map((a) => [a.layer, a.reason])).toEqual([['ipv4', 'option 7 has invalid length 40']]);
    expect(sink.esps).toHaveLength(1);
  });

  it('options cut by the capture are truncated', () => {
    const packet = ipv4(esp(1000, 1), { protocol: 50, options: new Uint8Array(8) });
    const sink = decodeAll([frame(packet.subarray(0, 24), { ...RAW, origLength: packet.length })]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['ipv4', 'truncated']]);
  });

  it('version 5 behind EtherType IPv4 is malformed', () => {
    const packet = ipv4(esp(1000, 1), { protocol: 50 });
    packet[0] = 0x55;
    const sink = decodeAll([frame(ethernet(packet, { type: 0x0800 }))]);
    expect(sink.anomalies.map((a) => [a.layer, a.reason])).toEqual([['ipv4', 'version field is 5, expected 4']]);
  });

  it('raw IP with an unknown version is malformed', () => {
    const sink = decodeAll([frame(hex('7500'), RAW)]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['ip', 'malformed']]);
  });

  it('empty raw IP frame is reported', () => {
    const sink = decodeAll([frame(new Uint8Array(0), RAW)]);
    expect(sink.anomalies.map((a) => a.layer)).toEqual(['ip']);
  });

  it('IP-in-IP carries the inner ESP with inner addresses', () => {
    const inner = ipv4(esp(0xabc, 3), { protocol: 50, src: '10.0.0.1', dst: '10.0.0.2' });
    const sink = decodeAll([frame(ipv4(inner, { protocol: 4 }), RAW)]);
    expect(sink.esps[0]?.ip.src).toBe('10.0.0.1');
  });

  it('IPv6 inside IPv4 is followed', () => {
    const inner = ipv6(esp(0xabc, 3), { nextHeader: 50 });
    const sink = decodeAll([frame(ipv4(inner, { protocol: 41 }), RAW)]);
    expect(sink.esps[0]?.ip.version).toBe(6);
  });

  it('IP-in-IP nesting is bounded', () => {
    let packet = ipv4(esp(0xabc, 3), { protocol: 50 });
    for (let i = 0; i < 6; i++) packet = ipv4(packet, { protocol: 4 });
    const sink = decodeAll([frame(packet, RAW)]);
    expect(sink.esps).toHaveLength(0);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['ip', 'malformed']]);
  });

  it('unknown protocol is not IPsec', () => {
    const sink = decodeAll([frame(ipv4(new Uint8Array(8), { protocol: 89 }), RAW)]);
    expect(sink.notDecodedReasons).toEqual([{ frame: 1, reason: 'not-ipsec' }]);
  });

  it('GRE is reported as a tunnel', () => {
    const sink = decodeAll([frame(ipv4(concat(hex('00000800'), ipv4(esp(1, 1), { protocol: 50 })), { protocol: 47 }), RAW)]);
    expect(sink.notDecodedReasons).toEqual([{ frame: 1, reason: 'tunnel-gre' }]);
  });
});

describe('IPv6', () => {
  it('extension headers before ESP are skipped', () => {
    // tshark: 2001:db8::1 → 2001:db8:1::2 ESP 76 ESP (SPI=0xc0ffee01), behind Hop-by-Hop, Routing and Destination Options
    const sink = decodeAll([
      frame(
        hex(
          '600000000024004020010db800000000000000000000000120010db8000100000000000000000002' +
            '2b00010400000000 3c00000000000000 3200010400000000 c0ffee010000000a01020304',
        ),
        RAW,
      ),
    ]);
    expect(sink.anomalies).toEqual([]);
    expect(sink.esps[0]?.seq).toBe(10);
    expect(sink.esps[0]?.length).toBe(12);
  });

  it('Hop-by-Hop after another header is malformed but skipped', () => {
    const sink = decodeAll([frame(ipv6(esp(1, 1), { nextHeader: 50, extensions: [{ type: 60 }, { type: 0 }] }), RAW)]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['ipv6', 'malformed']]);
    expect(sink.esps).toHaveLength(1);
  });

  it('32 extension headers are followed', () => {
    const extensions = Array.from({ length: 32 }, () => ({ type: 60 as const }));
    const sink = decodeAll([frame(ipv6(esp(1, 1), { nextHeader: 50, extensions }), RAW)]);
    expect(sink.esps).toHaveLength(1);
  });

  it('more than 32 extension headers are malformed', () => {
    const extensions = Array.from({ length: 33 }, () => ({ type: 60 as const }));
    const sink = decodeAll([frame(ipv6(esp(1, 1), { nextHeader: 50, extensions }), RAW)]);
    expect(sink.esps).toHaveLength(0);
    expect(sink.anomalies.map((a) => a.reason)).toEqual(['more than 32 extension headers']);
  });

  it('extension header cut by the capture is truncated', () => {
    const packet = ipv6(esp(1, 1), { nextHeader: 50, extensions: [{ type: 60, length: 2 }] });
    const sink = decodeAll([frame(packet.subarray(0, 50), { ...RAW, origLength: packet.length })]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['ipv6', 'truncated']]);
  });

  it('extension header past the payload length is malformed', () => {
    const packet = ipv6(esp(1, 1), { nextHeader: 50, extensions: [{ type: 60, length: 2 }], payloadLength: 16 });
    const sink = decodeAll([frame(packet.subarray(0, 56), RAW)]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['ipv6', 'malformed']]);
  });

  it('payload length beyond a whole frame is malformed', () => {
    const sink = decodeAll([frame(ipv6(esp(1, 1), { nextHeader: 50, payloadLength: 500 }), RAW)]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['ipv6', 'malformed']]);
    expect(sink.esps[0]?.length).toBe(500);
  });

  it('header cut by the capture is truncated', () => {
    const packet = ipv6(esp(1, 1), { nextHeader: 50 });
    const sink = decodeAll([frame(packet.subarray(0, 30), { ...RAW, origLength: packet.length })]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['ipv6', 'truncated']]);
  });

  it('No Next Header is not IPsec', () => {
    const sink = decodeAll([frame(ipv6(new Uint8Array(0), { nextHeader: 59 }), RAW)]);
    expect(sink.notDecodedReasons).toEqual([{ frame: 1, reason: 'not-ipsec' }]);
  });
});

describe('address text', () => {
  const cases: [string, string][] = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
    ['2001:0db8:0000:0001:0000:0000:0000:0001', '2001:db8:0:1::1'],
    ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
    ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
    ['fe80:0000:0000:0000:0000:0000:0000:0000', 'fe80::'],
    ['2001:0db8:0000:0001:0001:0001:0001:0001', '2001:db8:0:1:1:1:1:1'],
    ['0000:0000:0000:0000:0000:ffff:c000:0201', '::ffff:192.0.2.1'],
    ['2001:0db8:abcd:0012:0000:0000:0000:0000', '2001:db8:abcd:12::'],
  ];
  for (const [full, expected] of cases) {
    it(`IPv6 ${expected} follows RFC 5952`, () => {
      const bytes = ipv6Address(full.replace(/(^|:)0+(?=[0-9a-f])/g, '$1'));
      expect(formatIpv6(bytes, 0)).toBe(expected);
    });
  }

  it('IPv6 cache tells apart addresses in one slot', () => {
    const a = ipv6Address('2001:db8::1');
    const b = ipv6Address('2001:db8::2');
    expect([formatIpv6(a, 0), formatIpv6(b, 0), formatIpv6(a, 0)]).toEqual(['2001:db8::1', '2001:db8::2', '2001:db8::1']);
  });

  it('IPv4 is dotted decimal', () => {
    expect(formatIpv4(hex('c0000201'), 0)).toBe('192.0.2.1');
  });
});
