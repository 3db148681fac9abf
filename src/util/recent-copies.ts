// A short memory of recent packets by key, to recognise the same packet
// captured in two inputs (at both peers, or on both sides of a NAT).

/**
 * The last `size` keys with the input and time each was seen in. A key seen
 * again within a second in another input is a copy of the same packet. The
 * key is what the packet carries unchanged across a NAT: the sequence number
 * within an SA, the CRC-32 of an IKE message, the fields an ICMP error quotes.
 */
export class RecentCopies {
  private readonly keys: (string | number | null)[];
  private readonly inputs: Int32Array;
  private readonly times: Float64Array;
  private next = 0;

  constructor(size: number) {
    this.keys = new Array<string | number | null>(size).fill(null);
    this.inputs = new Int32Array(size);
    this.times = new Float64Array(size);
  }

  /** Returns true when `key` was seen within a second in another input. Otherwise remembers it. */
  seenElsewhere(key: string | number, input: number, time: number): boolean {
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] === key && this.inputs[i] !== input && Math.abs(this.times[i]! - time) < 1) return true;
    }
    this.keys[this.next] = key;
    this.inputs[this.next] = input;
    this.times[this.next] = time;
    this.next = (this.next + 1) % this.keys.length;
    return false;
  }
}
