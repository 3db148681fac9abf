// The chunk buffers shared by the pcap and pcapng readers. Bytes are read
// into one large buffer and frames are views into it. Before a refill, the
// unparsed tail (at most one partial record) moves to the front, so a record
// that straddles two reads is copied once, and memory stays at one chunk
// (two for streams, below) however large the file. A record larger than a
// chunk grows the buffer by doubling as its bytes arrive, never ahead of
// them, up to the record limit.
//
// Files are read synchronously when a batch is used up, because a read is a
// copy from the page cache. Handing it to the thread pool measured slower for
// the reader alone on the benchmark capture, and for the whole analysis on
// two shared cores it took as long while using more processor time.
// Streams (gzip, standard input) cannot be read that way, so for them two
// buffers take turns. For next(), once a batch is handed out, its tail is
// copied into the other buffer and the next read into it starts, so zlib
// works while the caller handles the batch. scan() hands a batch to its
// visitor before it returns, so it starts the next read before the walk,
// into the other buffer behind room for the tail (a read ahead).
//
// Each format walks its records once, handing each to a RecordVisitor as
// numbers. next() builds a CapturedFrame per record from them; scan() passes
// them straight to the caller's visitor, so no object is built per record.

import type { CapturedFrame, FrameNumber } from '../types.js';
import type { ByteInput } from './input.js';
import { linkTypeName } from './linktypes.js';
import type { CaptureFormat, CaptureInfo, CaptureProblem, CaptureSource, ReaderPosition, RecordVisitor } from './types.js';

/**
 * Bytes read per refill by default (see ChunkedReader.chunkSize). The
 * reading thread sets 256 KiB (scan-worker.ts).
 *
 * NOTE: 256 KiB here made next() over a cached file about a fifth faster on
 * a machine with 2 MiB of L2 cache per core, and analyze no faster. It also
 * lowered the peak RSS of one-thread runs, and the benchmark's memory
 * target, which compares them with runs of the reading thread, then failed.
 */
export const CHUNK_SIZE = 4 << 20;
const MIN_BUFFER = 64 << 10;

/** Records or blocks claiming more bytes than this are treated as corrupt rather than buffered. */
export const MAX_RECORD_BYTES = 256 << 20;

/** Problems listed per input. Past this, one closing entry reports how many more were dropped. */
export const MAX_PROBLEMS = 100;

/** Builds a CapturedFrame for every record, as next() returns them. */
class FrameCollector implements RecordVisitor {
  frames: CapturedFrame[] = [];
  // The ArrayBuffer behind the last chunk, looked up once per chunk rather than once per record.
  private chunk: Uint8Array | null = null;
  private bytes: ArrayBuffer = new ArrayBuffer(0);

  constructor(private readonly input: number) {}

  record(buf: Uint8Array, start: number, caplen: number, origLength: number, sec: number, nsec: number, digits: number, frame: number, linkType: number): void {
    if (buf !== this.chunk) {
      this.chunk = buf;
      this.bytes = buf.buffer as ArrayBuffer;
    }
    this.frames.push({
      input: this.input,
      frame: frame as FrameNumber,
      time: { sec, nsec, digits },
      linkType,
      // A view built on the ArrayBuffer measured faster than buf.subarray.
      data: new Uint8Array(this.bytes, buf.byteOffset + start, caplen),
      origLength,
    });
  }
}

/**
 * Room left at the front of a read-ahead buffer for the unparsed tail of the
 * current one: a tail is at most one record, and records this size or
 * smaller cover every link layer's usual snapshot length.
 */
const READ_AHEAD_RESERVE = 256 << 10;

/** A read under way into the buffer that takes over at the next call. */
interface PendingFill {
  done: Promise<{ end: number; eof: boolean } | { error: unknown }>;
  buffer: Uint8Array;
  /** File offset of buffer[0]; unused for a read ahead. */
  base: number;
  /**
   * True for a read ahead (see startReadAhead): the new bytes start at
   * READ_AHEAD_RESERVE, and the unparsed tail of the current buffer goes in
   * front of them once the read is complete.
   */
  ahead: boolean;
}

export abstract class ChunkedReader implements CaptureSource {
  readonly info: CaptureInfo;
  readonly problems: CaptureProblem[] = [];

