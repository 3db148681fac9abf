// Live capture on a network interface through the `cap` package, a binding to
// libpcap. It opens the interface, applies a BPF filter and turns every packet
// into a CapturedFrame for the same pipeline that reads files.
//
// The binding (cap 0.2.1) sets a snaplen of 65535, promiscuous mode and, on
// Linux, immediate mode, and calls back once per packet with the packet copied
// into one shared buffer. It passes neither the packet's libpcap timestamp nor
// its length on the wire, so frames are stamped with the host clock when the
// callback runs. The binding runs in a capture process of its own (this
// module, started with CAPTURE_PROCESS_FLAG); the section on the capture
// process below gives the reasons.

import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CapturedFrame, FrameNumber, Timestamp } from '../types.js';
import { linkTypeName } from './linktypes.js';

/** Bytes libpcap keeps per captured packet; the binding fixes this value. */
export const LIVE_SNAPLEN = 65535;

/**
 * Size of libpcap's kernel ring buffer. 32 MiB buffers about a quarter of a
 * second of a saturated 1 Gbit/s link, so bursts survive a busy event loop.
 */
export const LIVE_BUFFER_BYTES = 32 * 1024 * 1024;

/**
 * The IP part of the default capture filter. It keeps IKE and NAT-T (UDP 500
 * and 4500, RFC 3948), IKE and ESP over TCP port 4500 (RFC 8229), ESP and AH
 * (IP protocols 50 and 51), and IPv4-in-IP and IPv6-in-IP (4 and 41), which
 * the decoder follows. It keeps IPv4 fragments, because a non-first fragment
 * carries no UDP ports. It keeps IPv6 packets whose first header is an
 * extension header (hop-by-hop 0, routing 43, fragment 44, destination
 * options 60), because libpcap's `ip6 proto` and port tests read only the
 * first next-header field. It keeps the ICMP and ICMPv6 errors the decoder
 * reads (RFC 792 types 3, 4, 5, 11, 12; RFC 4443 types 1 to 4), which the SA
 * tracker takes as evidence that a receiver no longer accepts ESP.
 */
const IPSEC_CLAUSES = [
  'udp port 500',
  'udp port 4500',
  'tcp port 4500',
  'ip proto 50',
  'ip proto 51',
  'ip6 proto 50',
  'ip6 proto 51',
  'ip proto 4',
  'ip proto 41',
  'ip6 proto 4',
  'ip6 proto 41',
  '(ip and ip[6:2] & 0x3fff != 0)',
  '(ip6 and (ip6[6] == 0 or ip6[6] == 43 or ip6[6] == 44 or ip6[6] == 60))',
  '(icmp and (icmp[icmptype] == 3 or icmp[icmptype] == 4 or icmp[icmptype] == 5 or icmp[icmptype] == 11 or icmp[icmptype] == 12))',
  '(icmp6 and ip6[40] >= 1 and ip6[40] <= 4)',
].join(' or ');

/** 802.1Q, 802.1ad and 0x9100 tags left in the packet data that the Ethernet filter looks behind. */
const VLAN_DEPTH = 3;

/**
 * Repeats the clauses behind one, two and three VLAN tags. Each `vlan` moves
 * libpcap's offsets by one tag for the rest of the expression, so the nesting
 * reads tag after tag. A tag the kernel already moved out of the packet data
 * (VLAN offload) is matched by the first level.
 */
function behindVlanTags(clauses: string, depth: number): string {
  let expression = clauses;
  for (let i = 0; i < depth; i++) expression = `${clauses} or (vlan and (${expression}))`;
  return expression;
}

/**
 * Linux cooked captures (the `any` device) carry a VLAN tag after the cooked
 * header when the packet had one, and libpcap has no `vlan` there. Every
 * tagged frame is kept instead, and the decoder drops what is not IPsec.
 */
function taggedCooked(protocolOffset: number): string {
  return ['0x8100', '0x88a8', '0x9100'].map((tpid) => `link[${protocolOffset}:2] == ${tpid}`).join(' or ');
}

