// Byte sources under the capture readers: a file, standard input, an
// in-memory copy, and a gzip stream (RFC 1952) decompressed with zlib on the
// way through. Readers pull bytes into their own chunk; nothing here buffers
// more than one read's worth.

import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { gunzipMembers, GzipFault } from './gzip.js';

/** Reason an input ended before its bytes ran out (a cut or corrupt gzip stream). */
export interface InputFailure {
  reason: string;
  cause: 'truncated' | 'malformed';
}

/** A pull source of bytes. */
export interface ByteInput {
  /** Reads up to `length` bytes into `into` at `offset`; resolves to 0 at the end of the input. */
  read(into: Uint8Array, offset: number, length: number): Promise<number>;
  /**
   * The same read, done synchronously, for inputs where that is cheaper: a
   * regular file, where a read is a copy from the page cache and a round
   * trip through the thread pool costs more than it saves.
   */
  readSync?(into: Uint8Array, offset: number, length: number): number;
  close(): Promise<void>;
  /**
   * Moves the next read to byte `offset` of the input. Only a regular file
   * provides it, for a reader that goes on from where another one stopped.
   */
  seek?(offset: number): void;
  /** Set when the input ended early; the bytes before the failure were all delivered. */
  readonly failure: InputFailure | null;
  /** True for pipes, where waiting to fill a whole chunk would hold frames back. */
  readonly interactive: boolean;
  /** Size in bytes when known in advance (a regular file), else null. */
  readonly size: number | null;
  /** A guess at the size when it is not known, for sizing buffers; null when there is none. */
  readonly sizeHint?: number | null;
}

/** Opens a file for reading; the error message names the path. */
export async function openFileInput(path: string): Promise<ByteInput> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new Error(`${path}: ${describeOpenError(err)}`, { cause: err });
  }
  const stat = await handle.stat();
  if (stat.isDirectory()) {
    await handle.close();
    throw new Error(`${path}: is a directory, not a capture file`);
  }
  const input = new FileInput(handle, path, stat.isFile() ? stat.size : null);
  if (!stat.isFile()) {
    // A FIFO or device can block until its writer sends more: read it
    // asynchronously, and hand out what has arrived rather than wait for a full chunk.
    input.readSync = undefined;
    input.seek = undefined;
    input.interactive = true;
  }
  return input;
}

function describeOpenError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return `cannot open the file (${(err as Error).message})`;
  }
}

class FileInput implements ByteInput {
  readonly failure = null;
  interactive = false;

  constructor(
    private readonly handle: FileHandle,
    private readonly path: string,
    readonly size: number | null,
  ) {}

  /** File offset of the next read once seek() has been called; null reads on from the current position. */
  private position: number | null = null;

  async read(into: Uint8Array, offset: number, length: number): Promise<number> {
    try {
      const { bytesRead } = await this.handle.read(into, offset, length, this.position);
      if (this.position !== null) this.position += bytesRead;
      return bytesRead;
    } catch (err) {
      throw new Error(`${this.path}: read failed (${(err as Error).message})`, { cause: err });
    }
  }

  readSync: ((into: Uint8Array, offset: number, length: number) => number) | undefined = (into, offset, length) => {
    try {
      const n = readSync(this.handle.fd, into, offset, length, this.position);
      if (this.position !== null) this.position += n;
      return n;
    } catch (err) {
      throw new Error(`${this.path}: read failed (${(err as Error).message})`, { cause: err });
    }
  };

  seek: ((offset: number) => void) | undefined = (offset) => {
    this.position = offset;
  };

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Bytes held in memory, for tests and for captures built on the fly. */
export function memoryInput(bytes: Uint8Array): ByteInput {
  let pos = 0;
  const readSync = (into: Uint8Array, offset: number, length: number): number => {
    const n = Math.min(length, bytes.length - pos);
    into.set(bytes.subarray(pos, pos + n), offset);
    pos += n;
    return n;
  };
  return {
    failure: null,
    interactive: false,
    size: bytes.length,
    read: (into, offset, length) => Promise.resolve(readSync(into, offset, length)),
    readSync,
    seek(offset) {
      pos = offset;
    },
    close() {
      return Promise.resolve();
    },
  };
}

/**
 * Reads from a stream's chunks, copying each into the caller's buffer.
 * `onError` turns a stream error into a failure to record (return it) or
 * rethrows it.
 */
class StreamInput implements ByteInput {
  failure: InputFailure | null = null;
  readonly size = null;
  sizeHint: number | null = null;
  private pending: Uint8Array | null = null;
  private done = false;

