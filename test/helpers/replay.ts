// Replays a capture file onto an interface with its original timing, for the
// live-capture tests. Frames go out as Ethernet: Ethernet frames unchanged,
// other link types (raw IP, Linux cooked v1 and v2, BSD NULL and LOOP) with
// their link-layer header replaced by an Ethernet header carrying the same
// EtherType. Nothing above the link layer is touched. Gaps between frames
// longer than --max-gap seconds are shortened to it, which keeps every time
// threshold of the analysis below that value meaningful.
//
// Usage (inside the sending network namespace, as root):
//   node --import tsx test/helpers/replay.ts --iface veth-b [--max-gap 31] CAPTURE
// Prints {"started":true} just before the first frame goes out, then one JSON
// line with the counts: {"sent":N,"skipped":N,"failed":N,"errors":[...],"seconds":S}.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { openCapture } from '../../src/capture/index.js';
import type { CapturedFrame } from '../../src/types.js';

export interface ReplayResult {
  sent: number;
  /** Frames of a link type that cannot be put into Ethernet, or cut inside their Ethernet header. */
  skipped: number;
  /** Frames the interface refused (too long for its MTU, for one). */
  failed: number;
  /** Why frames failed, one line each. */
  errors: string[];
  seconds: number;
}

interface CapHandle {
  open(device: string, filter: string, bufferSize: number, buffer: Buffer): string;
  send(buffer: Buffer, length?: number): void;
  close(): boolean;
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
/** Locally administered unicast addresses, so no real host's address appears on the wire. */
const DESTINATION_MAC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];
const SOURCE_MAC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];

/** BSD address families for IPv6 in NULL and LOOP headers (Linux, Windows, NetBSD/OpenBSD, FreeBSD, Darwin). */
const AF_INET6_VALUES = new Set([10, 23, 24, 28, 30]);

function ethernet(etherType: number, payload: Uint8Array): Buffer {
  const frame = Buffer.alloc(14 + payload.length);
  frame.set(DESTINATION_MAC, 0);
  frame.set(SOURCE_MAC, 6);
  frame.writeUInt16BE(etherType, 12);
  frame.set(payload, 14);
  return frame;
}

function byIpVersion(payload: Uint8Array): Buffer | null {
  const version = payload.length > 0 ? payload[0]! >> 4 : 0;
  if (version === 4) return ethernet(ETHERTYPE_IPV4, payload);
  if (version === 6) return ethernet(ETHERTYPE_IPV6, payload);
  return null;
}

/** Returns the frame as an Ethernet frame, or null when its link type cannot be carried in one. */
export function toEthernet(frame: CapturedFrame): Buffer | null {
  const data = frame.data;
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  switch (frame.linkType) {
    case 1:
      return Buffer.from(data);
    case 12:
    case 14:
    case 101:
    case 228:
    case 229:
      return byIpVersion(data);
    case 113:
      // Linux cooked v1: 16-byte header, protocol (EtherType) in its last two bytes.
      return data.length < 16 ? null : ethernet(view.readUInt16BE(14), data.subarray(16));
    case 276:
      // Linux cooked v2: 20-byte header, protocol first.
      return data.length < 20 ? null : ethernet(view.readUInt16BE(0), data.subarray(20));
    case 0:
    case 108: {
      // NULL stores the family in the writer's byte order, LOOP in network order.
      if (data.length < 4) return null;
      const family = frame.linkType === 108 ? view.readUInt32BE(0) : Math.min(view.readUInt32LE(0), view.readUInt32BE(0));
      if (family === 2) return ethernet(ETHERTYPE_IPV4, data.subarray(4));
      if (AF_INET6_VALUES.has(family)) return ethernet(ETHERTYPE_IPV6, data.subarray(4));
      return null;
    }
    default:
      return null;
  }
}

function seconds(frame: CapturedFrame): number {
  return frame.time.sec + frame.time.nsec / 1e9;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Sends every frame of `path` on `iface`, keeping the gaps between frames up
 * to `maxGapSeconds`. `onStart` runs just before the first frame goes out.
 */
export async function replayCapture(path: string, iface: string, maxGapSeconds = 31, onStart: () => void = () => undefined): Promise<ReplayResult> {
  const require = createRequire(import.meta.url);
  const { Cap } = require('cap') as { Cap: new () => CapHandle };
  const handle = new Cap();
  // A filter that matches nothing: the handle only sends.
  handle.open(iface, 'less 1', 1024 * 1024, Buffer.alloc(65535));
  const source = await openCapture(path, 0);
  const result: ReplayResult = { sent: 0, skipped: 0, failed: 0, errors: [], seconds: 0 };
  onStart();
  const start = performance.now();
  let previous: number | null = null;
  let offsetMs = 0;
  try {
    for (;;) {
      const batch = await source.next();
      if (batch === null) break;
      for (const frame of batch) {
        const t = seconds(frame);
        if (previous !== null) {
          const gap = t - previous;
          // A negative gap (an out-of-order timestamp) sends at once; a long one is shortened.
          offsetMs += Math.min(Math.max(gap, 0), maxGapSeconds) * 1000;
        }
        previous = t;
        const wait = start + offsetMs - performance.now();
        if (wait > 0) await sleep(wait);
        const bytes = toEthernet(frame);
        // A frame cut inside its Ethernet header cannot go on a link (the kernel rejects it).
        if (bytes === null || bytes.length < 14) {
          result.skipped += 1;
          continue;
        }
        try {
          handle.send(bytes, bytes.length);
          result.sent += 1;
        } catch (error) {
          result.failed += 1;
          result.errors.push(`frame ${frame.frame}: ${(error as Error).message}`);
        }
      }
    }
  } finally {
    await source.close();
    handle.close();
  }
  result.seconds = (performance.now() - start) / 1000;
  return result;
}

async function main(argv: string[]): Promise<number> {
  let iface: string | undefined;
  let maxGap = 31;
  let path: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--iface') iface = argv[++i];
    else if (arg === '--max-gap') maxGap = Number(argv[++i]);
    else path = arg;
  }
  if (!iface || !path || !(maxGap > 0)) {
    process.stderr.write('usage: replay.ts --iface IFACE [--max-gap SECONDS] CAPTURE\n');
    return 2;
  }
  const result = await replayCapture(path, iface, maxGap, () => process.stdout.write('{"started":true}\n'));
  process.stdout.write(JSON.stringify(result) + '\n');
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`replay: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
