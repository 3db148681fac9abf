// A bounded ring of pcapng files with everything a live capture saw, in the
// manner of dumpcap's ring buffer. A new file starts when the current one
// would grow past the size limit, and the oldest file is deleted when there
// are more files than the count limit. Each file covers a contiguous range of
// live frame numbers, so a finding's frame maps to (file, frame in file) for
// as long as that file is kept.

import { closeSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CapturedFrame } from '../types.js';
import { pcapngEnhancedPacket, pcapngInterface, pcapngSectionHeader } from './writer.js';

export interface RingOptions {
  /** Folder the files go to; created when missing. */
  dir: string;
  /** Start of every file name; characters other than letters, digits, '.', '_' and '-' become '_'. */
  prefix: string;
  /** Size limit of one file in bytes. A frame larger than the limit still gets a file of its own. */
  fileBytes: number;
  /** Files kept; the oldest is deleted when a new one would exceed this count. */
  files: number;
  /** LINKTYPE_ number written in each file's Interface Description Block. */
  linkType: number;
  /** Interface name for the if_name option. */
  interfaceName: string;
  /** Section comment of every file: the capture's interface and filter, for anyone who opens the file later. */
  comment?: string;
  /** Timestamp resolution written in the files: 6 for microseconds, 9 for nanoseconds. */
  tsresol?: number;
  /** The clock used in file names; the host clock by default. */
  now?: () => Date;
}

/** Position of a live frame in the ring. */
export interface RingLocation {
  /** File name inside the ring folder. */
  file: string;
  /** 1-based frame number inside that file, as Wireshark numbers it. */
  frame: number;
}

interface RingFile {
  name: string;
  path: string;
  fd: number | null;
  /** Live frame number of the file's first frame. */
  firstFrame: number;
  frames: number;
  bytes: number;
}

/**
 * Bytes gathered before they are written out, so that a packet costs no
 * system call. It exceeds the largest Enhanced Packet Block of a 65535-byte
 * snaplen, so every packet block fits.
 */
const WRITE_CHUNK_BYTES = 256 * 1024;

/** Enhanced Packet Block header before the packet data: type, length, interface, timestamp, lengths. */
const EPB_HEADER = 28;

export class RingWriter {
  private readonly options: Required<Omit<RingOptions, 'comment'>> & { comment: string | undefined };
  private readonly kept: RingFile[] = [];
  private current: RingFile | null = null;
  /** Blocks not yet written, in one reused buffer: live capture writes every packet, so none allocates. */
  private readonly chunk = Buffer.allocUnsafe(WRITE_CHUNK_BYTES);
  private used = 0;
  private sequence = 0;
  private closed = false;

  /** Creates the folder; the first file is created with the first frame. Throws the file system's error. */
  constructor(options: RingOptions) {
    if (!(options.fileBytes > 0)) throw new RangeError(`ring file size must be positive, got ${options.fileBytes}`);
    if (!(options.files >= 1)) throw new RangeError(`ring file count must be at least 1, got ${options.files}`);
    this.options = {
      dir: options.dir,
      prefix: options.prefix.replace(/[^A-Za-z0-9._-]/g, '_'),
      fileBytes: options.fileBytes,
      files: options.files,
      linkType: options.linkType,
      interfaceName: options.interfaceName,
      comment: options.comment,
      tsresol: options.tsresol ?? 6,
      now: options.now ?? (() => new Date()),
    };
    mkdirSync(options.dir, { recursive: true });
  }

  /** File names currently kept, oldest first. */
  get files(): string[] {
    return this.kept.map((f) => f.name);
  }

  /** Appends one frame; `frame.frame` must follow the previous frame's number. Throws the file system's error. */
  write(frame: CapturedFrame): void {
    if (this.closed) throw new Error('ring writer is closed');
    const data = frame.data;
    const blockLength = EPB_HEADER + ((data.length + 3) & ~3) + 4;
    if (blockLength > WRITE_CHUNK_BYTES) {
      // Larger than any frame a 65535-byte snaplen gives; written through the general encoder.
      this.writeBlock(frame.frame, pcapngEnhancedPacket(0, frame.time, data, frame.origLength, this.options.tsresol));
      return;
    }
    const file = this.fileFor(frame.frame, blockLength);
    if (this.used + blockLength > WRITE_CHUNK_BYTES) this.flush();
    this.encodeEnhancedPacket(frame, blockLength);
    file.frames += 1;
    file.bytes += blockLength;
  }

  /** Returns the file and in-file frame number of a live frame, or null when its file was deleted or it was never written. */
  locate(frame: number): RingLocation | null {
    for (const f of this.kept) {
      if (frame >= f.firstFrame && frame < f.firstFrame + f.frames) return { file: f.name, frame: frame - f.firstFrame + 1 };
    }
    return null;
  }

