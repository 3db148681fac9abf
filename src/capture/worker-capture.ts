// A capture file read in a worker thread (scan-worker.ts). Reading the file,
// walking its records and the stateless part of the decoder's fast path run
// on one core while the analysis runs on another. The analysing thread gets
// the records back in file order, in batches (batches.ts): each ESP packet
// that the fast path took as an EspRecord, every other record as its bytes,
// so that the stateful decoding stays in one place.
//
// The thread takes tens of milliseconds to start. The analysing thread
// reads the file itself meanwhile, and once the thread is ready, hands over
// the position its reader has reached (start()). openCaptures() has checked
// the file by then, so an unreadable input stops the run before any report.
// Errors met in the thread come back as the same errors; a thread that stops
// without saying why is an internal error.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { emptyEspRecord, type EspRecord } from '../decode/fast-path.js';
import type { CapturedFrame } from '../types.js';
import {
  CANCEL_INDEX,
  ENTRY_ESP4,
  ENTRY_ESP6,
  ENTRY_ESP_FLOW,
  ENTRY_LARGE,
  ENTRY_RECORD,
  ESP4_WORDS,
  ESP6_WORDS,
  ESP_FLOW_WORDS,
  READY_INDEX,
  RECORD_HEADER_WORDS,
  recordWords,
  SLOT_BYTES,
  SLOT_COUNT,
  SLOT_FREE,
  slotViews,
  STATE_LENGTH,
  type ScanError,
  type ScanMessage,
  type ScanWorkerData,
  type SlotViews,
  type StartMessage,
} from './batches.js';
import { CaptureFormatError, type CaptureInfo, type CaptureProblem, type CaptureSource, type ReaderPosition, type RecordVisitor } from './types.js';

/** Receives the records of a WorkerCapture: ESP packets the fast path took as an EspRecord, every other record as record() receives it. */
export interface DecodedRecordVisitor extends RecordVisitor {
  /**
   * Receives one ESP packet. `record` is rewritten for the next one once the
   * call returns. Flow ids (EspRecord.flow) belong to one capture, so a
   * visitor that reads several clears them between captures.
   */
  espRecord(record: EspRecord): void;
  /**
   * Receives a later packet of a flow whose first packet reached espRecord(),
   * as numbers. Returns false when it did not take the packet, which then
   * goes to espRecord().
   */
  espFlow(flow: number, frame: number, sec: number, nsec: number, digits: number, seq: number, length: number): boolean;
}

/**
 * The young generation of the reading thread's heap, in MiB. The thread
 * allocates little per record, and a small young generation keeps its share
 * of the process's memory small.
 */
const WORKER_YOUNG_GENERATION_MB = 2;

/**
 * File size from which a worker thread reads. On captures like the
 * benchmark's that were in the page cache, the thread was about 10 % slower
 * at 316 MB and broke even near 800 MB. Read from disk, a 553 MB file took
 * half as long with it (docs/benchmarks.md).
 */
export const WORKER_THRESHOLD = 512 << 20;

