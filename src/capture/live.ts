// Live capture on a network interface through the `cap` package, a binding to
// libpcap. It opens the interface, applies a BPF filter and turns every packet
// into a CapturedFrame for the same pipeline that reads files.
//
// The binding passes no libpcap timestamp, so frames are stamped with the
// host clock when its callback runs. The binding runs in a capture process of
// its own, for the reasons capture-process.ts gives. This module starts that
// process, reads its records and opens the interface again when it ends.

import { spawn, type ChildProcess } from 'node:child_process';
import type { CapturedFrame, FrameNumber, Timestamp } from '../types.js';
import { CAPTURE_PROCESS_FLAG, CAPTURE_PROCESS_PATH, type CaptureProcessConfig, RECORD_DROPPED, RECORD_FAILED, RECORD_OPENED, RECORD_PACKET } from './capture-process.js';
import { LiveCaptureError, type LiveErrorKind, loadCap } from './libpcap.js';
import { linkTypeName } from './linktypes.js';

/**
 * Size of libpcap's kernel ring buffer. 32 MiB buffers about a quarter of a
 * second of a saturated 1 Gbit/s link, so bursts survive a busy event loop.
 */
export const LIVE_BUFFER_BYTES = 32 * 1024 * 1024;

/**
 * Builds the frame record of one live packet.
 * NOTE: the binding does not pass the length on the wire, so `origLength` is
 * the captured length. A packet longer than the 65535-byte snaplen (possible
 * on `any` or loopback with offloads) is therefore cut without a trace.
 */
export function toCapturedFrame(data: Uint8Array, linkType: number, frame: number, time: Timestamp, input = 0): CapturedFrame {
  return { input, frame: frame as FrameNumber, time, linkType, data, origLength: data.length };
}

export interface LiveSourceOptions {
  /** Interface name, as `spitrace interfaces` lists it. */
  iface: string;
  /** BPF filter (pcap-filter(7)); an empty string captures everything, undefined applies defaultLiveFilter() for the interface's link type. */
  filter?: string;
  /** Receives every captured frame. Its data is valid during the call only: copy what must outlive it. */
  onFrame: (frame: CapturedFrame) => void;
  /** Receives a line about the capture itself: an interruption, a resumption, a message from libpcap. */
  onNotice?: (message: string) => void;
  bufferBytes?: number;
  /** Index stamped on frames as their `input`. */
  input?: number;
}

/** Seconds between attempts to open an interface again after the capture process ended. */
const REOPEN_SECONDS = 1;
/** Maximum wait for the capture process to open the interface. */
const OPEN_TIMEOUT_MS = 15_000;
/**
 * The binding's warning when pcap_lookupnet() finds no IPv4 address. The
 * netmask it looks up matters only to filters that test for broadcast
 * addresses, and the capture works without it.
 */
