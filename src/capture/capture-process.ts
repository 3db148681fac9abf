// The capture process. The libpcap binding runs in a child process of its
// own, because it aborts node when the interface goes down or disappears (an
// assertion on the libuv poll status), which would end the whole analysis
// without a summary. In a child, that ends only the capture: the analysis
// reports the interruption and opens the interface again. The child also
// stamps packets as libpcap hands them over, unaffected by the time the
// analysis takes.
//
// The child writes records to its standard output: a 32-bit big-endian length
// of what follows, a type byte and a body. Node queues writes to the pipe
// without blocking, so when the analysis falls behind by more than
// MAX_QUEUED_BYTES the child drops packets and counts them, as libpcap does
// when its own buffer is full.

import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Timestamp } from '../types.js';
import { LIVE_SNAPLEN, LiveCaptureError, openInterface, type OpenedInterface } from './libpcap.js';

/** Argument that makes this module run as the capture process. */
export const CAPTURE_PROCESS_FLAG = '--spitrace-capture-process';

/** Settings the analysis passes to the capture process. */
export interface CaptureProcessConfig {
  iface: string;
  /** null for the default filter of the interface's link type. */
  filter: string | null;
  bufferBytes: number;
}

/** Body: JSON { linkType, filter }. */
export const RECORD_OPENED = 1;
/** Body: seconds and nanoseconds (32 bits each, big-endian), then the packet. */
export const RECORD_PACKET = 2;
/** Body: JSON { kind, message, interfaces }. */
export const RECORD_FAILED = 3;
/** Body: packets dropped so far because the analysis fell behind (32 bits, big-endian). */
export const RECORD_DROPPED = 4;

/** Bytes the capture process queues for the analysis before it drops packets. */
const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

function record(type: number, body: Uint8Array, extra = 0): Buffer {
  const out = Buffer.allocUnsafe(5 + extra + body.length);
  out.writeUInt32BE(1 + extra + body.length, 0);
  out[4] = type;
  out.set(body, 5 + extra);
  return out;
}

/** Runs in the capture process: streams the interface's packets to standard output until standard input closes. */
function runCaptureProcess(config: CaptureProcessConfig): void {
  // Ctrl-C reaches the whole process group; the analysis decides when capturing ends.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  process.stdout.on('error', () => process.exit(0));

  const buffer = Buffer.alloc(LIVE_SNAPLEN);
  let opened: OpenedInterface;
  try {
    opened = openInterface(config.iface, config.filter, config.bufferBytes, buffer);
  } catch (error) {
    const failure = error instanceof LiveCaptureError ? error : new LiveCaptureError('open', `cannot capture on ${config.iface}: ${(error as Error).message}`);
    const body = JSON.stringify({ kind: failure.kind, message: failure.message, interfaces: failure.interfaces });
    process.stdout.write(record(RECORD_FAILED, Buffer.from(body)), () => process.exit(2));
    return;
  }
  process.stdout.write(record(RECORD_OPENED, Buffer.from(JSON.stringify({ linkType: opened.linkType, filter: opened.filter }))));

  const clock = hostClock();
  let batch: Buffer[] = [];
  let batchBytes = 0;
  let dropped = 0;
  let droppedReported = 0;
  const flush = () => {
    if (dropped !== droppedReported) {
      const count = Buffer.alloc(4);
      count.writeUInt32BE(dropped >>> 0, 0);
      batch.push(record(RECORD_DROPPED, count));
      droppedReported = dropped;
    }
    if (batch.length === 0) return;
    const out = batch.length === 1 ? batch[0]! : Buffer.concat(batch);
    batch = [];
    batchBytes = 0;
    process.stdout.write(out);
  };
  opened.handle.on('packet', (nbytes) => {
    const time = clock();
    const length = Math.min(nbytes, buffer.length);
    if (process.stdout.writableLength + batchBytes + length > MAX_QUEUED_BYTES) {
      dropped += 1;
      return;
    }
    const packet = record(RECORD_PACKET, buffer.subarray(0, length), 8);
    packet.writeUInt32BE(time.sec >>> 0, 5);
    packet.writeUInt32BE(time.nsec, 9);
    // The binding hands over every waiting packet in one go: write them out together afterwards.
    if (batch.length === 0) setImmediate(flush);
    batch.push(packet);
    batchBytes += packet.length;
  });
  process.stdin.on('end', () => {
    opened.handle.close();
    flush();
    // Writes to the pipe are queued: ending the stream (not process.exit) lets them all reach the analysis.
    process.stdout.end();
  });
  process.stdin.resume();
}

/** Host wall-clock time with microsecond digits, monotonic from the moment it was created. */
export function hostClock(): () => Timestamp {
  const originNs = BigInt(Date.now()) * 1_000_000n;
  const originHr = process.hrtime.bigint();
  return () => {
    const ns = originNs + (process.hrtime.bigint() - originHr);
    const micros = ns / 1000n;
    return { sec: Number(micros / 1_000_000n), nsec: Number(micros % 1_000_000n) * 1000, digits: 6 };
  };
}

/** Path of this module, which LiveSource starts as the capture process. */
export const CAPTURE_PROCESS_PATH = fileURLToPath(import.meta.url);

if (process.argv[2] === CAPTURE_PROCESS_FLAG && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCaptureProcess(JSON.parse(process.argv[3] ?? '{}') as CaptureProcessConfig);
}
