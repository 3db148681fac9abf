// The chunk buffers shared by the pcap and pcapng readers. Bytes are read
// into one large buffer and frames are views into it. Before a refill, the
// unparsed tail (at most one partial record) moves to the front, so a record
// that straddles two reads is copied once, and memory stays at one chunk
// (two for streams, below) however large the file. A record larger than a
// chunk grows the buffer by doubling as its bytes arrive, never ahead of
// them, up to the record limit.
//
// Files are read synchronously when a batch is used up, because a read is a
// copy from the page cache and handing it to the thread pool measured slower
// on the benchmark capture. Streams (gzip, standard input) cannot be read
// that way, so for them two buffers take turns. Once a batch is handed out,
// its tail is copied into the other buffer and the next read into it starts,
// so zlib works while the caller handles the batch.

import type { CapturedFrame } from '../types.js';
import type { ByteInput } from './input.js';
import { linkTypeName } from './linktypes.js';
import type { CaptureFormat, CaptureInfo, CaptureProblem, CaptureSource } from './types.js';

/** Bytes read per refill. */
export const CHUNK_SIZE = 4 << 20;
const MIN_BUFFER = 64 << 10;

/** Records or blocks claiming more bytes than this are treated as corrupt rather than buffered. */
export const MAX_RECORD_BYTES = 256 << 20;

/** Problems listed per input. Past this, one closing entry reports how many more were dropped. */
export const MAX_PROBLEMS = 100;

/** A read under way into the buffer that takes over at the next call. */
interface PendingFill {
  done: Promise<{ end: number; eof: boolean } | { error: unknown }>;
  buffer: Uint8Array;
  /** File offset of buffer[0]. */
  base: number;
}

export abstract class ChunkedReader implements CaptureSource {
  readonly info: CaptureInfo;
  readonly problems: CaptureProblem[] = [];

  protected buf: Uint8Array;
  /** The ArrayBuffer behind buf; frames are built on it at buf's offsets. */
  protected bytes: ArrayBuffer;
  protected view: DataView;
  /** Next unparsed byte in buf. */
  protected pos = 0;
  /** End of the valid bytes in buf. */
  protected end = 0;
  /** Offset in the (decompressed) file of buf[0]. */
  protected base = 0;
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
    const capacity = expected === null ? CHUNK_SIZE : Math.min(CHUNK_SIZE, Math.max(MIN_BUFFER, expected));
    this.buf = new Uint8Array(Math.max(capacity, head.length));
    this.buf.set(head);
    this.end = head.length;
    this.bytes = this.buf.buffer as ArrayBuffer;
    this.view = new DataView(this.bytes);
    this.info = { path, format, compressed, linkTypes: [], frames: 0, first: null, last: null };
  }

  /**
   * Parses the complete records between pos and end into frames, moving pos
   * past them. Sets `need` when the record at pos is incomplete, or calls
   * stop() when it is corrupt.
   */
  protected abstract parse(): CapturedFrame[];

  /** Names the incomplete record at pos when the input ends inside it. */
  protected abstract describeCut(): string;

  async next(): Promise<CapturedFrame[] | null> {
    for (;;) {
      if (this.stopped) return this.finishReading();
      if (this.pending !== null) await this.completeFill();
      const frames = this.parse();
      if (frames.length > 0) {
        this.frameCount += frames.length;
        this.info.frames = this.frameCount;
        if (this.info.first === null) this.info.first = frames[0]!.time;
        this.info.last = frames[frames.length - 1]!.time;
        if (this.input.readSync === undefined && !this.eof && !this.stopped) this.startFill();
        return frames;
      }
      if (this.stopped) return this.finishReading();
      if (this.eof) {
        this.finish();
        return this.finishReading();
      }
      if (this.input.readSync !== undefined) this.fillSync(this.input.readSync.bind(this.input));
      else this.startFill();
    }
  }

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
  private async finishReading(): Promise<null> {
    await this.close();
    return null;
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
    const capacity = Math.max(this.buf.length, MIN_BUFFER);
    if (this.need > capacity) return Math.min(this.need, capacity * 2);
    if (capacity > CHUNK_SIZE && keep <= CHUNK_SIZE && this.need <= CHUNK_SIZE) return CHUNK_SIZE;
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
      this.bytes = resized.buffer as ArrayBuffer;
      this.view = new DataView(this.bytes);
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
    this.pending = { done: this.readInto(target, keep), buffer: target, base: this.base + this.pos };
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
    this.spare = this.buf;
    this.buf = pending.buffer;
    this.bytes = this.buf.buffer as ArrayBuffer;
    this.view = new DataView(this.bytes);
    this.base = pending.base;
    this.pos = 0;
    this.end = result.end;
    this.eof = result.eof;
    this.need = 0;
  }
}
