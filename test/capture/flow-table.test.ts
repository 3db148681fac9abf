// The flow table of the reading thread: one stable id per combination of IP
// version, addresses, UDP encapsulation, ports and SPI, and no new ids once
// it is full.

import { describe, expect, it } from 'vitest';
import { FlowTable, MAX_FLOWS } from '../../src/capture/flow-table.js';

const SRC = 0xc6336401; // 198.51.100.1
const DST = 0xcb007102; // 203.0.113.2

/** 32 address bytes of an IPv6 pair that differ from another pair in the last byte only. */
function ipv6Pair(last: number): Uint8Array {
  const bytes = new Uint8Array(32);
  bytes.set([0x20, 0x01, 0x0d, 0xb8], 0);
  bytes.set([0x20, 0x01, 0x0d, 0xb8], 16);
  bytes[31] = last;
  return bytes;
}

describe('flow table', () => {
  it('flow table reuses known ids', () => {
    const flows = new FlowTable();
    expect(flows.find4(false, 0x1000, 0, SRC, DST)).toBe(0);
    expect(flows.added).toBe(true);
    expect(flows.find4(false, 0x1001, 0, SRC, DST)).toBe(1);
    expect(flows.find4(false, 0x1000, 0, SRC, DST)).toBe(0);
    expect(flows.added).toBe(false);
  });

  it('flow table tells every field of the key apart', () => {
    const flows = new FlowTable();
    const ids = [
      flows.find4(false, 0x1000, 0, SRC, DST),
      flows.find4(true, 0x1000, 0, SRC, DST),
      flows.find4(true, 0x1000, (4500 << 16) | 4501, SRC, DST),
      flows.find4(false, 0x1000, 0, DST, SRC),
      flows.find4(false, 0xffffffff, 0, SRC, DST),
      flows.find6(false, 0x1000, 0, ipv6Pair(1), 0),
      flows.find6(false, 0x1000, 0, ipv6Pair(2), 0),
      flows.find6(true, 0x1000, 0, ipv6Pair(1), 0),
    ];
    expect(ids).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // SPIs of 2^31 and above, and an IPv6 pair read at an offset, find their flows again.
    expect(flows.find4(false, 0xffffffff, 0, SRC, DST)).toBe(4);
    const shifted = new Uint8Array(40);
    shifted.set(ipv6Pair(2), 8);
    expect(flows.find6(false, 0x1000, 0, shifted, 8)).toBe(6);
  });

  it('flow table keeps its ids as it grows', () => {
    const flows = new FlowTable();
    for (let spi = 0; spi < 5000; spi++) expect(flows.find4(false, spi, 0, SRC, DST)).toBe(spi);
    for (let spi = 4999; spi >= 0; spi -= 7) expect(flows.find4(false, spi, 0, SRC, DST)).toBe(spi);
    expect(flows.count).toBe(5000);
  });

  it('flow table gives no id past its limit', () => {
    const flows = new FlowTable();
    for (let spi = 0; spi < MAX_FLOWS; spi++) flows.find4(false, spi, 0, SRC, DST);
    expect(flows.find4(false, MAX_FLOWS, 0, SRC, DST)).toBe(-1);
    expect(flows.added).toBe(false);
    // Flows already in the table keep their ids.
    expect(flows.find4(false, 12345, 0, SRC, DST)).toBe(12345);
    expect(flows.count).toBe(MAX_FLOWS);
  });
});
