import { describe, expect, it } from 'vitest';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from '../../src/decode/types.js';
import {
  at,
  concat,
  esp,
  filler,
  fragmentIpv4,
  fragmentIpv6,
  frame,
  ikeMessage,
  ipv4,
  ipv4Fragment,
  ipv6,
  nonEspMarker,
  udp,
} from '../helpers/build.js';
import { decodeAll } from './sink.js';

const RAW = 101;
const ike = ikeMessage({ body: filler(1200) });
const ikeDatagram = ipv4(udp(nonEspMarker(ike), 4500, 4500), { protocol: 17, id: 0x5151 });
const espDatagram = ipv4(esp(0xc0ffee01, 77, 1000), { protocol: 50, id: 0x5252 });

/** Frames numbered from 1, a tenth of a second apart. */
function frames(packets: Uint8Array[], options: { start?: number; input?: number } = {}) {
  return packets.map((data, i) => frame(data, { linkType: RAW, number: (options.start ?? 0) + i + 1, time: at(((options.start ?? 0) + i) / 10), input: options.input ?? 0 }));
}

function limits(overrides: Partial<DecodeLimits>): DecodeLimits {
  return { ...DEFAULT_DECODE_LIMITS, ...overrides };
}

describe('IPv4 reassembly', () => {
  it('fragments in order reassemble', () => {
    const sink = decodeAll(frames(fragmentIpv4(ikeDatagram, [512, 512])));
    expect(sink.ikes).toHaveLength(1);
    expect(sink.ikes[0]?.data).toEqual(ike);
    expect(sink.ikes[0]?.ip.reassembled).toBe(true);
    expect(sink.ikes[0]?.ref.frame).toBe(3);
    expect(sink.notDecodedReasons).toEqual([
      { frame: 1, reason: 'ip-fragment' },
      { frame: 2, reason: 'ip-fragment' },
    ]);
    expect(sink.anomalies).toEqual([]);
  });

  it('fragments out of order reassemble', () => {
    const parts = fragmentIpv4(ikeDatagram, [512, 512]);
    const sink = decodeAll(frames([parts[2]!, parts[0]!, parts[1]!]));
    expect(sink.ikes[0]?.data).toEqual(ike);
  });

  it('interleaved datagrams reassemble apart', () => {
    const a = fragmentIpv4(ikeDatagram, [512, 512]);
    const b = fragmentIpv4(espDatagram, [504]);
    const sink = decodeAll(frames([a[0]!, b[1]!, a[2]!, b[0]!, a[1]!]));
    expect(sink.esps.map((p) => [p.seq, p.length, p.ref.frame])).toEqual([[77, 1008, 4]]);
    expect(sink.ikes.map((d) => d.ref.frame)).toEqual([5]);
  });

  it('exact duplicate fragment is ignored quietly', () => {
    const parts = fragmentIpv4(ikeDatagram, [512, 512]);
    const sink = decodeAll(frames([parts[0]!, parts[0]!, parts[1]!, parts[2]!]));
    expect(sink.anomalies).toEqual([]);
    expect(sink.ikes).toHaveLength(1);
  });

  it('differing overlap keeps first bytes', () => {
    const payload = udp(esp(0xc0ffee01, 5, 24), 4500, 4500);
    const first = ipv4Fragment(payload.subarray(0, 24), { offset: 0, more: true });
    const second = ipv4Fragment(concat(filler(8, 0xee), payload.subarray(24)), { offset: 16, more: false });
    const sink = decodeAll(frames([first, second]));
    expect(sink.anomalies.map((a) => [a.layer, a.cause, a.frame])).toEqual([['ipv4', 'malformed', 2]]);
    expect(sink.esps.map((p) => [p.spi, p.seq])).toEqual([[0xc0ffee01, 5]]);
  });

  it('overlap with the same bytes is not reported', () => {
    const payload = udp(esp(0xc0ffee01, 5, 24), 4500, 4500);
    const first = ipv4Fragment(payload.subarray(0, 24), { offset: 0, more: true });
    const second = ipv4Fragment(payload.subarray(16), { offset: 16, more: false });
    const sink = decodeAll(frames([first, second]));
    expect(sink.anomalies).toEqual([]);
    expect(sink.esps).toHaveLength(1);
  });

  it('later fragment fills only the gaps', () => {
    const payload = udp(esp(0xc0ffee01, 6, 48), 4500, 4500); // 64 bytes
    const sink = decodeAll(
      frames([
        ipv4Fragment(payload.subarray(0, 16), { offset: 0, more: true }),
        ipv4Fragment(payload.subarray(32, 48), { offset: 32, more: true }),
        ipv4Fragment(payload.subarray(8, 56), { offset: 8, more: true }),
        ipv4Fragment(payload.subarray(56), { offset: 56, more: false }),
      ]),
    );
    expect(sink.anomalies).toEqual([]);
    expect(sink.esps.map((p) => p.length)).toEqual([56]);
  });

  it('incomplete set reported at end', () => {
    const parts = fragmentIpv4(ikeDatagram, [512, 512]);
    const sink = decodeAll(frames([parts[0]!, parts[2]!]));
    expect(sink.ikes).toHaveLength(0);
    expect(sink.anomalies.map((a) => [a.layer, a.cause, a.frame, a.reason])).toEqual([['ipv4', 'truncated', 1, 'incomplete fragment set at end of capture']]);
  });

  it('set older than timeout is dropped', () => {
    const parts = fragmentIpv4(ikeDatagram, [512, 512]);
    const late = [frame(parts[0]!, { linkType: RAW, number: 1, time: at(0) }), frame(parts[1]!, { linkType: RAW, number: 2, time: at(31) }), frame(parts[2]!, { linkType: RAW, number: 3, time: at(32) })];
    const sink = decodeAll(late);
    expect(sink.ikes).toHaveLength(0);
    expect(sink.anomalies.map((a) => [a.frame, a.reason])).toEqual([
      [1, 'incomplete fragment set dropped after 30 s'],
      [2, 'incomplete fragment set at end of capture'],
    ]);
  });

  it('set within the timeout completes', () => {
    const parts = fragmentIpv4(ikeDatagram, [512, 512]);
    const sink = decodeAll(parts.map((p, i) => frame(p, { linkType: RAW, number: i + 1, time: at(i * 14) })));
    expect(sink.ikes).toHaveLength(1);
  });

  it('too many sets drop the oldest', () => {
    const sets = [0x10, 0x11, 0x12].map((id) => ipv4Fragment(filler(16), { offset: 0, more: true, id }));
    const sink = decodeAll(frames(sets), limits({ maxFragmentSets: 2 }));
    expect(sink.anomalies.map((a) => [a.frame, a.cause])).toEqual([
      [1, 'limit'],
      [2, 'truncated'],
      [3, 'truncated'],
    ]);
  });

  it('too much buffered data drops the oldest set', () => {
    const sets = [0x10, 0x11].map((id) => ipv4Fragment(filler(800), { offset: 0, more: true, id }));
    const sink = decodeAll(frames(sets), limits({ maxFragmentBytes: 1000 }));
    expect(sink.anomalies.map((a) => [a.frame, a.cause])).toEqual([
      [1, 'limit'],
      [2, 'truncated'],
    ]);
  });

  it('fragment larger than the byte limit is dropped', () => {
    const sink = decodeAll(frames([ipv4Fragment(filler(800), { offset: 0, more: true })]), limits({ maxFragmentBytes: 100 }));
    expect(sink.anomalies.map((a) => a.cause)).toEqual(['limit', 'truncated']);
  });

  it('reassembly with no sets allowed drops every fragment', () => {
    const sink = decodeAll(frames(fragmentIpv4(ikeDatagram, [512, 512])), limits({ maxFragmentSets: 0 }));
    expect(sink.ikes).toHaveLength(0);
    expect(sink.anomalies.map((a) => a.cause)).toEqual(['limit', 'limit', 'limit']);
  });

  it('fragment ending past 65535 bytes is malformed', () => {
    const sink = decodeAll(frames([ipv4Fragment(filler(64), { offset: 65528, more: false })]));
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['ipv4', 'malformed']]);
  });

  it('non-final length not multiple of 8', () => {
    const payload = udp(esp(1, 1, 32), 4500, 4500);
    const sink = decodeAll(frames([ipv4Fragment(payload.subarray(0, 20), { offset: 0, more: true }), ipv4Fragment(payload.subarray(16), { offset: 16, more: false })]));
    expect(sink.anomalies.map((a) => a.reason)).toEqual(['non-final fragment length 20 is not a multiple of 8']);
    expect(sink.esps).toHaveLength(1);
  });

  it('last fragments that disagree on the length are malformed', () => {
    const sink = decodeAll(
      frames([ipv4Fragment(filler(16), { offset: 16, more: false }), ipv4Fragment(filler(8), { offset: 16, more: false })]),
    );
    expect(sink.anomalies[0]?.reason).toBe('last fragments disagree on the datagram length (32 and 24)');
  });

  it('fragment past the last fragment is malformed', () => {
    const sink = decodeAll(frames([ipv4Fragment(filler(16), { offset: 16, more: false }), ipv4Fragment(filler(16), { offset: 32, more: true })]));
    expect(sink.anomalies[0]?.reason).toBe('fragment ends at byte 48, past the last fragment\'s end 32');
  });

  it('last fragment ending before received data is malformed', () => {
    const sink = decodeAll(frames([ipv4Fragment(filler(16), { offset: 32, more: true }), ipv4Fragment(filler(8), { offset: 16, more: false })]));
    expect(sink.anomalies[0]?.reason).toBe('last fragment ends at byte 24, before data already received');
  });

  it('same identification under another protocol is another datagram', () => {
    const sink = decodeAll(frames([ipv4Fragment(filler(16), { offset: 0, more: true, protocol: 17 }), ipv4Fragment(filler(16), { offset: 16, more: false, protocol: 50 })]));
    expect(sink.anomalies.map((a) => a.reason)).toEqual(['incomplete fragment set at end of capture', 'incomplete fragment set at end of capture']);
  });

  it('fragments from two inputs do not mix', () => {
    const parts = fragmentIpv4(ikeDatagram, [512, 512]);
    const sink = decodeAll([...frames([parts[0]!, parts[1]!], { input: 0 }), ...frames([parts[2]!], { input: 1, start: 2 })]);
    expect(sink.ikes).toHaveLength(0);
  });

  it('cut fragment makes first decode alone', () => {
    const parts = fragmentIpv4(ikeDatagram, [512, 512]);
    const cut = parts.map((p, i) => frame(p.subarray(0, 100), { linkType: RAW, number: i + 1, origLength: p.length }));
    const sink = decodeAll(cut);
    expect(sink.anomalies.map((a) => [a.frame, a.layer, a.cause])).toEqual([[1, 'ipv4', 'truncated']]);
    expect(sink.ikes.map((d) => [d.ip.reassembled, d.data.length, d.missing])).toEqual([[false, 68, ike.length - 68]]);
  });

  it('first fragment arriving after a cut one decodes alone', () => {
    const parts = fragmentIpv4(espDatagram, [504]);
    const sink = decodeAll([
      frame(parts[1]!.subarray(0, 60), { linkType: RAW, number: 1, origLength: parts[1]!.length }),
      frame(parts[0]!, { linkType: RAW, number: 2 }),
    ]);
    expect(sink.esps.map((p) => [p.ref.frame, p.seq, p.ip.reassembled])).toEqual([[2, 77, false]]);
  });

  it('state stays bounded over many incomplete sets', () => {
    const sets = Array.from({ length: 300 }, (_, id) => ipv4Fragment(filler(16), { offset: 0, more: true, id }));
    const sink = decodeAll(frames(sets), limits({ maxFragmentSets: 50 }));
    expect(sink.anomalies.filter((a) => a.cause === 'limit')).toHaveLength(250);
    expect(sink.anomalies.filter((a) => a.cause === 'truncated')).toHaveLength(50);
  });
});