const LOOKUPNET_WARNING = /^Warning: .* - This may not actually work$/;
/** The binding's assertion when libpcap reports an error on the interface (it went down or disappeared). */
const POLL_ASSERTION = /Assertion `status == 0' failed/;

const EMPTY = Buffer.alloc(0);

type Opening = { resolve: (opened: { linkType: number; filter: string }) => void; reject: (error: Error) => void };

/**
 * A live capture. Frames are numbered from 1 in the order they arrive, across
 * restarts of the capture process. When the interface goes down or
 * disappears, the source reports it through onNotice and opens the interface
 * again every second until it is back or close() is called.
 */
export class LiveSource {
  readonly iface: string;
  /** The filter in use, known once the interface is open. */
  filter = '';
  /** LINKTYPE_ number of the interface, known once it is open. */
  linkType = 0;
  /** Frames delivered so far. */
  frames = 0;
  first: Timestamp | null = null;
  last: Timestamp | null = null;
  /** Times the capture was interrupted. */
  interruptions = 0;
  /** Packets the capture process dropped because the analysis fell behind. */
  dropped = 0;
  /** Drops counted by the capture processes that already ended. */
  private droppedBefore = 0;
  private readonly options: LiveSourceOptions;
  private child: ChildProcess | null = null;
  private opening: Opening | null = null;
  private pending: Buffer | null = null;
  private stderrTail = '';
  private closing = false;
  /** True while the current capture process has the interface open. */
  private running = false;
  private reopenTimer: NodeJS.Timeout | null = null;

  private constructor(options: LiveSourceOptions) {
    this.options = options;
    this.iface = options.iface;
  }

  /** Opens the interface and starts delivering frames. Rejects with LiveCaptureError. */
  static async open(options: LiveSourceOptions): Promise<LiveSource> {
    // Load the binding here too, so that a missing addon or libpcap is reported without a child.
    loadCap();
    const source = new LiveSource(options);
    let opened;
    try {
      opened = await source.start(options.filter ?? null);
    } catch (error) {
      source.closing = true;
      throw error;
    }
    source.linkType = opened.linkType;
    source.filter = opened.filter;
    return source;
  }

  get linkTypeName(): string {
    return linkTypeName(this.linkType);
  }

  /** Stops capturing: frames still on their way are delivered, then the capture process ends. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.stdin?.end();
    const timer = setTimeout(() => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    }, 5000);
    await exited;
    clearTimeout(timer);
  }

  /** Starts a capture process and resolves once it opened the interface. */
  private start(filter: string | null): Promise<{ linkType: number; filter: string }> {
    const config: CaptureProcessConfig = { iface: this.iface, filter, bufferBytes: this.options.bufferBytes ?? LIVE_BUFFER_BYTES };
    const child = spawn(process.execPath, [...loaderArguments(), CAPTURE_PROCESS_PATH, CAPTURE_PROCESS_FLAG, JSON.stringify(config)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    this.running = false;
    this.stderrTail = '';
    const opened = new Promise<{ linkType: number; filter: string }>((resolve, reject) => {
      this.opening = { resolve, reject };
    });
    const timer = setTimeout(() => this.failOpening(new LiveCaptureError('open', `the capture process did not open ${this.iface} within ${OPEN_TIMEOUT_MS / 1000} s`)), OPEN_TIMEOUT_MS);
    this.listen(child);
    return opened.finally(() => clearTimeout(timer));
  }

  private listen(child: ChildProcess): void {
    child.stdout!.on('data', (chunk: Buffer) => this.onData(chunk));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => this.onStderr(text));
    child.on('error', (error) => this.failOpening(new LiveCaptureError('open', `cannot start the capture process: ${error.message}`)));
    child.on('close', (code, signal) => this.onExit(child, code, signal));
  }

  private failOpening(error: Error): void {
    const opening = this.opening;
    this.opening = null;
    if (!opening) return;
    if (this.child?.pid !== undefined && this.child.exitCode === null) this.child.kill('SIGKILL');
    opening.reject(error);
  }

  private onStderr(text: string): void {
    this.stderrTail = (this.stderrTail + text).slice(-4000);
    for (const line of text.split('\n')) {
      if (line.trim() === '' || LOOKUPNET_WARNING.test(line) || POLL_ASSERTION.test(line)) continue;
      this.options.onNotice?.(`capture process: ${line}`);
    }
  }

  private onData(chunk: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;
    while (buf.length - offset >= 5) {
      const length = buf.readUInt32BE(offset);
      if (buf.length - offset - 4 < length) break;
      const type = buf[offset + 4]!;
      this.onRecord(type, buf.subarray(offset + 5, offset + 4 + length));
      offset += 4 + length;
      if (type === RECORD_OPENED && offset < buf.length) {
        // Packets that came with the open record wait a turn of the event loop, so that the caller
        // that awaited open() is ready for them.
        this.pending = Buffer.from(buf.subarray(offset));
        setImmediate(() => this.onData(EMPTY));
        return;
      }
    }
    // A record cut between two chunks: keep a copy of its start for the next chunk.
    this.pending = offset < buf.length ? Buffer.from(buf.subarray(offset)) : null;
  }

  private onRecord(type: number, body: Buffer): void {
    if (type === RECORD_PACKET) {
      this.deliver(body);
      return;
    }
    if (type === RECORD_DROPPED) {
      if (this.dropped === 0) this.options.onNotice?.('the analysis is falling behind the capture: packets are being dropped');
      this.dropped = this.droppedBefore + body.readUInt32BE(0);
      return;
    }
    const message = JSON.parse(body.toString('utf8')) as { linkType: number; filter: string; kind: LiveErrorKind; message: string; interfaces: string[] };
    const opening = this.opening;
    this.opening = null;
    if (type === RECORD_OPENED) {
      this.running = true;
      opening?.resolve({ linkType: message.linkType, filter: message.filter });
    }
    else if (type === RECORD_FAILED) opening?.reject(new LiveCaptureError(message.kind, message.message, message.interfaces));
  }

  private deliver(body: Buffer): void {
    if (body.length < 8) return;
    const time: Timestamp = { sec: body.readUInt32BE(0), nsec: body.readUInt32BE(4), digits: 6 };
    this.frames += 1;
    this.first ??= time;
    this.last = time;
    // A plain Uint8Array view rather than a Buffer: Buffer's slice() shares memory where Uint8Array's
    // copies, and stages that keep bytes past this call copy them with slice().
    const data = new Uint8Array(body.buffer, body.byteOffset + 8, body.length - 8);
    this.options.onFrame(toCapturedFrame(data, this.linkType, this.frames, time, this.options.input ?? 0));
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.pending = null;
    if (this.opening) {
      this.failOpening(new LiveCaptureError('open', `the capture process ended before it opened ${this.iface} (${code ?? signal}): ${lastLine(this.stderrTail)}`));
      return;
    }
    // A process that never opened the interface was already reported by the open that started it.
    if (!this.running || this.closing) return;
    this.running = false;
    this.droppedBefore = this.dropped;
    this.interruptions += 1;
    const cause = POLL_ASSERTION.test(this.stderrTail) ? 'libpcap reported an error: the interface went down or disappeared' : `the capture process ended (${code ?? signal}): ${lastLine(this.stderrTail)}`;
    this.options.onNotice?.(`capture on ${this.iface} interrupted: ${cause}; opening it again every ${REOPEN_SECONDS} s`);
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = null;
      if (this.closing) return;
      this.start(this.filter).then(
        (opened) => {
          if (this.closing) {
            void this.close();
          } else if (opened.linkType !== this.linkType) {
            // Frames of another link type would not match the ring's interface block: stay closed.
            this.options.onNotice?.(`capture on ${this.iface} not resumed: its link type is now ${linkTypeName(opened.linkType)}, not ${this.linkTypeName}`);
            void this.close();
          } else {
            this.options.onNotice?.(`capture on ${this.iface} resumed`);
          }
        },
        () => this.scheduleReopen(),
      );
    }, REOPEN_SECONDS * 1000);
  }
}

/** Node options that load TypeScript (tsx in the tests), which the capture process needs too. */
function loaderArguments(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if ((arg === '--import' || arg === '--require' || arg === '--loader') && i + 1 < args.length) out.push(arg, args[++i]!);
    else if (/^--(import|require|loader)=/.test(arg)) out.push(arg);
  }
  return out;
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}