/** Returns the default filter for frames of `linkType` (a LINKTYPE_ number). */
export function defaultLiveFilter(linkType: number): string {
  switch (linkType) {
    case 1:
      return behindVlanTags(IPSEC_CLAUSES, VLAN_DEPTH);
    case 113:
      // Linux cooked v1: the protocol field is the last two bytes of the 16-byte header.
      return `${IPSEC_CLAUSES} or ${taggedCooked(14)}`;
    case 276:
      // Linux cooked v2: the protocol field comes first.
      return `${IPSEC_CLAUSES} or ${taggedCooked(0)}`;
    default:
      return IPSEC_CLAUSES;
  }
}

/** The default filter's IP part, which libpcap compiles for every link type that carries IP. */
export const BASE_LIVE_FILTER = IPSEC_CLAUSES;

/** Link types the decoder reads (src/decode/link.ts); frames of any other type are only counted. */
const DECODED_LINK_TYPES: ReadonlySet<number> = new Set([0, 1, 12, 14, 101, 108, 113, 228, 229, 276]);

/** Reason a live capture could not start. */
export type LiveErrorKind = 'permission' | 'no-such-interface' | 'addon-missing' | 'libpcap-missing' | 'filter' | 'open';

/** An error that stops a live capture before it starts; its message names the fix (exit status 2). */
export class LiveCaptureError extends Error {
  constructor(
    readonly kind: LiveErrorKind,
    message: string,
    /** Interface names that exist, for 'no-such-interface'. */
    readonly interfaces: string[] = [],
  ) {
    super(message);
    this.name = 'LiveCaptureError';
  }
}

/** One capture device as libpcap lists it. */
export interface LiveDevice {
  name: string;
  description: string | null;
  addresses: { address: string; netmask: string | null }[];
  loopback: boolean;
}

// The parts of the `cap` package this module uses (it ships no type declarations).
interface CapHandle {
  open(device: string, filter: string, bufferSize: number, buffer: Buffer): string;
  close(): boolean;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
  removeAllListeners(event?: string): void;
}

interface CapDeviceEntry {
  name: string;
  description?: string;
  addresses: { addr?: string; netmask?: string }[];
  flags?: string;
}

interface CapModule {
  Cap: { new (): CapHandle; deviceList(): CapDeviceEntry[] };
}

let capModule: CapModule | null = null;

/**
 * Every handle this process opened, closed ones included. cap 0.2.1 stops a
 * handle's libuv poll handle but never closes it. So when the garbage
 * collector destroys a handle, libuv keeps a pointer into freed memory and
 * node crashes later (SIGSEGV), and a handle whose open() failed aborts node
 * as soon as it is destroyed. Keeping every handle referenced until the
 * process exits avoids both. A run opens at most three.
 */
const retainedHandles: CapHandle[] = [];

/** Opens a fresh handle; a handle is never reused after a failed open, which leaves it unusable. */
function openHandle(cap: CapModule, iface: string, filter: string, bufferBytes: number, buffer: Buffer): { handle: CapHandle; linkName: string } {
  const handle = new cap.Cap();
  retainedHandles.push(handle);
  return { handle, linkName: handle.open(iface, filter, bufferBytes, buffer) };
}

/** Loads the `cap` package, or throws LiveCaptureError saying what is missing. */
export function loadCap(): CapModule {
  if (capModule) return capModule;
  const require = createRequire(import.meta.url);
  try {
    capModule = require('cap') as CapModule;
    return capModule;
  } catch (error) {
    throw capLoadError(error as NodeJS.ErrnoException);
  }
}

