// Decoder.decodeRecord, whose fast path reads plain ESP at fixed offsets,
// against Decoder.decode, the general path: for every frame, whole, cut at
// every length and with bytes changed at random, both must send the same
// records to the sink. The fast path reuses one EspPacket, so the recording
// sink copies what it receives.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openCaptureBytes } from '../../src/capture/index.js';
import { Decoder } from '../../src/decode/decoder.js';
import type { PacketSink } from '../../src/decode/types.js';
import type { CapturedFrame, EspPacket } from '../../src/types.js';
import { cases } from '../../scripts/gen-captures/packets.js';
import { esp, ethernet, frame, ikeMessage, ipv4, ipv6, NAT_KEEPALIVE, nonEspMarker, udp } from '../helpers/build.js';

/** Records a copy of every call, so that reused objects are seen as they were at the call. */
class CopyingSink implements PacketSink {
  readonly calls: string[] = [];

  esp(packet: EspPacket): void {
    // The flow is a lookup hint for the SA tracker that only the fast path fills in.
    const { flow: _flow, ...fields } = packet;
    this.calls.push(`esp ${JSON.stringify(fields)}`);
  }
  ah(packet: unknown): void {
    this.calls.push(`ah ${JSON.stringify(packet)}`);
  }
  ike(datagram: unknown): void {
    this.calls.push(`ike ${JSON.stringify(datagram)}`);
  }
  keepalive(packet: unknown): void {
    this.calls.push(`keepalive ${JSON.stringify(packet)}`);
  }
  icmpError(packet: unknown): void {
    this.calls.push(`icmp-error ${JSON.stringify(packet)}`);
  }
  anomaly(anomaly: unknown): void {
    this.calls.push(`anomaly ${JSON.stringify(anomaly)}`);
  }
  notDecoded(f: CapturedFrame, reason: string): void {
    this.calls.push(`not-decoded ${f.input} ${f.frame} ${reason}`);
  }
}

/**
 * Decodes the frames both ways, each frame through decodeRecord from the
 * middle of a larger buffer, and returns both call lists. With `isolated`,
 * both decoders flush after every frame: a fragment held for reassembly
 * would otherwise send every later frame the general way.
 */
function decodeBothWays(frames: CapturedFrame[], isolated = true): { general: string[]; record: string[] } {
  const general = new CopyingSink();
  const record = new CopyingSink();
  const generalDecoder = new Decoder(general);
  const recordDecoder = new Decoder(record);
  for (const f of frames) {
    generalDecoder.decode(f);
    const buf = new Uint8Array(f.data.length + 32).fill(0xee);
    buf.set(f.data, 16);
    recordDecoder.decodeRecord(f.input, buf, 16, f.data.length, f.origLength, f.time.sec, f.time.nsec, f.time.digits, f.frame, f.linkType);
    if (isolated) {
      generalDecoder.flush();
      recordDecoder.flush();
    }
  }
  generalDecoder.flush();
  recordDecoder.flush();
  return { general: general.calls, record: record.calls };
}