  /** Writes out buffered frames, so that the current file can be opened with everything captured so far. */
  flush(): void {
    const file = this.current;
    if (file === null || file.fd === null || this.used === 0) return;
    const length = this.used;
    this.used = 0;
    let offset = 0;
    while (offset < length) offset += writeSync(file.fd, this.chunk, offset, length - offset);
  }

  /** Flushes and closes the current file. Kept files stay on disk. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeCurrent();
  }

  /** Returns the file the next block goes to, starting a new one when the block would pass the size limit. */
  private fileFor(frame: number, blockLength: number): RingFile {
    const file = this.current;
    if (file !== null && (file.frames === 0 || file.bytes + blockLength <= this.options.fileBytes)) return file;
    return this.startFile(frame);
  }

  private writeBlock(frame: number, block: Uint8Array): void {
    const file = this.fileFor(frame, block.length);
    this.append(block);
    file.frames += 1;
    file.bytes += block.length;
  }

  private append(block: Uint8Array): void {
    if (this.used + block.length > WRITE_CHUNK_BYTES) this.flush();
    if (block.length > WRITE_CHUNK_BYTES) {
      const fd = this.current!.fd!;
      let offset = 0;
      while (offset < block.length) offset += writeSync(fd, block, offset, block.length - offset);
      return;
    }
    this.chunk.set(block, this.used);
    this.used += block.length;
  }

  /**
   * Encodes an Enhanced Packet Block without options into the chunk (pcapng,
   * draft-ietf-opsawg-pcapng section 4.3): the timestamp counts units of
   * 10^-tsresol seconds, split into high and low 32 bits, and the packet data
   * is padded to 32 bits.
   */
  private encodeEnhancedPacket(frame: CapturedFrame, blockLength: number): void {
    const out = this.chunk;
    const at = this.used;
    const tsresol = this.options.tsresol;
    const time = frame.time;
    let high: number;
    let low: number;
    if (tsresol <= 6) {
      // At most 2^53 units until the year 2255 with microseconds, so a double is exact.
      const units = time.sec * 10 ** tsresol + Math.floor(time.nsec / 10 ** (9 - tsresol));
      high = Math.floor(units / 0x1_0000_0000);
      low = units % 0x1_0000_0000;
    } else {
      const units = BigInt(time.sec) * 10n ** BigInt(tsresol) + BigInt(Math.floor(time.nsec / 10 ** (9 - tsresol)));
      high = Number(units >> 32n);
      low = Number(units & 0xffffffffn);
    }
    out.writeUInt32LE(6, at);
    out.writeUInt32LE(blockLength, at + 4);
    out.writeUInt32LE(0, at + 8);
    out.writeUInt32LE(high >>> 0, at + 12);
    out.writeUInt32LE(low >>> 0, at + 16);
    out.writeUInt32LE(frame.data.length, at + 20);
    out.writeUInt32LE(frame.origLength, at + 24);
    out.set(frame.data, at + EPB_HEADER);
    out.fill(0, at + EPB_HEADER + frame.data.length, at + blockLength - 4);
    out.writeUInt32LE(blockLength, at + blockLength - 4);
    this.used += blockLength;
  }

  private closeCurrent(): void {
    const file = this.current;
    if (file === null || file.fd === null) return;
    try {
      this.flush();
    } finally {
      closeSync(file.fd);
      file.fd = null;
    }
  }

  private startFile(firstFrame: number): RingFile {
    this.closeCurrent();
    this.sequence += 1;
    const name = `${this.options.prefix}-${String(this.sequence).padStart(5, '0')}-${fileStamp(this.options.now())}.pcapng`;
    const path = join(this.options.dir, name);
    // 'wx' fails rather than overwrite a file that another capture left with the same name.
    const fd = openSync(path, 'wx');
    const file: RingFile = { name, path, fd, firstFrame, frames: 0, bytes: 0 };
    this.current = file;
    this.kept.push(file);
    while (this.kept.length > this.options.files) {
      const oldest = this.kept.shift()!;
      try {
        unlinkSync(oldest.path);
      } catch (error) {
        // Someone already removed it, which is what the ring wanted.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    const header = [pcapngSectionHeader(this.options.comment), pcapngInterface(this.options.linkType, this.options.tsresol, this.options.interfaceName)];
    for (const block of header) {
      this.append(block);
      file.bytes += block.length;
    }
    return file;
  }
}

/** "20240131T235959Z": sortable, and valid in file names on every system. */
function fileStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
