// Bounded big-endian reader for wire formats, and small byte helpers.
//
// Every decoder reads through ByteReader. A read past the end of the region
// does not throw: it returns 0 (or an empty view) and records the first
// shortfall, so a run of field reads can be written in wire order and checked
// once afterwards.

/** Where a read ran past the end of its region. */
export interface Shortfall {
  /** Offset in the underlying buffer where the failing read started. */
  offset: number;
  /** Bytes the read needed. */
  needed: number;
  /** Bytes that were left. */
  present: number;
}

/** Bounded big-endian reader over a view of a buffer. */
export class ByteReader {
  readonly buf: Uint8Array;
  readonly start: number;
  readonly end: number;
  pos: number;
  /** The first read that ran past `end`, or null while every read fitted. */
  short: Shortfall | null = null;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.start = Math.max(0, Math.min(start, buf.length));
    this.end = Math.max(this.start, Math.min(end, buf.length));
    this.pos = this.start;
  }

  /** Bytes left between the cursor and the end of the region. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Offset of the cursor relative to the start of the region. */
  get offset(): number {
    return this.pos - this.start;
  }

  has(n: number): boolean {
    return n >= 0 && this.pos + n <= this.end;
  }

  private fail(n: number): void {
    if (this.short === null) this.short = { offset: this.pos, needed: n, present: Math.max(0, this.end - this.pos) };
    this.pos = this.end;
  }

  u8(): number {
    if (this.pos + 1 > this.end) {
      this.fail(1);
      return 0;
    }
    return this.buf[this.pos++]!;
  }

  u16(): number {
    if (this.pos + 2 > this.end) {
      this.fail(2);
      return 0;
    }
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u24(): number {
    if (this.pos + 3 > this.end) {
      this.fail(3);
      return 0;
    }
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 3;
    return (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
  }

  u32(): number {
    if (this.pos + 4 > this.end) {
      this.fail(4);
      return 0;
    }
    const v = readU32(this.buf, this.pos);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    if (this.pos + 8 > this.end) {
      this.fail(8);
      return 0n;
    }
    const hi = BigInt(readU32(this.buf, this.pos));
    const lo = BigInt(readU32(this.buf, this.pos + 4));
    this.pos += 8;
    return (hi << 32n) | lo;
  }

  /** Returns a view (no copy) of the next n bytes. */
  bytes(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.end) {
      this.fail(n);
      return this.buf.subarray(this.end, this.end);
    }
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Returns a reader over the next n bytes and moves past them. */
  sub(n: number): ByteReader {
    if (n < 0 || this.pos + n > this.end) {
      this.fail(n);
      return new ByteReader(this.buf, this.end, this.end);
    }
    const r = new ByteReader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }

  skip(n: number): void {
    if (n < 0 || this.pos + n > this.end) {
      this.fail(n);
      return;
    }
    this.pos += n;
  }

  /** Returns a view of everything from the cursor to the end and moves there. */
  rest(): Uint8Array {
    const v = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return v;
  }
}

export function readU16(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}

export function readU32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

export function readU16LE(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8);
}

export function readU32LE(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lowercase hex of a byte view, no separators. */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!]!;
  return s;
}

/** Parses an even-length hex string (an optional 0x prefix is allowed); returns null when it is not hex. */
export function fromHex(text: string): Uint8Array | null {
  const s = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text;
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return null;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