  /**
   * Bytes read per refill. The buffer takes this much memory for as long as
   * the reader is open; set it before the first scan() or next().
   */
  chunkSize = CHUNK_SIZE;
  /** The size of the first chunk buffer: a chunk, or the whole input (at least MIN_BUFFER) when it is smaller. */
  private readonly capacity: number;
  protected buf: Uint8Array;
  protected view: DataView;
  /** Next unparsed byte in buf. */
  protected pos = 0;
  /** End of the valid bytes in buf. */
  protected end = 0;
  /**
   * Offset in the (decompressed) file of buf[0]. It starts as -0, which V8
   * keeps as a double, so the field is a double from the start. Offsets pass
   * 2^31 in files over 2 GiB. When the field changed from a small integer to
   * a double there, V8 threw away the compiled walk (a "wrong map"
   * deoptimization), twice on the benchmark capture. -0 + 0 is 0, so no
   * offset computed from it is ever -0.
   */
  protected base = -0;
  /** Total bytes the record at pos needs when buf contains fewer, else 0. */
  protected need = 0;
  protected eof = false;
  /** Set when a corrupt record or block makes the rest of the file unreadable. */
  protected stopped = false;
  /** Frames delivered so far. */
  protected frameCount = 0;
  /**
   * The last frame number given out. It runs ahead of frameCount when a file
   * contains records that Wireshark numbers as frames but that carry no packet.
   */
  protected lastNumber = 0;
  private droppedProblems = 0;
  private readonly collector: FrameCollector;
  /** The buffer not in use, kept for the next fill when it has the right size. */
  private spare: Uint8Array | null = null;
  private pending: PendingFill | null = null;
  private closed = false;

  constructor(
    protected readonly input: ByteInput,
    head: Uint8Array,
    readonly inputIndex: number,
    path: string,
    format: CaptureFormat,
    compressed: boolean,
  ) {
    const expected = input.size ?? input.sizeHint ?? null;
    this.capacity = expected === null ? CHUNK_SIZE : Math.min(CHUNK_SIZE, Math.max(MIN_BUFFER, expected));
    // The chunk buffer comes with the first refill: a reader that hands over
    // after the header (to a worker thread) never needs one.
    this.buf = head.slice();
    this.end = head.length;
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.info = { path, format, compressed, linkTypes: [], frames: 0, first: null, last: null };
    this.collector = new FrameCollector(inputIndex);
  }

  /**
   * Hands the complete records between pos and end to `visitor`, moving pos
   * past them, and returns how many it handed over. Sets `need` when the
   * record at pos is incomplete, or calls stop() when it is corrupt. Calls
   * delivered() when it handed over any record.
   */
  protected abstract walk(visitor: RecordVisitor): number;

  /** Names the incomplete record at pos when the input ends inside it. */
  protected abstract describeCut(): string;

  async next(): Promise<CapturedFrame[] | null> {
    const collector = this.collector;
    collector.frames = [];
    return (await this.advance(collector, false)) ? collector.frames : null;
  }

  /**
   * Hands the next batch of records to `visitor`, or resolves to false at the
   * end. The visitor must not call back into this reader. For a stream, the
   * read of the following batch runs while the visitor handles this one.
   */
  scan(visitor: RecordVisitor): Promise<boolean> {
    return this.advance(visitor, this.input.readSync === undefined);
  }

  /**
   * Reads until at least one record has gone to `visitor`, or the input ends
   * (false). With `readAhead`, the next read starts before the walk, so that
   * it runs while the visitor works.
   */
  private async advance(visitor: RecordVisitor, readAhead: boolean): Promise<boolean> {
    for (;;) {
      if (this.stopped) return this.finishReading();
      if (this.pending !== null) await this.completeFill();
      // `need` is left by the last walk: a record too large for a read ahead grows the buffer below instead.
      if (readAhead && !this.eof && this.need <= READ_AHEAD_RESERVE && this.buf.length > 2 * READ_AHEAD_RESERVE) this.startReadAhead();
      this.need = 0;
      if (this.walk(visitor) > 0) {
        if (this.pending === null && this.input.readSync === undefined && !this.eof && !this.stopped) this.startFill();
        return true;
      }
      if (this.stopped) return this.finishReading();
      if (this.pending !== null) continue;
      if (this.eof) {
        this.finish();
        return this.finishReading();
      }
      if (this.input.readSync !== undefined) this.fillSync(this.input.readSync.bind(this.input));
      else this.startFill();
    }
  }

