// Opening captures: recognise the format by content, decompress gzip on the
// fly, and merge several inputs into one timeline.

import { detectFormat, describeUnknown, HEAD_LENGTH } from './detect.js';
import { gzipInput, memoryInput, openFileInput, readHead, stdinInput, type ByteInput } from './input.js';
import { Merger } from './merge.js';
import { PcapReader } from './pcap.js';
import { PcapngReader } from './pcapng.js';
import { CaptureFormatError, type CaptureSource, type MergedCapture } from './types.js';

export { CaptureFormatError } from './types.js';
export type { CaptureFormat, CaptureInfo, CaptureProblem, CaptureSource, MergedCapture } from './types.js';
export { linkTypeName } from './linktypes.js';

/** Path that names standard input. */
export const STDIN_PATH = '-';

/**
 * Opens one capture file (or standard input for "-") and checks its header.
 * `input` is the index stamped on every frame. Throws CaptureFormatError when
 * the content is not a capture, and an Error naming the path when the file
 * cannot be opened or read.
 */
export async function openCapture(path: string, input: number): Promise<CaptureSource> {
  const bytes = path === STDIN_PATH ? stdinInput() : await openFileInput(path);
  return openFromInput(bytes, path, input);
}

/** Opens a capture held in memory, as openCapture opens a file. `name` replaces the path in messages. */
export async function openCaptureBytes(bytes: Uint8Array, name: string, input: number): Promise<CaptureSource> {
  return openFromInput(memoryInput(bytes), name, input);
}

async function openFromInput(base: ByteInput, path: string, input: number): Promise<CaptureSource> {
  let current = base;
  try {
    const head = await readHead(base, HEAD_LENGTH);
    const format = detectFormat(head, path);
    if (format !== 'gzip') return createReader(format, base, head, input, path, false);

    current = gzipInput(base, head);
    const inner = await readHead(current, HEAD_LENGTH);
    const innerFormat = detectInner(inner, path, current);
    return createReader(innerFormat, current, inner, input, path, true);
  } catch (err) {
    await current.close();
    throw err;
  }
}

/** The format inside a gzip stream, which must be pcap or pcapng. */
function detectInner(inner: Uint8Array, path: string, gzip: ByteInput): 'pcap' | 'pcapng' {
  if (inner.length === 0 && gzip.failure !== null) {
    throw new CaptureFormatError(path, `gzip data that cannot be decompressed: ${gzip.failure.reason}`);
  }
  let format: string;
  try {
    format = detectFormat(inner, path);
  } catch {
    format = 'other';
  }
  if (format === 'pcap' || format === 'pcapng') return format;
  const found = inner.length === 0 ? 'empty' : describeUnknown(inner);
  throw new CaptureFormatError(path, `gzip data that is not a capture: ${found}`);
}

function createReader(format: 'pcap' | 'pcapng', bytes: ByteInput, head: Uint8Array, input: number, path: string, compressed: boolean): CaptureSource {
  return format === 'pcap' ? new PcapReader(bytes, head, input, path, compressed) : new PcapngReader(bytes, head, input, path, compressed);
}

/**
 * Opens every path and checks every header before any frame is read, so an
 * unreadable input stops the run before a report starts. Frame `input`
 * indexes follow the order of `paths`.
 */
export async function openCaptures(paths: string[]): Promise<MergedCapture> {
  if (paths.filter((p) => p === STDIN_PATH).length > 1) {
    throw new Error('standard input ("-") can be given only once');
  }
  const sources: CaptureSource[] = [];
  try {
    for (const [index, path] of paths.entries()) sources.push(await openCapture(path, index));
  } catch (err) {
    await Promise.all(sources.map((s) => s.close()));
    throw err;
  }
  return new Merger(sources);
}
