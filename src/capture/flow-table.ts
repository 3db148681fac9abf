// The flows of ESP packets a reading thread has seen: one id for each
// combination of IP version, addresses, UDP encapsulation, ports and SPI. The
// reading thread writes the fields of a flow's first packet in full and only
// the id for every later one (batches.ts). The analysing thread then looks up
// the SA and the address texts once per flow, not once per packet.
//
// An id stands for a key that never changes, so ids need no expiry. The
// table stops adding flows at MAX_FLOWS, and packets of later flows are
// written in full, as without the table, so memory stays bounded.

/** Maximum number of flows in a table. */
export const MAX_FLOWS = 1 << 16;

/** Words of a key: version and UDP flag, SPI, ports, then 2 (IPv4) or 8 (IPv6) address words. */
const KEY_WORDS = 11;
const IPV4_KEY_WORDS = 5;
const INITIAL_FLOWS = 64;

export class FlowTable {
  /** The key of every flow, KEY_WORDS words each, by id. */
  private keys = new Int32Array(INITIAL_FLOWS * KEY_WORDS);
  /** Open addressing over the keys' hashes: the id + 1 of the flow in each slot, 0 for an empty slot. */
  private slots = new Int32Array(INITIAL_FLOWS * 2);
  /** The key being looked up. */
  private readonly probe = new Int32Array(KEY_WORDS);
  count = 0;
  /** Set by the last find() that added its flow. */
  added = false;

  /**
   * Returns the id of the IPv4 flow with these fields, adding it when it is
   * new (then `added` is true), or -1 when the table is full.
   */
  find4(udp: boolean, spi: number, ports: number, src: number, dst: number): number {
    // Written out for the five words, as this runs for most packets of most captures.
    const head = udp ? 0x104 : 4;
    let h = Math.imul(head, 0x9e3779b1);
    h = Math.imul(h ^ spi, 0x9e3779b1);
    h = Math.imul(h ^ ports, 0x9e3779b1);
    h = Math.imul(h ^ src, 0x9e3779b1);
    h = Math.imul(h ^ dst, 0x9e3779b1);
    h ^= h >>> 16;
    const slots = this.slots;
    const keys = this.keys;
    const mask = slots.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot]!;
      if (entry === 0) break;
      const base = (entry - 1) * KEY_WORDS;
      if (keys[base + 1] === (spi | 0) && keys[base + 3] === (src | 0) && keys[base + 4] === (dst | 0) && keys[base + 2] === (ports | 0) && keys[base] === head) {
        this.added = false;
        return entry - 1;
      }
    }
    const key = this.probe;
    key[0] = head;
    key[1] = spi;
    key[2] = ports;
    key[3] = src;
    key[4] = dst;
    return this.find(IPV4_KEY_WORDS);
  }

  /**
   * Returns the id of the IPv6 flow whose 32 address bytes start at
   * buf[addresses], as find4() does.
   */
  find6(udp: boolean, spi: number, ports: number, buf: Uint8Array, addresses: number): number {
    const key = this.probe;
    key[0] = udp ? 0x106 : 6;
    key[1] = spi;
    key[2] = ports;
    for (let i = 0, p = addresses; i < 8; i++, p += 4) key[3 + i] = (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
    return this.find(KEY_WORDS);
  }

  /** Looks up the first `words` words of the probe key. */
  private find(words: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    // The table is never more than half full, so the probe meets an empty slot.
    for (let slot = hashOf(this.probe, 0, words) & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot]!;
      if (entry === 0) return this.add(slot, words);
      if (this.matches(entry - 1, words)) {
        this.added = false;
        return entry - 1;
      }
    }
  }

  private matches(id: number, words: number): boolean {
    const keys = this.keys;
    const key = this.probe;
    const base = id * KEY_WORDS;
    for (let i = 0; i < words; i++) if (keys[base + i] !== key[i]) return false;
    return true;
  }

  private add(slot: number, words: number): number {
    this.added = false;
    if (this.count === MAX_FLOWS) return -1;
    const id = this.count;
    if ((id + 1) * KEY_WORDS > this.keys.length) {
      const grown = new Int32Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    this.keys.set(this.probe.subarray(0, words), id * KEY_WORDS);
    if (words < KEY_WORDS) this.keys.fill(0, id * KEY_WORDS + words, (id + 1) * KEY_WORDS);
    this.count = id + 1;
    this.added = true;
    if (this.count * 2 > this.slots.length) this.rehash();
    else this.slots[slot] = id + 1;
    return id;
  }

  /** Doubles the slots and places every flow again. */
  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 0; id < this.count; id++) {
      const base = id * KEY_WORDS;
      const words = (this.keys[base]! & 0xff) === 4 ? IPV4_KEY_WORDS : KEY_WORDS;
      let slot = hashOf(this.keys, base, words) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = id + 1;
    }
    this.slots = slots;
  }
}

/** Multiplicative hashing of `n` key words from key[base]: keys often differ in a few bits of one word. */
function hashOf(key: Int32Array, base: number, n: number): number {
  let h = 0;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ key[base + i]!, 0x9e3779b1);
  return h ^ (h >>> 16);
}
