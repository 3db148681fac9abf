// An index of Child SAs by SPI for the per-packet lookup: an open-addressing
// hash table over the SPI's 32 bits. A Map keyed by SPI costs more per
// packet, because SPIs of 2^31 and above are not small integers to V8 and
// every lookup boxes one. The table contains SAs the tracker already found,
// and since the tracker never drops an SA, an entry never goes stale.

import type { ChildSa } from './child-sa.js';
import type { IpsecProtocol } from './events.js';

const INITIAL_SLOTS = 256;

export class SpiIndex {
  private keys = new Int32Array(INITIAL_SLOTS);
  private sas: (ChildSa | undefined)[] = new Array<ChildSa | undefined>(INITIAL_SLOTS).fill(undefined);
  private count = 0;

  /** Returns the SA of this receiver, protocol and SPI when it was added, else undefined. */
  get(receiver: string, protocol: IpsecProtocol, spi: number): ChildSa | undefined {
    const key = spi | 0;
    const mask = this.keys.length - 1;
    // The table is never more than half full, so the probe meets an empty slot.
    for (let slot = slotOf(key, mask); ; slot = (slot + 1) & mask) {
      const sa = this.sas[slot];
      if (sa === undefined) return undefined;
      if (this.keys[slot] === key && sa.receiver === receiver && sa.protocol === protocol) return sa;
    }
  }

  /** Adds an SA that get() does not return yet. */
  add(sa: ChildSa): void {
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    this.insert(sa);
    this.count++;
  }

  private insert(sa: ChildSa): void {
    const key = sa.spi | 0;
    const mask = this.keys.length - 1;
    let slot = slotOf(key, mask);
    while (this.sas[slot] !== undefined) slot = (slot + 1) & mask;
    this.keys[slot] = key;
    this.sas[slot] = sa;
  }

  private grow(): void {
    const old = this.sas;
    this.keys = new Int32Array(old.length * 2);
    this.sas = new Array<ChildSa | undefined>(old.length * 2).fill(undefined);
    for (const sa of old) if (sa !== undefined) this.insert(sa);
  }
}

/** Multiplicative hashing: SPIs often differ only in a few bits, and the multiply spreads them over the table. */
function slotOf(key: number, mask: number): number {
  const h = Math.imul(key, 0x9e3779b1);
  return (h ^ (h >>> 16)) & mask;
}
