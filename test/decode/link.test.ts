import { describe, expect, it } from 'vitest';
import { ethernet, esp, frame, hex, ipv4, ipv6, loop, nullLink, sll, sll2 } from '../helpers/build.js';
import { decodeAll } from './sink.js';

// Each fixture is one frame carrying IPv4 or IPv6 ESP with SPI 0xc0ffee01;
// the note gives tshark 4.0's one-line summary of it.
const fixtures: { name: string; linkType: number; hex: string; version: 4 | 6; seq: number }[] = [
  {
    // tshark: 192.0.2.1 → 198.51.100.2 ESP 46 ESP (SPI=0xc0ffee01)
    name: 'Ethernet II',
    linkType: 1,
    hex: '02000000000b02000000000a0800 450000201234000040327c41c0000201c6336402 c0ffee010000000101020304',
    version: 4,
    seq: 1,
  },
  {
    // tshark: 192.0.2.1 → 198.51.100.2 ESP 54 ESP (SPI=0xc0ffee01), under 802.1ad VLAN 100 and 802.1Q VLAN 10
    name: 'Ethernet with QinQ tags',
    linkType: 1,
    hex: '02000000000b02000000000a 88a80064 8100000a 0800 450000201234000040327c41c0000201c6336402 c0ffee010000000201020304',
    version: 4,
    seq: 2,
  },
  {
    // tshark: 192.0.2.1 → 198.51.100.2 ESP 48 ESP (SPI=0xc0ffee01)
    name: 'Linux cooked v1',
    linkType: 113,
    hex: '0004 0001 0006 02000000000a0000 0800 450000201234000040327c41c0000201c6336402 c0ffee010000000301020304',
    version: 4,
    seq: 3,
  },
  {
    // tshark: 2001:db8::1 → 2001:db8:1::2 ESP 72 ESP (SPI=0xc0ffee01)
    name: 'Linux cooked v2',
    linkType: 276,
    hex: '86dd 0000 00000002 0001 04 06 02000000000a0000 60000000000c324020010db800000000000000000000000120010db8000100000000000000000002 c0ffee010000000401020304',
    version: 6,
    seq: 4,
  },
  {
    // tshark: 192.0.2.1 → 198.51.100.2 ESP 36 ESP (SPI=0xc0ffee01)
    name: 'NULL, little-endian family',
    linkType: 0,
    hex: '02000000 450000201234000040327c41c0000201c6336402 c0ffee010000000501020304',
    version: 4,
    seq: 5,
  },
  {
    // tshark: 2001:db8::1 → 2001:db8:1::2 ESP 56 ESP (SPI=0xc0ffee01)
    name: 'NULL, big-endian family 24',
    linkType: 0,
    hex: '00000018 60000000000c324020010db800000000000000000000000120010db8000100000000000000000002 c0ffee010000000601020304',
    version: 6,
    seq: 6,
  },
  {
    // tshark: 192.0.2.1 → 198.51.100.2 ESP 36 ESP (SPI=0xc0ffee01)
    name: 'LOOP',
    linkType: 108,
    hex: '00000002 450000201234000040327c41c0000201c6336402 c0ffee010000000701020304',
    version: 4,
    seq: 7,
  },
  {
    // tshark: 192.0.2.1 → 198.51.100.2 ESP 32 ESP (SPI=0xc0ffee01)
    name: 'raw IP',
    linkType: 101,
    hex: '450000201234000040327c41c0000201c6336402 c0ffee010000000801020304',
    version: 4,
    seq: 8,
  },
];

