// Text forms of times and SPIs, as reports print them.

import { describe, expect, it } from 'vitest';
import { formatSpi, formatTime } from '../../src/util/format.js';

describe('formatting', () => {
  it('formats times with the digits the capture recorded', () => {
    expect(formatTime({ sec: 1700000000, nsec: 123456789, digits: 9 })).toBe('2023-11-14T22:13:20.123456789Z');
    expect(formatTime({ sec: 1700000000, nsec: 123456000, digits: 6 })).toBe('2023-11-14T22:13:20.123456Z');
    expect(formatTime({ sec: 1700000000, nsec: 5000000, digits: 3 })).toBe('2023-11-14T22:13:20.005Z');
    expect(formatTime({ sec: 0, nsec: 0, digits: 0 })).toBe('1970-01-01T00:00:00Z');
  });

  it('formats each time on its own when seconds alternate', () => {
    // formatTime keeps the text of the last whole second; a change of second must replace it.
    const times = [1700000000, 1700000001, 1700000000, 1700003600, 1700000000];
    expect(times.map((sec) => formatTime({ sec, nsec: 0, digits: 0 }))).toEqual([
      '2023-11-14T22:13:20Z',
      '2023-11-14T22:13:21Z',
      '2023-11-14T22:13:20Z',
      '2023-11-14T23:13:20Z',
      '2023-11-14T22:13:20Z',
    ]);
  });

  it('formats SPIs as eight hex digits', () => {
    expect(formatSpi(0xff)).toBe('0x000000ff');
    expect(formatSpi(0xffffffff)).toBe('0xffffffff');
  });
});
