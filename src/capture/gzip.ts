// Decompression of gzip files (RFC 1952) member by member.
//
// Node's gzip mode (createGunzip) takes any non-zero byte after a member as
// the start of another member. Bytes appended after the compressed data (a
// transfer that padded the file, a tool that wrote a trailer of its own) then
// fail with "incorrect header check". Node drops the output of the last
// inflate call with that error, so up to 64 KiB of frames went missing, where
// gzip and tshark read such a file to its end. Here the header and trailer of
// each member are parsed in TypeScript, the raw deflate data goes to
// createInflateRaw, and what follows the last member becomes a problem
// report after every frame has been handed over.

import { createInflateRaw, crc32 } from 'node:zlib';

/** A fault in the gzip framing, reported as the input's failure: `kind` becomes InputFailure.cause. */
export class GzipFault extends Error {
  constructor(
    readonly reason: string,
    readonly kind: 'truncated' | 'malformed',
  ) {
    super(reason);
  }
}

// Header flags (RFC 1952 section 2.3.1).
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const RESERVED_FLAGS = 0xe0;

/** Bytes of the fixed header (ID1, ID2, CM, FLG, MTIME, XFL, OS) and of the trailer (CRC32, ISIZE). */
const HEADER_BYTES = 10;
const TRAILER_BYTES = 8;

/**
 * Compressed bytes per write to the inflater. Its output is held until the
 * write completes, and pcap data can compress 10 to 20 times, so this keeps
 * that output near 1 MiB.
 */
const INFLATE_INPUT_BYTES = 64 << 10;

/** Maximum length of a zero-terminated FNAME or FCOMMENT field, so a corrupt header cannot buffer the whole file. */
const MAX_HEADER_STRING = 64 << 10;

/** Compressed bytes taken from a source one chunk at a time, with the look-ahead the framing needs. */
class ByteQueue {
  private chunk: Uint8Array = new Uint8Array(0);
  private ended = false;

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  /** Makes at least `n` bytes available unless the input ends first; returns how many are. */
  async fill(n: number): Promise<number> {
    while (this.chunk.length < n && !this.ended) {
      const step = await this.source.next();
      if (step.done) {
        this.ended = true;
        break;
      }
      if (step.value.length === 0) continue;
      this.chunk = this.chunk.length === 0 ? step.value : concat(this.chunk, step.value);
    }
    return Math.min(n, this.chunk.length);
  }

  /** Returns the byte at `i` of the buffered bytes (fill first). */
  at(i: number): number {
    return this.chunk[i]!;
  }

  /** Removes and returns `n` buffered bytes (fill first). */
  take(n: number): Uint8Array {
    const bytes = this.chunk.subarray(0, n);
    this.chunk = this.chunk.subarray(n);
    return bytes;
  }

  /** Removes and returns up to `max` buffered bytes, reading the next chunk of the source when none are; null at the end. */
  async next(max: number): Promise<Uint8Array | null> {
    if (this.chunk.length > 0 || (await this.fill(1)) > 0) return this.take(Math.min(max, this.chunk.length));
    return null;
  }

