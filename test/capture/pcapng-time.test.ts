// pcapng timestamp conversion against a BigInt reference.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTsresol, unitsToTime } from '../../src/capture/pcapng-time.js';

function reference(high: number, low: number, base: 10 | 2, exponent: number): { sec: number; nsec: number } {
  const units = (BigInt(high) << 32n) | BigInt(low);
  const perSecond = BigInt(base) ** BigInt(exponent);
  const sec = units / perSecond;
  const nsec = ((units % perSecond) * 1_000_000_000n) / perSecond;
  return { sec: Number(sec), nsec: Number(nsec) };
}

describe('pcapng timestamps', () => {
  it('divides decimal units exactly', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), fc.integer({ min: 0, max: 9 }), (high, low, exponent) => {
        const res = decodeTsresol(exponent, 0)!;
        expect(unitsToTime(high, low, res)).toEqual(reference(high, low, 10, exponent));
      }),
    );
  });

  it('divides binary units', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), fc.integer({ min: 0, max: 63 }), (high, low, exponent) => {
        const res = decodeTsresol(0x80 | exponent, 0)!;
        expect(unitsToTime(high, low, res)).toEqual(reference(high, low, 2, exponent));
      }),
    );
  });

  it('truncates picoseconds to nanoseconds', () => {
    const res = decodeTsresol(12, 0)!;
    // 1700000000.123456789999 s in picoseconds.
    const units = 1_700_000_000_123_456_789_999n;
    const time = unitsToTime(Number(units >> 32n), Number(units & 0xffffffffn), res);
    expect(time).toEqual({ sec: 1_700_000_000, nsec: 123_456_789 });
    expect(res.digits).toBe(9);
  });

  it('adds a negative offset', () => {
    const res = decodeTsresol(6, -3600)!;
    // 7200.000001 s as the words 1 and 2905032705 (7_200_000_001 - 2^32 units).
    expect(unitsToTime(1, 2_905_032_705, res)).toEqual({ sec: 3600, nsec: 1000 });
  });

  it('rejects resolutions beyond 64 bits', () => {
    expect(decodeTsresol(20, 0)).toBeNull();
  });
});
