import { describe, expect, it } from 'vitest';
import { ikePortOf } from '../../src/decode/udp.js';
import { esp, frame, hex, ikeMessage, ipv4, ipv6, nonEspMarker, udp, NAT_KEEPALIVE } from '../helpers/build.js';
import { decodeAll } from './sink.js';

const RAW = { linkType: 101 };
const udp4 = (payload: Uint8Array, srcPort: number, dstPort: number): Uint8Array => ipv4(udp(payload, srcPort, dstPort), { protocol: 17 });

describe('UDP 500', () => {
  it('payload is an IKE message without a marker', () => {
    // tshark: 192.0.2.1 → 198.51.100.2 ISAKMP 56 IKE_SA_INIT MID=00 Initiator Request
    const sink = decodeAll([frame(hex('450000381234000040117c4ac0000201c6336402 01f401f400244f1d 0123456789abcdef000000000000000000202208000000000000001c'), RAW)]);
    expect(sink.ikes).toHaveLength(1);
    const datagram = sink.ikes[0]!;
    expect([datagram.transport, datagram.srcPort, datagram.dstPort, datagram.nonEspMarker, datagram.missing]).toEqual(['udp', 500, 500, false, 0]);
    expect(datagram.data).toEqual(ikeMessage());
  });

  it('IKE data is a copy that outlives the frame', () => {
    const data = udp4(ikeMessage(), 500, 500);
    const sink = decodeAll([frame(data, RAW)]);
    data.fill(0xee);
    expect(sink.ikes[0]?.data).toEqual(ikeMessage());
  });

  it('bytes cut by the capture are counted as missing', () => {
    const data = udp4(ikeMessage({ body: new Uint8Array(100) }), 500, 500);
    const sink = decodeAll([frame(data.subarray(0, 60), { ...RAW, origLength: data.length })]);
    expect([sink.ikes[0]?.data.length, sink.ikes[0]?.missing]).toEqual([32, 96]);
  });

  it('source port 500 to another port is IKE', () => {
    const sink = decodeAll([frame(udp4(ikeMessage(), 500, 1701), RAW)]);
    expect(sink.ikes).toHaveLength(1);
  });

  it('IKE payload shorter than header', () => {
    const sink = decodeAll([frame(udp4(hex('0102'), 500, 500), RAW)]);
    expect(sink.ikes[0]?.data).toEqual(hex('0102'));
  });
});

describe('UDP 4500 (RFC 3948)', () => {
  it('non-ESP marker is followed by IKE', () => {
    // tshark: 192.0.2.1 → 198.51.100.2 ISAKMP 60 IKE_SA_INIT MID=00 Initiator Request
    const sink = decodeAll([
      frame(hex('4500003c1234000040117c46c0000201c6336402 1194119400282fd5 00000000 0123456789abcdef000000000000000000202208000000000000001c'), RAW),
    ]);
    expect(sink.ikes.map((d) => [d.nonEspMarker, d.data.length])).toEqual([[true, 28]]);
  });

  it('ESP in UDP', () => {
    // tshark: 192.0.2.1 → 198.51.100.2 ESP 40 ESP (SPI=0xc0ffee01)
    const sink = decodeAll([frame(hex('450000281234000040117c5ac0000201c6336402 1194119400143d54 c0ffee010000000b01020304'), RAW)]);
    expect(sink.esps.map((p) => [p.encapsulation, p.srcPort, p.dstPort, p.spi, p.seq, p.length])).toEqual([['udp', 4500, 4500, 0xc0ffee01, 11, 12]]);
  });

  it('single 0xFF byte is a NAT-keepalive', () => {
    // tshark: 192.0.2.1 → 198.51.100.2 UDPENCAP 29 NAT-keepalive
    const sink = decodeAll([frame(hex('4500001d1234000040117c65c0000201c6336402 119411940009f17b ff'), RAW)]);
    expect(sink.keepalives.map((k) => [k.srcPort, k.dstPort])).toEqual([[4500, 4500]]);
  });

  it('single byte other than 0xFF is malformed ESP', () => {
    const sink = decodeAll([frame(udp4(hex('00'), 4500, 4500), RAW)]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['esp', 'malformed']]);
  });

  it('payload too short for an ESP header is malformed', () => {
    const sink = decodeAll([frame(udp4(hex('01020304050607'), 4500, 4500), RAW)]);
    expect(sink.esps).toHaveLength(0);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['esp', 'malformed']]);
  });

  it('marker cut by the capture', () => {
    const data = udp4(nonEspMarker(ikeMessage()), 4500, 4500);
    const sink = decodeAll([frame(data.subarray(0, 30), { ...RAW, origLength: data.length })]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['udp', 'truncated']]);
  });

  it('NATed client port 10500 to 4500', () => {
    const sink = decodeAll([frame(udp4(esp(0x1234, 1), 10500, 4500), RAW)]);
    expect(sink.esps.map((p) => [p.srcPort, p.dstPort])).toEqual([[10500, 4500]]);
  });

  it('4500 to 8472 is ESP in UDP', () => {
    const sink = decodeAll([frame(udp4(esp(0x1234, 1), 4500, 8472), RAW)]);
    expect(sink.esps).toHaveLength(1);
  });

  it('marker from 14500 to 4500 is IKE', () => {
    const sink = decodeAll([frame(udp4(nonEspMarker(ikeMessage()), 14500, 4500), RAW)]);
    expect(sink.ikes.map((d) => d.nonEspMarker)).toEqual([true]);
  });

  it('IPv6 ESP in UDP', () => {
    const sink = decodeAll([frame(ipv6(udp(esp(0x1234, 1), 4500, 4500), { nextHeader: 17 }), RAW)]);
    expect(sink.esps.map((p) => p.ip.version)).toEqual([6]);
  });
});