  /** `close` stops `chunks` and closes what it reads from. */
  constructor(
    private readonly chunks: AsyncIterator<Uint8Array>,
    readonly interactive: boolean,
    private readonly onError: (err: unknown) => InputFailure,
    private readonly closeUnderlying: () => Promise<void>,
  ) {}

  async read(into: Uint8Array, offset: number, length: number): Promise<number> {
    while (this.pending === null || this.pending.length === 0) {
      if (this.done) return 0;
      try {
        const step = await this.chunks.next();
        if (step.done) {
          this.done = true;
          return 0;
        }
        this.pending = step.value;
      } catch (err) {
        this.done = true;
        this.failure = this.onError(err);
        return 0;
      }
    }
    const n = Math.min(length, this.pending.length);
    into.set(this.pending.subarray(0, n), offset);
    this.pending = this.pending.subarray(n);
    return n;
  }

  async close(): Promise<void> {
    this.done = true;
    await this.closeUnderlying();
  }
}

/** Standard input; an error reading it is an I/O error and is thrown. */
export function stdinInput(): ByteInput {
  const stdin = process.stdin;
  return new StreamInput(
    stdin[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>,
    true,
    (err) => {
      throw new Error(`-: read from standard input failed (${(err as Error).message})`, { cause: err });
    },
    async () => {
      stdin.destroy();
    },
  );
}

const GZIP_READ_SIZE = 1 << 20;
const GZIP_OUTPUT_CHUNK = 1 << 16;

/**
 * Decompresses `base` as gzip (see gzip.ts). `head` contains the bytes
 * already read from `base` to recognise the format. A cut stream ends with a
 * "truncated" failure, and a corrupt one or one followed by other data with
 * "malformed", after every byte that could be decompressed before the fault.
 */
export function gzipInput(base: ByteInput, head: Uint8Array): ByteInput {
  const readSize = Math.max(4096, Math.min(GZIP_READ_SIZE, base.size ?? GZIP_READ_SIZE));
  async function* compressed(): AsyncGenerator<Uint8Array> {
    yield head;
    for (;;) {
      const chunk = new Uint8Array(readSize);
      const n = await base.read(chunk, 0, chunk.length);
      if (n === 0) return;
      yield chunk.subarray(0, n);
    }
  }
  // An I/O error in the file propagates through the generators and is thrown by read().
  const output = gunzipMembers(compressed(), GZIP_OUTPUT_CHUNK);
  const input = new StreamInput(output, base.interactive, describeGzipError, async () => {
    await output.return(undefined);
    await base.close();
  });
  // Not the decompressed size, but a hint for sizing the reader's buffer.
  input.sizeHint = base.size === null ? null : base.size * 8;
  return input;
}

function describeGzipError(err: unknown): InputFailure {
  if (err instanceof GzipFault) return { reason: err.reason, cause: err.kind };
  const e = err as NodeJS.ErrnoException;
  // zlib returns Z_BUF_ERROR when the input ends inside the deflate data.
  if (e.code === 'Z_BUF_ERROR') return { reason: 'gzip stream cut short', cause: 'truncated' };
  if (typeof e.code === 'string' && e.code.startsWith('Z_')) return { reason: `corrupt gzip stream (${e.message})`, cause: 'malformed' };
  throw err;
}

/** Reads until `length` bytes or the end of the input; returns the bytes read. */
export async function readHead(input: ByteInput, length: number): Promise<Uint8Array> {
  const head = new Uint8Array(length);
  let n = 0;
  while (n < length) {
    const got = await input.read(head, n, length - n);
    if (got === 0) break;
    n += got;
  }
  return head.subarray(0, n);
}