  /** Counts the records a walk handed over and notes the capture times of the first and last one. */
  protected delivered(count: number, firstSec: number, firstNsec: number, firstDigits: number, lastSec: number, lastNsec: number, lastDigits: number): void {
    this.frameCount += count;
    this.info.frames = this.frameCount;
    if (this.info.first === null) this.info.first = { sec: firstSec, nsec: firstNsec, digits: firstDigits };
    this.info.last = { sec: lastSec, nsec: lastNsec, digits: lastDigits };
  }

  /** See CaptureSource.suspend. */
  suspend(): ReaderPosition | null {
    if (this.stopped || this.eof || this.pending !== null || this.input.seek === undefined) return null;
    this.stopped = true;
    return {
      offset: this.offsetOf(this.pos),
      lastNumber: this.lastNumber,
      frames: this.frameCount,
      info: structuredClone(this.info),
      problems: structuredClone(this.problems),
      droppedProblems: this.droppedProblems,
      format: this.formatState(),
    };
  }

  /**
   * Goes on from where a reader of the same file stopped (see suspend), in
   * place of reading from the start: the next record handed over is the one
   * at `position.offset`. Called before the first scan().
   */
  resume(position: ReaderPosition): void {
    const seek = this.input.seek;
    if (seek === undefined) throw new Error(`${this.info.path}: cannot read from an offset`);
    seek.call(this.input, position.offset);
    this.base = position.offset;
    this.pos = 0;
    this.end = 0;
    this.need = 0;
    this.eof = false;
    this.stopped = false;
    this.lastNumber = position.lastNumber;
    this.frameCount = position.frames;
    Object.assign(this.info, position.info);
    this.problems.length = 0;
    this.problems.push(...position.problems);
    this.droppedProblems = position.droppedProblems;
    this.restoreFormatState(position.format);
  }

  /** What the format reader has learnt from the records so far, for suspend(). */
  protected abstract formatState(): ReaderPosition['format'];

  /** Takes over the state another reader of the same file returned from formatState(). */
  protected abstract restoreFormatState(state: ReaderPosition['format']): void;

  async close(): Promise<void> {
    this.stopped = true;
    // Let a read under way finish before the file handle goes.
    if (this.pending !== null) await this.pending.done;
    this.pending = null;
    if (!this.closed) {
      this.closed = true;
      await this.input.close();
    }
  }

  /** Closes the input once the last frame is out, so a caller that forgets close() leaks no file handle. */
  private async finishReading(): Promise<false> {
    await this.close();
    return false;
  }

  protected addLinkType(linkType: number): void {
    if (!this.info.linkTypes.some((t) => t.number === linkType)) {
      this.info.linkTypes.push({ number: linkType, name: linkTypeName(linkType) });
    }
  }

  /** Records a problem at the given frame number (the next frame when it precedes one). */
  protected problem(frame: number, reason: string, cause: 'truncated' | 'malformed', offset?: number): void {
    if (this.problems.length < MAX_PROBLEMS) {
      const entry: CaptureProblem = { frame, layer: this.info.format, reason, cause };
      if (offset !== undefined) entry.offset = offset;
      this.problems.push(entry);
      return;
    }
    this.droppedProblems++;
  }

  /** Records a corrupt record that makes the rest of the file unreadable, and stops reading. */
  protected stop(frame: number, reason: string, offset: number): void {
    this.problem(frame, `${reason}; the rest of the file is not read`, 'malformed', offset);
    this.stopped = true;
  }

  /** File offset of a position in buf. */
  protected offsetOf(p: number): number {
    return this.base + p;
  }

  private finish(): void {
    if (this.end > this.pos) {
      this.problem(this.lastNumber + 1, this.describeCut(), 'truncated', this.offsetOf(this.pos));
      this.pos = this.end;
    }
    const failure = this.input.failure;
    if (failure !== null) {
      this.problems.push({ frame: this.lastNumber + 1, layer: 'gzip', reason: failure.reason, cause: failure.cause });
    }
    if (this.droppedProblems > 0) {
      this.problems.push({
        frame: this.lastNumber + 1,
        layer: this.info.format,
        reason: `${this.droppedProblems} more problems in this file are not listed`,
        cause: 'malformed',
      });
    }
    this.stopped = true;
  }

  /** Returns the buffer size for the next fill: grown while the record at pos needs more room, back to a chunk once it has passed. */
  private nextCapacity(keep: number): number {
    const capacity = Math.max(this.buf.length, this.capacity, MIN_BUFFER);
    if (this.need > capacity) return Math.min(this.need, capacity * 2);
    const chunk = this.chunkSize;
    if (capacity > chunk && keep <= chunk && this.need <= chunk) return chunk;
    return capacity;
  }