describe('link layers', () => {
  for (const fixture of fixtures) {
    it(`${fixture.name} yields the ESP packet`, () => {
      const sink = decodeAll([frame(hex(fixture.hex), { linkType: fixture.linkType })]);
      expect(sink.anomalies).toEqual([]);
      expect(sink.esps).toHaveLength(1);
      expect(sink.esps[0]!.spi).toBe(0xc0ffee01);
      expect(sink.esps[0]!.seq).toBe(fixture.seq);
      expect(sink.esps[0]!.ip.version).toBe(fixture.version);
    });
  }

  const ip4 = ipv4(esp(0xc0ffee01, 1), { protocol: 50 });
  const ip6 = ipv6(esp(0xc0ffee01, 1), { nextHeader: 50 });

  it('raw IP link types 12, 14, 228, 229', () => {
    const sink = decodeAll([
      frame(ip4, { linkType: 12 }),
      frame(ip6, { linkType: 14 }),
      frame(ip4, { linkType: 228 }),
      frame(ip6, { linkType: 229 }),
    ]);
    expect(sink.esps.map((p) => p.ip.version)).toEqual([4, 6, 4, 6]);
  });

  it('link type 228 rejects an IPv6 packet', () => {
    const sink = decodeAll([frame(ip6, { linkType: 228 })]);
    expect(sink.esps).toHaveLength(0);
    expect(sink.anomalies[0]?.layer).toBe('ipv4');
    expect(sink.anomalies[0]?.cause).toBe('malformed');
  });

  it('NULL accepts every IPv6 family value', () => {
    const sink = decodeAll([10, 23, 24, 28, 30].map((family) => frame(nullLink(ip6, family, true), { linkType: 0 })));
    expect(sink.esps).toHaveLength(5);
  });

  it('NULL reads a big-endian IPv4 family', () => {
    const sink = decodeAll([frame(nullLink(ip4, 2, false), { linkType: 0 })]);
    expect(sink.esps).toHaveLength(1);
  });

  it('LOOP reads the family in network byte order', () => {
    const sink = decodeAll([frame(loop(ip6, 24), { linkType: 108 })]);
    expect(sink.esps).toHaveLength(1);
  });

  it('NULL with another family is not IP', () => {
    const sink = decodeAll([frame(nullLink(ip4, 7, true), { linkType: 0 })]);
    expect(sink.notDecodedReasons).toEqual([{ frame: 1, reason: 'not-ip' }]);
  });

  it('unsupported link type is reported as such', () => {
    const sink = decodeAll([frame(ip4, { linkType: 147 })]);
    expect(sink.notDecodedReasons).toEqual([{ frame: 1, reason: 'link-type-unsupported' }]);
  });

  it('non-IP EtherType is not IP', () => {
    const sink = decodeAll([frame(ethernet(new Uint8Array(28), { type: 0x0806 }))]);
    expect(sink.notDecodedReasons).toEqual([{ frame: 1, reason: 'not-ip' }]);
  });

  it('0x9100 outer tag is followed', () => {
    const sink = decodeAll([frame(ethernet(ip4, { tags: [{ tpid: 0x9100, id: 5 }, { tpid: 0x8100, id: 6 }] }))]);
    expect(sink.esps).toHaveLength(1);
  });

  it('nine stacked VLAN tags are malformed', () => {
    const tags = Array.from({ length: 9 }, (_, i) => ({ tpid: 0x8100, id: i + 1 }));
    const sink = decodeAll([frame(ethernet(ip4, { tags }))]);
    expect(sink.esps).toHaveLength(0);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['vlan', 'malformed']]);
  });

  it('802.3 frame with LLC/SNAP carries IP', () => {
    const llc = hex('aa aa 03 000000 0800');
    const data = ethernet(new Uint8Array([...llc, ...ip4]), { type: llc.length + ip4.length });
    const sink = decodeAll([frame(data)]);
    expect(sink.esps).toHaveLength(1);
  });

  it('802.3 frame without SNAP is not IP', () => {
    const sink = decodeAll([frame(ethernet(hex('42 42 03 00 00 00 00 00'), { type: 8 }))]);
    expect(sink.notDecodedReasons).toEqual([{ frame: 1, reason: 'not-ip' }]);
  });

  it('Linux cooked v1 follows a VLAN protocol field', () => {
    const sink = decodeAll([frame(sll(new Uint8Array([0, 10, 0x08, 0x00, ...ip4]), 0x8100), { linkType: 113 })]);
    expect(sink.esps).toHaveLength(1);
  });

  it('Linux cooked v2 netlink frame is not IP', () => {
    const sink = decodeAll([frame(sll2(ip4, 0x0800, 824), { linkType: 276 })]);
    expect(sink.notDecodedReasons).toEqual([{ frame: 1, reason: 'not-ip' }]);
  });

  it('Ethernet header cut by the capture is truncated', () => {
    const data = ethernet(ip4);
    const sink = decodeAll([frame(data.subarray(0, 10), { origLength: data.length })]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['ethernet', 'truncated']]);
  });

  it('Ethernet frame shorter than header', () => {
    const sink = decodeAll([frame(hex('02000000000b0200'))]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['ethernet', 'malformed']]);
  });
});
