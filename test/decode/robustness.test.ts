import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openCaptureBytes } from '../../src/capture/index.js';
import { Decoder } from '../../src/decode/decoder.js';
import type { CapturedFrame } from '../../src/types.js';
import { cases } from '../../scripts/gen-captures/packets.js';
import { frame } from '../helpers/build.js';
import { RecordingSink } from './sink.js';

const LINK_TYPES = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276];

/** Reads every frame of every crafted decode capture, copying its bytes out of the reader's chunk. */
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

function internalErrors(sink: RecordingSink): string[] {
  return sink.anomalies.filter((a) => a.cause === 'internal').map((a) => a.reason);
}

describe('decoder robustness', () => {
  it('crafted frames cut at every length', async () => {
    const frames = await craftedFrames();
    expect(frames.length).toBeGreaterThan(100);
    for (const wholeOnWire of [true, false]) {
      const sink = new RecordingSink();
      const decoder = new Decoder(sink);
      for (const f of frames) {
        for (let length = 0; length <= f.data.length; length++) {
          decoder.decode({ ...f, data: f.data.subarray(0, length), origLength: wholeOnWire ? f.data.length : length });
        }
      }
      decoder.flush();
      expect(internalErrors(sink)).toEqual([]);
    }
  });

  it('random bytes on every link type', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LINK_TYPES), fc.uint8Array({ maxLength: 256 }), (linkType, data) => {
        const sink = new RecordingSink();
        const decoder = new Decoder(sink);
        decoder.decode(frame(data, { linkType }));
        decoder.flush();
        return internalErrors(sink).length === 0;
      }),
      { numRuns: 5000 },
    );
  });

  it('crafted frames with random changes', async () => {
    const frames = await craftedFrames();
    fc.assert(
      fc.property(
        fc.constantFrom(...frames),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        (original, changes) => {
          const data = original.data.slice();
          for (const [at, value] of changes) data[at % data.length] = value;
          const sink = new RecordingSink();
          const decoder = new Decoder(sink);
          decoder.decode({ ...original, data });
          decoder.flush();
          return internalErrors(sink).length === 0;
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('random fragment streams stay within the limits', () => {
    const limits = { maxFragmentSets: 8, maxFragmentBytes: 4096, fragmentTimeoutSeconds: 30, maxTcpStreams: 4, maxTcpBufferBytes: 1024 };
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 20, maxLength: 120 }), { maxLength: 60 }), (packets) => {
        const sink = new RecordingSink();
        const decoder = new Decoder(sink, limits);
        packets.forEach((bytes, i) => {
          // A plausible IPv4 header with More Fragments set so that most inputs reach reassembly.
          const data = bytes.slice();
          data[0] = 0x45;
          data[6] = (data[6]! & 0x1f) | 0x20;
          data[2] = 0;
          data[3] = data.length;
          decoder.decode(frame(data, { linkType: 101, number: i + 1 }));
        });
        const state = decoder as unknown as { reassembler: { size: number; bytes: number }; tcp: { size: number } };
        const bounded = state.reassembler.size <= limits.maxFragmentSets && state.reassembler.bytes <= limits.maxFragmentBytes && state.tcp.size <= limits.maxTcpStreams;
        decoder.flush();
        return bounded && internalErrors(sink).length === 0;
      }),
      { numRuns: 500 },
    );
  });
});