/** Starts the reading thread on the compiled module, or, when this module runs from its TypeScript source (the tests), on the source through tsx. */
function startWorker(data: ScanWorkerData): Worker {
  const options = { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./scan-worker.js', import.meta.url), options);
  const source = JSON.stringify(new URL('./scan-worker.ts', import.meta.url).href);
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${source}); });`, { ...options, eval: true });
}

/**
 * A capture file read in a worker thread. scan() hands over one batch of
 * records per call, as ChunkedReader.scan does; `info` and `problems` are
 * complete once scan() has resolved to false.
 */
export class WorkerCapture implements CaptureSource {
  info: CaptureInfo;
  problems: CaptureProblem[] = [];
  private readonly worker: Worker;
  private readonly views: SlotViews[];
  private readonly state: Int32Array;
  private readonly esp = emptyEspRecord();
  /** Messages received and not yet handled, in the order they came. */
  private readonly queue: ScanMessage[] = [];
  private waiting: { resolve: () => void; reject: (error: Error) => void } | null = null;
  private readonly readyWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  /** Set when the thread failed or stopped early; scan() throws it. */
  private failure: Error | null = null;
  private ended = false;
  private exited = false;
  /** Set by close(): scan() then resolves to false, as a closed file reader's does. */
  private closed = false;
  private readonly exit: Promise<void>;

  /** Set once the thread runs. */
  private online = false;

  /** `onStart` is called once the thread runs (see FileReadOptions.onThreadStart in src/analyze/pipeline.ts). */
  constructor(
    readonly path: string,
    onStart?: () => void,
  ) {
    this.info = { path, format: 'pcap', compressed: false, linkTypes: [], frames: 0, first: null, last: null };
    const slots = new SharedArrayBuffer(SLOT_BYTES * SLOT_COUNT);
    const state = new SharedArrayBuffer(4 * STATE_LENGTH);
    this.views = slotViews(slots);
    this.state = new Int32Array(state);
    this.worker = startWorker({ kind: 'spitrace-scan', path, slots, state });
    this.worker.on('message', (message: ScanMessage) => {
      if (message.type === 'ready') {
        this.readyWaiters.splice(0).forEach((w) => w.resolve());
        return;
      }
      if (message.type === 'end') this.ended = true;
      if (message.type === 'error') this.fail(rebuildError(message.error));
      else this.queue.push(message);
      this.wake();
    });
    this.worker.once('online', () => {
      this.online = true;
    });
    if (onStart !== undefined) this.whenOnline(onStart);
    this.worker.on('error', (error) => this.fail(this.internalError(error.message, error)));
    this.exit = new Promise((resolve) => {
      this.worker.on('exit', (code) => {
        this.exited = true;
        if (!this.ended) this.fail(this.internalError(`exit code ${code}`));
        resolve();
      });
    });
  }

  /** Calls `onStart` once the thread runs, or now when it already does. */
  whenOnline(onStart: () => void): void {
    if (this.online) onStart();
    else this.worker.once('online', onStart);
  }

  /** Lets the process end while the thread waits (see startEarly); ref() undoes it. */
  unref(): void {
    this.worker.unref();
  }

  ref(): void {
    this.worker.ref();
  }

  /** True once the thread has opened the file and waits for start(). */
  get ready(): boolean {
    return Atomics.load(this.state, READY_INDEX) === 1;
  }

  /** Resolves once the thread is ready (see `ready`), or rejects with the error that stopped it first. */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /** Starts reading at `position`, where the reader in this thread stopped (see CaptureSource.suspend). */
  start(position: ReaderPosition): void {
    const message: StartMessage = { type: 'start', position };
    this.worker.postMessage(message);
  }

  /** Hands the next batch of records to `visitor`, or resolves to false at the end of the file. */
  async scan(visitor: DecodedRecordVisitor): Promise<boolean> {
    if (this.closed) return false;
    const message = await this.nextMessage();
    if (message.type === 'end') {
      this.info = message.info;
      this.problems = message.problems;
      return false;
    }
    if (message.type !== 'batch') throw new Error(`unexpected message from the reading thread: ${message.type}`);
    try {
      this.read(this.views[message.slot]!, message.bytes / 4, message.large, visitor);
    } finally {
      Atomics.store(this.state, message.slot, SLOT_FREE);
      Atomics.notify(this.state, message.slot);
    }
    return true;
  }

  /** Rejects, because the ESP packets of this capture arrive without their bytes: it is read with scan(). */
  next(): Promise<CapturedFrame[] | null> {
    return Promise.reject(new Error('a capture read in a worker thread is read with scan()'));
  }

  /** Stops the reading thread, if it still runs, and waits until it has ended. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    if (this.exited) return;
    Atomics.store(this.state, CANCEL_INDEX, 1);
    for (let i = 0; i < SLOT_COUNT; i++) Atomics.notify(this.state, i);
    this.ended = true;
    await this.worker.terminate();
    await this.exit;
  }

  private read(slot: SlotViews, end: number, large: ArrayBuffer | undefined, visitor: DecodedRecordVisitor): void {
    const w = slot.words;
    const seconds = slot.seconds;
    const r = this.esp;
    for (let at = 0; at < end; ) {
      const head = w[at]!;
      const kind = head & 0xff;
      const digits = (head >>> 8) & 0xff;
      const frame = w[at + 1]!;
      const sec = seconds[(at >>> 1) + 1]!;
      const nsec = w[at + 4]!;
      if (kind === ENTRY_ESP4 || kind === ENTRY_ESP6) {
        r.frame = frame;
        r.sec = sec;
        r.nsec = nsec;
        r.digits = digits;
        r.udp = (head & (1 << 16)) !== 0;
        r.full = true;
        r.spi = w[at + 5]!;
        r.seq = w[at + 6]!;
        r.length = w[at + 7]!;
        const ports = w[at + 8]!;
        r.srcPort = ports >>> 16;
        r.dstPort = ports & 0xffff;
        if (kind === ENTRY_ESP4) {
          r.ipVersion = 4;
          r.src = w[at + 9]!;
          r.dst = w[at + 10]!;
          r.flow = w[at + 11]! - 1;
          at += ESP4_WORDS;
        } else {
          r.ipVersion = 6;
          r.addresses = slot.bytes;
          r.addressOffset = (at + 9) * 4;
          r.flow = w[at + 17]! - 1;
          at += ESP6_WORDS;
        }
        visitor.espRecord(r);
      } else if (kind === ENTRY_ESP_FLOW) {
        // The flow's first packet came with its fields; the visitor keeps what it needs of them.
        const flow = w[at + 5]!;
        const seq = w[at + 6]!;
        const length = w[at + 7]!;
        at += ESP_FLOW_WORDS;
        if (visitor.espFlow(flow, frame, sec, nsec, digits, seq, length)) continue;
        r.frame = frame;
        r.sec = sec;
        r.nsec = nsec;
        r.digits = digits;
        r.full = false;
        r.flow = flow;
        r.seq = seq;
        r.length = length;
        visitor.espRecord(r);
      } else if (kind === ENTRY_RECORD) {
        const caplen = w[at + 5]!;
        visitor.record(slot.bytes, (at + RECORD_HEADER_WORDS) * 4, caplen, w[at + 6]!, sec, nsec, digits, frame, w[at + 7]!);
        at += recordWords(caplen);
      } else if (kind === ENTRY_LARGE && large !== undefined) {
        visitor.record(new Uint8Array(large), 0, w[at + 5]!, w[at + 6]!, sec, nsec, digits, frame, w[at + 7]!);
        at += RECORD_HEADER_WORDS;
      } else {
        throw new Error(`batch entry of unknown kind ${kind} from the reading thread`);
      }
    }
  }

  private nextMessage(): Promise<ScanMessage> {
    const message = this.queue.shift();
    if (message !== undefined) return Promise.resolve(message);
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.waiting = { resolve, reject };
    }).then(() => this.nextMessage());
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting === null) return;
    if (this.queue.length === 0 && this.failure !== null) waiting.reject(this.failure);
    else waiting.resolve();
  }

  private fail(error: Error): void {
    if (this.failure === null) this.failure = error;
    this.readyWaiters.splice(0).forEach((w) => w.reject(this.failure!));
    this.wake();
  }

  private internalError(reason: string, cause?: unknown): Error {
    return new Error(`the thread reading ${this.path} stopped unexpectedly (${reason})`, cause === undefined ? undefined : { cause });
  }
}

/** Rebuilds an error from the reading thread as the error the same failure throws when the file is read in this thread. */
function rebuildError(error: ScanError): Error {
  if (error.name === 'CaptureFormatError' && error.path !== undefined && error.found !== undefined) return new CaptureFormatError(error.path, error.found);
  const out = new Error(error.message);
  if (error.name !== 'Error') out.name = error.name;
  if (error.stack !== undefined) out.stack = error.stack;
  return out;
}

/** The thread startEarly() started and nothing has adopted yet. */
let early: WorkerCapture | null = null;

/**
 * Starts the reading thread of a run before the analysis is set up, when
 * analyzeFiles would start one: for a single uncompressed regular file of at
 * least WORKER_THRESHOLD bytes. The thread takes tens of milliseconds to
 * start, and that then overlaps loading the analysis modules. Until
 * adoptEarly() takes it, the thread does not keep the process running.
 */
export function startEarly(paths: string[], threshold = WORKER_THRESHOLD): void {
  if (early !== null || paths.length !== 1 || paths[0] === '-') return;
  const path = paths[0]!;
  if (!isLargeUncompressedFile(path, threshold)) return;
  early = new WorkerCapture(path);
  early.unref();
}

/** Returns the thread startEarly() started on `path`, if any, and stops one started on another path. */
export async function adoptEarly(path: string): Promise<WorkerCapture | null> {
  const thread = early;
  early = null;
  if (thread === null) return null;
  if (thread.path === path) {
    thread.ref();
    return thread;
  }
  await thread.close();
  return null;
}

/** Stops the thread startEarly() started if nothing adopted it, as when the command failed before its analysis. */
export async function closeEarly(): Promise<void> {
  await adoptEarly('');
}

/** True for a regular file of at least `threshold` bytes that does not start as gzip does (RFC 1952 §2.3.1). */
function isLargeUncompressedFile(path: string, threshold: number): boolean {
  let fd: number | null = null;
  try {
    // Opening a FIFO would wait for its writer, and closing it would end the writer's stream.
    const stat = statSync(path);
    if (!stat.isFile() || stat.size < threshold) return false;
    fd = openSync(path, 'r');
    const head = new Uint8Array(2);
    return readSync(fd, head, 0, 2, 0) === 2 && !(head[0] === 0x1f && head[1] === 0x8b);
  } catch {
    // The analysis opens the file again and reports what is wrong with it.
    return false;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