  /** Moves the unparsed tail to the front of the buffer (a new one when the size changes) and reads until it is full. */
  private fillSync(readSync: (into: Uint8Array, offset: number, length: number) => number): void {
    const keep = this.end - this.pos;
    const capacity = this.nextCapacity(keep);
    if (capacity !== this.buf.length) {
      const resized = new Uint8Array(capacity);
      resized.set(this.buf.subarray(this.pos, this.end));
      this.buf = resized;
      this.view = new DataView(resized.buffer, resized.byteOffset, resized.byteLength);
    } else if (keep > 0) {
      this.buf.copyWithin(0, this.pos, this.end);
    }
    this.base += this.pos;
    this.pos = 0;
    this.end = keep;
    this.need = 0;
    while (this.end < this.buf.length) {
      const n = readSync(this.buf, this.end, this.buf.length - this.end);
      if (n === 0) {
        this.eof = true;
        return;
      }
      this.end += n;
    }
  }

  /**
   * Copies the unparsed tail into the other buffer and starts reading after
   * it. buf and the frames on it stay untouched until completeFill.
   */
  private startFill(): void {
    const keep = this.end - this.pos;
    const capacity = this.nextCapacity(keep);
    const target = this.spare !== null && this.spare.length === capacity ? this.spare : new Uint8Array(capacity);
    this.spare = null;
    target.set(this.buf.subarray(this.pos, this.end));
    this.pending = { done: this.readInto(target, keep), buffer: target, base: this.base + this.pos, ahead: false };
  }

  /**
   * Starts reading the bytes after `end` into the other buffer, behind room
   * for the tail that the coming walk leaves. buf stays untouched until
   * completeFill.
   */
  private startReadAhead(): void {
    const capacity = Math.min(this.buf.length, this.chunkSize);
    const target = this.spare !== null && this.spare.length === capacity ? this.spare : new Uint8Array(capacity);
    this.spare = null;
    this.pending = { done: this.readInto(target, READ_AHEAD_RESERVE), buffer: target, base: 0, ahead: true };
  }

  private async readInto(target: Uint8Array, start: number): Promise<{ end: number; eof: boolean } | { error: unknown }> {
    let end = start;
    try {
      while (end < target.length) {
        const n = await this.input.read(target, end, target.length - end);
        if (n === 0) return { end, eof: true };
        end += n;
        if (this.input.interactive) break;
      }
      return { end, eof: false };
    } catch (error) {
      return { error };
    }
  }

  /** Waits for the read under way and makes its buffer the current one. */
  private async completeFill(): Promise<void> {
    const pending = this.pending!;
    const result = await pending.done;
    this.pending = null;
    if ('error' in result) throw result.error;
    if (pending.ahead) {
      this.joinReadAhead(pending.buffer, result.end);
    } else {
      this.spare = this.buf;
      this.useBuffer(pending.buffer, pending.base, 0, result.end);
      this.need = 0;
    }
    this.eof = result.eof;
  }

  /**
   * Puts the unparsed tail of buf in front of the bytes a read ahead placed
   * at READ_AHEAD_RESERVE in `target`, and makes the result the current
   * buffer. A tail too long for the room goes with the new bytes into a
   * buffer of its own. `need` stays as the walk left it.
   */
  private joinReadAhead(target: Uint8Array, end: number): void {
    const keep = this.end - this.pos;
    const tail = this.buf.subarray(this.pos, this.end);
    const tailBase = this.base + this.pos;
    if (keep <= READ_AHEAD_RESERVE) {
      const start = READ_AHEAD_RESERVE - keep;
      target.set(tail, start);
      this.spare = this.buf;
      this.useBuffer(target, tailBase - start, start, end);
      return;
    }
    const joined = new Uint8Array(keep + end - READ_AHEAD_RESERVE);
    joined.set(tail);
    joined.set(target.subarray(READ_AHEAD_RESERVE, end), keep);
    this.spare = target;
    this.useBuffer(joined, tailBase, 0, joined.length);
  }

  /** Makes `buffer` the current one: `base` is the file offset of buffer[0], and [pos, end) the bytes to parse. */
  private useBuffer(buffer: Uint8Array, base: number, pos: number, end: number): void {
    this.buf = buffer;
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    this.base = base;
    this.pos = pos;
    this.end = end;
  }
}
