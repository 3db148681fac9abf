// pcapng timestamps: a 64-bit count of units since 1970, split in two 32-bit
// words, where the interface's if_tsresol option sets the unit (10^-n or
// 2^-n seconds, default 10^-6) and if_tsoffset adds whole seconds
// (draft-ietf-opsawg-pcapng §4.2, §4.3).

/** Conversion of one interface's timestamp units to seconds and nanoseconds. */
export interface TimeResolution {
  /** Units per second are 10^exponent (decimal) or 2^exponent (binary). */
  base: 10 | 2;
  exponent: number;
  /** Decimal digits of sub-second precision, at most 9. */
  digits: number;
  /** Seconds added to every timestamp (if_tsoffset). */
  offsetSeconds: number;
}

export const MICROSECONDS: TimeResolution = { base: 10, exponent: 6, digits: 6, offsetSeconds: 0 };

const POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/**
 * Decodes an if_tsresol byte: the high bit clear means 10^-n, set means 2^-n.
 * Returns null for a resolution finer than a 64-bit count can hold.
 */
export function decodeTsresol(value: number, offsetSeconds: number): TimeResolution | null {
  const binary = (value & 0x80) !== 0;
  const exponent = value & 0x7f;
  if (binary) {
    if (exponent > 63) return null;
    // The smallest number of decimal digits that distinguishes every unit.
    const digits = Math.min(9, Math.ceil(exponent * Math.log10(2)));
    return { base: 2, exponent, digits, offsetSeconds };
  }
  if (exponent > 19) return null;
  return { base: 10, exponent, digits: Math.min(9, exponent), offsetSeconds };
}

/** Seconds and nanoseconds (truncated) for a timestamp given as two 32-bit words. */
export function unitsToTime(high: number, low: number, res: TimeResolution): { sec: number; nsec: number } {
  if (res.base === 10 && res.exponent <= 9) {
    // Long division of the 64-bit count by 10^n in pieces of at most 49 bits,
    // so every step is exact in a double and no BigInt is allocated.
    const divisor = POWERS_OF_TEN[res.exponent]!;
    const qHigh = Math.floor(high / divisor);
    const rHigh = high - qHigh * divisor;
    const x = rHigh * 65536 + (low >>> 16);
    const q1 = Math.floor(x / divisor);
    const y = (x - q1 * divisor) * 65536 + (low & 0xffff);
    const q2 = Math.floor(y / divisor);
    const remainder = y - q2 * divisor;
    const sec = qHigh * 4294967296 + q1 * 65536 + q2;
    return { sec: sec + res.offsetSeconds, nsec: remainder * POWERS_OF_TEN[9 - res.exponent]! };
  }
  const units = (BigInt(high) << 32n) | BigInt(low);
  if (res.base === 2) {
    const shift = BigInt(res.exponent);
    const sec = units >> shift;
    const fraction = units & ((1n << shift) - 1n);
    return { sec: Number(sec) + res.offsetSeconds, nsec: Number((fraction * 1_000_000_000n) >> shift) };
  }
  const divisor = 10n ** BigInt(res.exponent);
  const sec = units / divisor;
  const fraction = units % divisor;
  return { sec: Number(sec) + res.offsetSeconds, nsec: Number(fraction / 10n ** BigInt(res.exponent - 9)) };
}