  /** Puts bytes back in front of the buffered ones. */
  unshift(bytes: Uint8Array): void {
    if (bytes.length > 0) this.chunk = this.chunk.length === 0 ? bytes : concat(bytes, this.chunk);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}

const CUT = 'gzip stream cut short';

/** Consumes one member header, or throws a GzipFault. The queue starts at ID1. */
async function readHeader(queue: ByteQueue, member: number): Promise<void> {
  if ((await queue.fill(HEADER_BYTES)) < HEADER_BYTES) throw new GzipFault(CUT, 'truncated');
  if (queue.at(0) !== 0x1f || queue.at(1) !== 0x8b) throw new GzipFault(`corrupt gzip stream (member ${member} does not start with 1f 8b)`, 'malformed');
  if (queue.at(2) !== 8) throw new GzipFault(`corrupt gzip stream (member ${member} has compression method ${queue.at(2)}, not deflate)`, 'malformed');
  const flags = queue.at(3);
  if ((flags & RESERVED_FLAGS) !== 0) throw new GzipFault(`corrupt gzip stream (member ${member} sets reserved flags 0x${flags.toString(16)})`, 'malformed');
  queue.take(HEADER_BYTES);

  if (flags & FEXTRA) {
    if ((await queue.fill(2)) < 2) throw new GzipFault(CUT, 'truncated');
    const length = queue.at(0) | (queue.at(1) << 8);
    queue.take(2);
    if ((await queue.fill(length)) < length) throw new GzipFault(CUT, 'truncated');
    queue.take(length);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if ((flags & flag) === 0) continue;
    await skipZeroTerminated(queue, member, flag === FNAME ? 'file name' : 'comment');
  }
  if (flags & FHCRC) {
    if ((await queue.fill(2)) < 2) throw new GzipFault(CUT, 'truncated');
    queue.take(2);
  }
}

async function skipZeroTerminated(queue: ByteQueue, member: number, field: string): Promise<void> {
  for (let length = 1; length <= MAX_HEADER_STRING; length++) {
    if ((await queue.fill(length)) < length) throw new GzipFault(CUT, 'truncated');
    if (queue.at(length - 1) === 0) {
      queue.take(length);
      return;
    }
  }
  throw new GzipFault(`corrupt gzip stream (the ${field} of member ${member} is longer than ${MAX_HEADER_STRING} bytes)`, 'malformed');
}

/**
 * Inflates the raw deflate data of one member, yielding the output as it
 * comes, and leaves the queue at the member's trailer. Returns the CRC-32
 * and length of the output.
 */
async function* inflateMember(queue: ByteQueue, outputChunk: number): AsyncGenerator<Uint8Array, { crc: number; size: number }> {
  const inflate = createInflateRaw({ chunkSize: outputChunk });
  const output: Uint8Array[] = [];
  let error: Error | null = null;
  inflate.on('data', (data: Uint8Array) => output.push(data));
  inflate.on('error', (err: Error) => (error = err));
  let crc = 0;
  let size = 0;
  function* drain(): Generator<Uint8Array> {
    for (const data of output.splice(0)) {
      crc = crc32(data, crc);
      size = (size + data.length) >>> 0;
      yield data;
    }
  }

  let fed = 0;
  try {
    for (;;) {
      const input = await queue.next(INFLATE_INPUT_BYTES);
      if (input === null) {
        // The input ended inside the deflate data: zlib reports Z_BUF_ERROR on end().
        await new Promise<void>((resolve) => {
          inflate.once('close', resolve);
          inflate.end();
        });
        yield* drain();
        throw error ?? new GzipFault(CUT, 'truncated');
      }
      // zlib destroys the stream on corrupt data, and a write cut short by that may never call back.
      await new Promise<void>((resolve) => {
        inflate.once('close', resolve);
        inflate.write(input, () => {
          inflate.off('close', resolve);
          resolve();
        });
      });
      fed += input.length;
      yield* drain();
      if (error !== null) throw error;

      // A write is complete once zlib has taken all of it or the deflate
      // data has ended, so bytes left over mean the end of the member. When
      // the data ends exactly with a chunk, the next write is not taken at all.
      const left = fed - inflate.bytesWritten;
      if (left > 0) {
        queue.unshift(input.subarray(input.length - left));
        // 'end' comes after the last 'data' event.
        if (!inflate.readableEnded) {
          await new Promise<void>((resolve) => {
            inflate.once('end', resolve);
            inflate.once('close', resolve);
          });
        }
        if (error !== null) throw error;
        yield* drain();
        return { crc, size };
      }
    }
  } finally {
    inflate.destroy();
  }
}

/**
 * Decompresses a gzip file of one or more members. After the last member,
 * zero bytes (padding) are ignored, as gzip ignores them, and any other bytes
 * end the output with a GzipFault that counts them. A member whose CRC-32 or
 * length does not match its output also ends it with a GzipFault, after the
 * output.
 */
export async function* gunzipMembers(compressed: AsyncIterator<Uint8Array>, outputChunk: number): AsyncGenerator<Uint8Array> {
  const queue = new ByteQueue(compressed);
  for (let member = 1; ; member++) {
    await readHeader(queue, member);
    const { crc, size } = yield* inflateMember(queue, outputChunk);
    if ((await queue.fill(TRAILER_BYTES)) < TRAILER_BYTES) throw new GzipFault(CUT, 'truncated');
    const trailer = queue.take(TRAILER_BYTES);
    const view = new DataView(trailer.buffer, trailer.byteOffset, TRAILER_BYTES);
    if (view.getUint32(0, true) !== crc) throw new GzipFault(`corrupt gzip stream (CRC-32 of member ${member} does not match its data)`, 'malformed');
    if (view.getUint32(4, true) !== size) throw new GzipFault(`corrupt gzip stream (length of member ${member} does not match its data)`, 'malformed');

    // Another member, the end, zero padding, or other data.
    const available = await queue.fill(2);
    if (available === 0) return;
    if (available === 2 && queue.at(0) === 0x1f && queue.at(1) === 0x8b) continue;
    let extra = 0;
    let nonZero = false;
    for (let rest = await queue.next(Infinity); rest !== null; rest = await queue.next(Infinity)) {
      extra += rest.length;
      if (!nonZero && rest.some((b) => b !== 0)) nonZero = true;
    }
    if (nonZero) throw new GzipFault(`${extra} ${extra === 1 ? 'byte' : 'bytes'} after the end of the gzip data ignored`, 'malformed');
    return;
  }
}
