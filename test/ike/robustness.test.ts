// Every crafted message, cut at every prefix length, and random bytes must
// parse, track and render without throwing.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExchangeTracker } from '../../src/ike/exchanges.js';
import { parseIkeMessage } from '../../src/ike/message.js';
import { V1FragmentReassembler } from '../../src/ike/v1-fragments.js';
import { renderIkeMessage } from '../../src/report/ike-tree.js';
import { datagram, FIXTURES } from './fixtures.js';

function run(bytes: Uint8Array, missing = 0): void {
  const msg = parseIkeMessage(datagram(bytes, { missing }));
  new ExchangeTracker().observe(msg);
  new V1FragmentReassembler().add(msg);
  renderIkeMessage(msg);
}

describe('IKE parser robustness', () => {
  for (const [name, bytes] of Object.entries(FIXTURES)) {
    it(`${name} parses at every prefix length`, () => {
      for (let n = 0; n <= bytes.length; n++) expect(() => run(bytes.subarray(0, n), bytes.length - n)).not.toThrow();
    });
  }

  it('a cut message always records an anomaly', () => {
    for (const bytes of Object.values(FIXTURES)) {
      for (let n = 0; n < bytes.length; n++) expect(parseIkeMessage(datagram(bytes.subarray(0, n), { missing: bytes.length - n })).anomalies.length).toBeGreaterThan(0);
    }
  });

  it('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        run(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('random bytes behind a valid header never throw', () => {
    const header = FIXTURES.v2Init.subarray(0, 28);
    fc.assert(
      fc.property(fc.constantFrom(1, 2), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 600 }), (version, next, body) => {
        const bytes = new Uint8Array(28 + body.length);
        bytes.set(header);
        bytes.set(body, 28);
        bytes[16] = next;
        bytes[17] = version << 4;
        new DataView(bytes.buffer).setUint32(24, bytes.length);
        run(bytes);
      }),
      { numRuns: 3000 },
    );
  });
});