describe('IPv6 reassembly', () => {
  const payload = udp(nonEspMarker(ike), 4500, 4500);

  it('fragments reassemble behind a Destination Options header', () => {
    const parts = fragmentIpv6(payload, [512, 512], { nextHeader: 17, id: 1, before: [{ type: 60 }] });
    const sink = decodeAll(frames(parts));
    expect(sink.anomalies).toEqual([]);
    expect(sink.ikes.map((d) => [d.ip.version, d.ip.reassembled, d.ref.frame])).toEqual([[6, true, 3]]);
    expect(sink.ikes[0]?.data).toEqual(ike);
  });

  it('fragments out of order reassemble', () => {
    const parts = fragmentIpv6(payload, [512, 512], { nextHeader: 17, id: 2 });
    const sink = decodeAll(frames([parts[1]!, parts[2]!, parts[0]!]));
    expect(sink.ikes).toHaveLength(1);
  });

  it('extension headers after reassembly', () => {
    const inner = concat(Uint8Array.of(50, 0, 1, 4, 0, 0, 0, 0), esp(0xc0ffee01, 4, 40));
    const parts = fragmentIpv6(inner, [24], { nextHeader: 60, id: 3 });
    const sink = decodeAll(frames(parts));
    expect(sink.esps.map((p) => [p.seq, p.length])).toEqual([[4, 48]]);
  });

  it('any overlap is reported (RFC 5722)', () => {
    const data = esp(1, 9, 56);
    const f1 = ipv6(data.subarray(0, 32), { nextHeader: 50, extensions: [{ type: 44, offset: 0, more: true, id: 9 }] });
    const f2 = ipv6(data.subarray(24), { nextHeader: 50, extensions: [{ type: 44, offset: 24, more: false, id: 9 }] });
    const sink = decodeAll(frames([f1, f2]));
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['ipv6', 'malformed']]);
    expect(sink.esps.map((p) => p.length)).toEqual([64]);
  });

  it('atomic fragment is decoded without reassembly', () => {
    const sink = decodeAll(frames([ipv6(esp(1, 4), { nextHeader: 50, extensions: [{ type: 44, offset: 0, more: false, id: 7 }] })]));
    expect(sink.esps.map((p) => p.ip.reassembled)).toEqual([false]);
  });

  it('Fragment header inside a reassembled payload is malformed', () => {
    const inner = concat(Uint8Array.of(50, 0, 0, 0, 0, 0, 0, 1), esp(1, 1));
    const parts = fragmentIpv6(inner, [8], { nextHeader: 44, id: 5 });
    const sink = decodeAll(frames(parts));
    expect(sink.anomalies.map((a) => a.reason)).toEqual(['Fragment header after reassembly or after AH']);
  });

  it('Fragment header cut by the capture is truncated', () => {
    const packet = ipv6(esp(1, 1), { nextHeader: 50, extensions: [{ type: 44, offset: 0, more: true, id: 1 }] });
    const sink = decodeAll([frame(packet.subarray(0, 44), { linkType: RAW, origLength: packet.length })]);
    expect(sink.anomalies.map((a) => [a.layer, a.cause])).toEqual([['ipv6', 'truncated']]);
  });
});

describe('anomalies in reassembled datagrams', () => {
  it('carry no frame offset', () => {
    const payload = udp(esp(1, 1, 32), 4500, 4500, { length: 4 });
    const parts = [ipv4Fragment(payload.subarray(0, 24), { offset: 0, more: true }), ipv4Fragment(payload.subarray(24), { offset: 24, more: false })];
    const sink = decodeAll(frames(parts));
    expect(sink.anomalies.map((a) => [a.layer, a.offset])).toEqual([['udp', undefined]]);
  });
});