/** Frames of the shapes the fast path takes, and of shapes just outside it. */
function espFrames(): Uint8Array[] {
  const plain = esp(0xc1000101, 7, 60);
  const inUdp = udp(plain, 4500, 4500);
  const ike = udp(nonEspMarker(ikeMessage()), 4500, 4500);
  return [
    ethernet(ipv4(plain, { protocol: 50 })),
    ethernet(ipv4(plain, { protocol: 50 }), { tags: [{ tpid: 0x8100, id: 100 }] }),
    ethernet(ipv4(plain, { protocol: 50 }), { tags: [{ tpid: 0x88a8, id: 10 }, { tpid: 0x8100, id: 100 }] }),
    ethernet(ipv4(inUdp, { protocol: 17 })),
    ethernet(ipv4(udp(plain, 4500, 31000), { protocol: 17 })),
    ethernet(ipv4(udp(plain, 500, 4500), { protocol: 17 })),
    ethernet(ipv4(udp(plain, 4500, 500), { protocol: 17 })),
    ethernet(ipv4(ike, { protocol: 17 })),
    ethernet(ipv4(udp(NAT_KEEPALIVE, 4500, 4500), { protocol: 17 })),
    ethernet(ipv4(plain, { protocol: 50, options: Uint8Array.of(1, 1, 1, 0) })),
    ethernet(ipv4(plain, { protocol: 50, moreFragments: true })),
    ethernet(ipv4(plain, { protocol: 50, totalLength: 0 })),
    ethernet(ipv4(plain, { protocol: 50, totalLength: 200 })),
    ethernet(ipv4(plain, { protocol: 50, totalLength: 24 })),
    ethernet(ipv4(udp(plain, 4500, 4500, { length: 300 }), { protocol: 17 })),
    ethernet(ipv4(udp(plain, 4500, 4500, { length: 12 }), { protocol: 17 })),
    ethernet(ipv6(plain, { nextHeader: 50 })),
    ethernet(ipv6(plain, { nextHeader: 50 }), { tags: [{ tpid: 0x8100, id: 100 }] }),
    ethernet(ipv6(inUdp, { nextHeader: 17 })),
    ethernet(ipv6(plain, { nextHeader: 50, extensions: [{ type: 60 }] })),
    ethernet(ipv6(plain, { nextHeader: 50, payloadLength: 0 })),
    ethernet(ipv6(plain, { nextHeader: 50, payloadLength: 500 })),
    ethernet(ipv6(udp(plain, 4500, 4500, { length: 0 }), { nextHeader: 17 })),
  ];
}

async function craftedFrames(): Promise<CapturedFrame[]> {
  const out: CapturedFrame[] = [];
  for (const c of cases) {
    const source = await openCaptureBytes(await c.build(), c.file, 0);
    for (let batch = await source.next(); batch !== null; batch = await source.next()) {
      for (const f of batch) out.push({ ...f, data: f.data.slice() });
    }
    await source.close();
  }
  return out;
}

describe('decoder fast path', () => {
  it('fast path takes plain ESP frames', () => {
    // The fast path hands out one reused packet, so the frames it took are the ones whose packet is that object.
    const packets: EspPacket[] = [];
    const sink: PacketSink = { esp: (p) => packets.push(p), ah() {}, ike() {}, keepalive() {}, icmpError() {}, anomaly() {}, notDecoded() {} };
    const decoder = new Decoder(sink);
    const takenByFastPath: number[] = [];
    for (const [i, data] of espFrames().entries()) {
      const before = packets.length;
      decoder.decodeRecord(0, data, 0, data.length, data.length, 1_700_000_000, 0, 6, i + 1, 1);
      decoder.flush();
      if (packets.length > before && packets.length > 1 && packets[packets.length - 1] === packets[0]) takenByFastPath.push(i);
    }
    // Frame 0 sets the reused packet. Frame 2 has two VLAN tags, and frame 6 is sent to port 500, so IKE's.
    expect(takenByFastPath).toEqual([1, 3, 4, 5, 16, 17, 18]);
  });

  it('fast path matches decode on ESP frames', () => {
    const frames = espFrames().map((data, i) => frame(data, { number: i + 1 }));
    const { general, record } = decodeBothWays(frames);
    expect(record).toEqual(general);
  });

  it('fast path matches decode on cut ESP frames', () => {
    for (const cutOnWire of [false, true]) {
      const frames: CapturedFrame[] = [];
      for (const data of espFrames()) {
        for (let length = 0; length <= data.length; length++) {
          frames.push(frame(data.subarray(0, length), { number: frames.length + 1, origLength: cutOnWire ? data.length : length }));
        }
      }
      const { general, record } = decodeBothWays(frames);
      expect(record).toEqual(general);
    }
  });

  it('fast path matches decode on crafted captures', async () => {
    const frames = await craftedFrames();
    expect(frames.length).toBeGreaterThan(100);
    const { general, record } = decodeBothWays(frames, false);
    expect(record).toEqual(general);
  });

  it('fast path matches decode on changed bytes', () => {
    const seeds = espFrames();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (which, changes, cut) => {
          const data = Uint8Array.from(seeds[which]!);
          for (const [at, value] of changes) data[12 + (at % (data.length - 12))] = value;
          const length = data.length - (cut % 8);
          const { general, record } = decodeBothWays([frame(data.subarray(0, length), { origLength: data.length })]);
          expect(record).toEqual(general);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