function capLoadError(error: NodeJS.ErrnoException): LiveCaptureError {
  const message = error.message ?? String(error);
  if (/libpcap/i.test(message)) {
    return new LiveCaptureError(
      'libpcap-missing',
      `live capture needs libpcap, which could not be loaded (${firstLine(message)}); install it (Debian and Ubuntu: apt-get install libpcap0.8)`,
    );
  }
  if (error.code === 'MODULE_NOT_FOUND' && /cap\.node/.test(message)) {
    return new LiveCaptureError(
      'addon-missing',
      'the native addon of the cap package was not built; rebuild it with `npm rebuild cap` (needs libpcap-dev, python3, make and a C++ compiler)',
    );
  }
  if (error.code === 'MODULE_NOT_FOUND') {
    return new LiveCaptureError('addon-missing', 'live capture needs the optional cap package (a libpcap binding); install it with `npm install cap` (needs libpcap-dev to build)');
  }
  return new LiveCaptureError('addon-missing', `the cap package (libpcap binding) could not be loaded: ${firstLine(message)}`);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** Capture devices as libpcap lists them (pcap_findalldevs), in its order. */
export function listDevices(): LiveDevice[] {
  const cap = loadCap();
  let entries: CapDeviceEntry[];
  try {
    entries = cap.Cap.deviceList();
  } catch (error) {
    throw new LiveCaptureError('open', `libpcap could not list the capture devices: ${(error as Error).message}`);
  }
  return entries.map((e) => ({
    name: e.name,
    description: e.description ?? null,
    addresses: e.addresses.filter((a) => a.addr !== undefined).map((a) => ({ address: a.addr!, netmask: a.netmask ?? null })),
    loopback: e.flags === 'PCAP_IF_LOOPBACK',
  }));
}

/**
 * LINKTYPE_ number of the link-type string the binding returns: a few names,
 * or "Unknown linktype N" with libpcap's DLT_ value N. DLT_ values equal the
 * LINKTYPE_ values except the low ones that differ between platforms
 * (pcap-linktype(7)).
 */
export function linkTypeFromCap(name: string): number | null {
  switch (name) {
    case 'NULL':
      return 0;
    case 'ETHERNET':
      return 1;
    case 'IEEE802_11_RADIO':
      return 127;
    case 'LINKTYPE_LINUX_SLL':
      return 113;
    case 'RAW':
      return 101;
  }
  const m = /^Unknown linktype (\d+)$/.exec(name);
  if (!m) return null;
  const dlt = Number(m[1]);
  const differing: Record<number, number> = { 11: 100, 12: 101, 14: 101, 15: 102, 16: 103, 19: 106 };
  return differing[dlt] ?? dlt;
}

/** True when the decoder reads frames of this link type. */
export function isDecodedLinkType(linkType: number): boolean {
  return DECODED_LINK_TYPES.has(linkType);
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

/**
 * Builds the frame record of one live packet.
 * NOTE: the binding does not pass the length on the wire, so `origLength` is
 * the captured length. A packet longer than the 65535-byte snaplen (possible
 * on `any` or loopback with offloads) is therefore cut without a trace.
 */
export function toCapturedFrame(data: Uint8Array, linkType: number, frame: number, time: Timestamp, input = 0): CapturedFrame {
  return { input, frame: frame as FrameNumber, time, linkType, data, origLength: data.length };
}

/** An interface opened in this process. */
interface OpenedInterface {
  handle: CapHandle;
  linkType: number;
  filter: string;
}

/** Opens `iface` with `filter`, or with the default filter for its link type when `filter` is null. Throws LiveCaptureError. */
function openInterface(iface: string, filter: string | null, bufferBytes: number, buffer: Buffer): OpenedInterface {
  const cap = loadCap();
  const names = deviceNames();
  if (names.length > 0 && !names.includes(iface)) {
    throw new LiveCaptureError('no-such-interface', `no capture interface named "${iface}"; interfaces: ${names.join(', ')}`, names);
  }

  let applied = filter ?? BASE_LIVE_FILTER;
  let opened: { handle: CapHandle; linkName: string };
  try {
    opened = openHandle(cap, iface, applied, bufferBytes, buffer);
  } catch (error) {
    throw classifyOpenError(cap, iface, applied, bufferBytes, (error as Error).message, names);
  }
  // The binding reports the link type only once the interface is open, so the default filter
  // starts with its IP part and is replaced by the one for the link type.
  const known = linkTypeFromCap(opened.linkName);
  if (filter === null && known !== null && defaultLiveFilter(known) !== applied) {
    applied = defaultLiveFilter(known);
    const first = opened;
    try {
      opened = openHandle(cap, iface, applied, bufferBytes, buffer);
    } catch (error) {
      first.handle.close();
      throw classifyOpenError(cap, iface, applied, bufferBytes, (error as Error).message, names);
    }
    first.handle.close();
  }

  const linkType = linkTypeFromCap(opened.linkName);
  if (linkType === null) {
    opened.handle.close();
    throw new LiveCaptureError('open', `cannot capture on ${iface}: libpcap reported link type "${opened.linkName}"`);
  }
  return { handle: opened.handle, linkType, filter: applied };
}

// ---- the capture process --------------------------------------------------------
//
// The binding runs in a child process of its own. It aborts node when the
// interface goes down or disappears (an assertion on the libuv poll status),
// which would end the whole analysis without a summary. In a child, that ends
// only the capture: the analysis reports the interruption and opens the
// interface again. The child also stamps packets as libpcap hands them over,
// unaffected by the time the analysis takes.
//
// The child writes records to its standard output: a 32-bit big-endian length
// of what follows, a type byte and a body. Node queues writes to the pipe
// without blocking, so when the analysis falls behind by more than
// MAX_QUEUED_BYTES the child drops packets and counts them, as libpcap does
// when its own buffer is full.

/** Argument that makes this module run as the capture process. */
const CAPTURE_PROCESS_FLAG = '--spitrace-capture-process';

/** Settings the analysis passes to the capture process. */
interface CaptureProcessConfig {
  iface: string;
  /** null for the default filter of the interface's link type. */
  filter: string | null;
  bufferBytes: number;
}

/** Body: JSON { linkType, filter }. */
const RECORD_OPENED = 1;
/** Body: seconds and nanoseconds (32 bits each, big-endian), then the packet. */
const RECORD_PACKET = 2;
/** Body: JSON { kind, message, interfaces }. */
const RECORD_FAILED = 3;
/** Body: packets dropped so far because the analysis fell behind (32 bits, big-endian). */
const RECORD_DROPPED = 4;

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

// ---- the analysis side ----------------------------------------------------------

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
    const child = spawn(process.execPath, [...loaderArguments(), fileURLToPath(import.meta.url), CAPTURE_PROCESS_FLAG, JSON.stringify(config)], {
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

function deviceNames(): string[] {
  try {
    return listDevices().map((d) => d.name);
  } catch {
    return [];
  }
}

const PERMISSION = /permission|not permitted|EPERM|EACCES/i;
const NO_DEVICE = /no such device|doesn't exist|does not exist|no such interface|SIOCGIFINDEX|ENODEV/i;

/**
 * Turns the binding's error into a message that names what to do. The binding
 * compiles the filter only after the interface opened, and libpcap's compile
 * messages have no common shape, so an error that is neither about
 * permissions nor about the device is checked by opening again without the
 * filter: when that works, the filter was at fault.
 */
function classifyOpenError(cap: CapModule, iface: string, filter: string, bufferBytes: number, message: string, names: string[]): LiveCaptureError {
  if (PERMISSION.test(message)) {
    return new LiveCaptureError(
      'permission',
      `capturing on ${iface} needs root or the CAP_NET_RAW capability (libpcap: ${message}); run spitrace as root, or give node the capability: setcap cap_net_raw=eip "$(readlink -f "$(command -v node)")"`,
    );
  }
  if (NO_DEVICE.test(message)) {
    const list = names.length > 0 ? `; interfaces: ${names.join(', ')}` : '';
    return new LiveCaptureError('no-such-interface', `no capture interface named "${iface}" (libpcap: ${message})${list}`, names);
  }
  if (filter !== '') {
    try {
      openHandle(cap, iface, '', bufferBytes, Buffer.alloc(LIVE_SNAPLEN)).handle.close();
      return new LiveCaptureError('filter', `the capture filter does not compile: ${message}; filter: ${filter}`);
    } catch {
      // The interface fails without the filter too: the original message is the one to show.
    }
  }
  return new LiveCaptureError('open', `cannot capture on ${iface}: ${message}`);
}

if (process.argv[2] === CAPTURE_PROCESS_FLAG && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCaptureProcess(JSON.parse(process.argv[3] ?? '{}') as CaptureProcessConfig);
}