describe('UDP demultiplexing', () => {
  it('receiving port decides between 500 and 4500', () => {
    expect([ikePortOf(500, 4500), ikePortOf(4500, 500), ikePortOf(4500, 8472), ikePortOf(10500, 4500), ikePortOf(53, 53)]).toEqual([4500, 500, 4500, 4500, 0]);
  });

  it('GTP-U is reported as a tunnel', () => {
    const sink = decodeAll([frame(udp4(hex('30ff000800000001'), 2152, 2152), RAW)]);
    expect(sink.notDecodedReasons).toEqual([{ frame: 1, reason: 'tunnel-gtpu' }]);
  });

  it('other ports are not IPsec', () => {
    const sink = decodeAll([frame(udp4(hex('00'), 53000, 53), RAW)]);
    expect(sink.notDecodedReasons).toEqual([{ frame: 1, reason: 'not-ipsec' }]);
  });

  it('length below 8 is malformed', () => {
    const sink = decodeAll([frame(ipv4(udp(esp(1, 1), 4500, 4500, { length: 4 }), { protocol: 17, keepTransportChecksum: true }), RAW)]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['udp', 'malformed']]);
    expect(sink.esps).toHaveLength(0);
  });

  it('length beyond the IP payload', () => {
    const sink = decodeAll([frame(ipv4(udp(ikeMessage(), 500, 500, { length: 900 }), { protocol: 17, keepTransportChecksum: true }), RAW)]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['udp', 'malformed']]);
    expect([sink.ikes[0]?.data.length, sink.ikes[0]?.missing]).toEqual([28, 0]);
  });

  it('length shorter than the IP payload bounds the payload', () => {
    const sink = decodeAll([frame(ipv4(udp(esp(1, 1, 8), 4500, 4500, { length: 24 }), { protocol: 17, keepTransportChecksum: true }), RAW)]);
    expect(sink.esps[0]?.length).toBe(16);
  });

  it('header cut by the capture is truncated', () => {
    const data = udp4(esp(1, 1), 4500, 4500);
    const sink = decodeAll([frame(data.subarray(0, 24), { ...RAW, origLength: data.length })]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['udp', 'truncated']]);
  });

  it('keepalive needs exactly one byte', () => {
    const sink = decodeAll([frame(udp4(NAT_KEEPALIVE, 4500, 4500), RAW)]);
    expect(sink.keepalives).toHaveLength(1);
  });
});
