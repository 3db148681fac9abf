// Feeds a generated stream of ESP packets through the live pipeline
// (LiveSession: analysis, finding output, ring of pcapng files) and reports
// the process RSS after 1 million and after 10 million packets, for
// memory.test.ts and docs/live.md.
//
// The stream: 20 tunnels between documentation addresses, each sending ESP in
// UDP (RFC 3948) both ways at 25 packets per second per direction, 1000
// packets per second in all, stamped with a simulated clock (10 million
// packets are 2.8 hours). Every tunnel changes its SPI pair every 10 minutes,
// as a rekey does, and every 30 minutes its B side falls silent for 60
// seconds while A keeps sending, which the tracker reports as spi-lost and a
// desync. Frames are built in one buffer per direction that is overwritten
// for the next packet, as the cap binding's buffer is.
//
// Usage: node --expose-gc --max-semi-space-size=1 --import tsx test/live/memory-run.ts [PACKETS] [--one-way-after-idle]
// Prints one JSON line: {"packets":..,"rssAt1M":..,"rssAtEnd":..,...} (bytes).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { RingWriter } from '../../src/capture/ring.js';
import { LiveSession } from '../../src/cli/live-session.js';
import type { CapturedFrame, FrameNumber, Timestamp } from '../../src/types.js';

const TUNNELS = 20;
const PACKETS_PER_SECOND = 1000;
const REKEY_SECONDS = 600;
const OUTAGE_EVERY_SECONDS = 1800;
const OUTAGE_SECONDS = 60;
const START_SEC = 1_767_225_600;
const ESP_PAYLOAD = 64;

interface Flow {
  buffer: Uint8Array;
  view: DataView;
  seq: number;
  spi: number;
}

/** Ethernet, IPv4, UDP 4500 and an ESP header and payload, with addresses filled in. */
function makeFlow(src: number[], dst: number[]): Flow {
  const length = 14 + 20 + 8 + 8 + ESP_PAYLOAD;
  const buffer = new Uint8Array(length);
  const view = new DataView(buffer.buffer);
  buffer.set([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01], 0);
  view.setUint16(12, 0x0800);
  buffer[14] = 0x45;
  view.setUint16(16, length - 14);
  buffer[22] = 64;
  buffer[23] = 17;
  buffer.set(src, 26);
  buffer.set(dst, 30);
  view.setUint16(34, 4500);
  view.setUint16(36, 4500);
  view.setUint16(38, length - 34);
  return { buffer, view, seq: 0, spi: 0 };
}

function spiFor(tunnel: number, epoch: number, direction: number): number {
  // Distinct, above the reserved range 1-255 (RFC 4303 §2.1) and below 0xff000000.
  return (0x10000000 + tunnel * 0x100000 + epoch * 4 + direction) >>> 0;
}

const rss = (): number => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const total = Number(args.find((a) => /^\d+$/.test(a)) ?? 10_000_000);
  // A tunnel whose B side goes quiet for 15 s and then never sends again while A sends on.
  const oneWayAfterIdle = args.includes('--one-way-after-idle');

  const ringDir = mkdtempSync(join(tmpdir(), 'spitrace-memory-ring-'));
  let outputBytes = 0;
  let lines = 0;
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      outputBytes += chunk.length;
      lines += 1;
      callback();
    },
  });
  const ring = new RingWriter({ dir: ringDir, prefix: 'memory', fileBytes: 4 * 1024 * 1024, files: 4, linkType: 1, interfaceName: 'generated' });
  const session = new LiveSession({
    lang: 'en',
    ndjson: true,
    keys: null,
    transientWindowSeconds: 2,
    ring,
    out,
    warn: (message) => process.stderr.write(`${message}\n`),
    onError: (error) => {
      throw error;
    },
  });

  const flows: Flow[] = [];
  for (let t = 0; t < TUNNELS; t++) {
    const a = [192, 0, 2, 10 + t];
    const b = [t % 2 === 0 ? 198 : 203, t % 2 === 0 ? 51 : 0, t % 2 === 0 ? 100 : 113, 10 + t];
    flows.push(makeFlow(a, b), makeFlow(b, a));
  }

  const started = performance.now();
  let rssAt1M = 0;
  let heapAt1M = 0;
  let frame = 0;
  let lastTick = -1;
  for (let i = 0; frame < total; i++) {
    const nanos = Math.round((i * 1e9) / PACKETS_PER_SECOND);
    const seconds = Math.floor(nanos / 1e9);
    const time: Timestamp = { sec: START_SEC + seconds, nsec: nanos % 1e9, digits: 6 };
    const index = i % flows.length;
    const tunnel = index >> 1;
    const direction = index & 1;
    const shifted = seconds + tunnel * 97;
    if (direction === 1) {
      // B's outage: silent for OUTAGE_SECONDS at the start of every OUTAGE_EVERY_SECONDS window.
      if (shifted % OUTAGE_EVERY_SECONDS < OUTAGE_SECONDS && seconds > OUTAGE_SECONDS) continue;
      if (oneWayAfterIdle && tunnel === 0 && seconds > 100) continue;
    }
    if (oneWayAfterIdle && tunnel === 0 && direction === 0 && seconds > 100 && seconds < 115) continue;

    const flow = flows[index]!;
    const spi = spiFor(tunnel, Math.floor(shifted / REKEY_SECONDS), direction);
    if (spi !== flow.spi) {
      flow.spi = spi;
      flow.seq = 0;
    }
    flow.seq += 1;
    flow.view.setUint32(42, flow.spi);
    flow.view.setUint32(46, flow.seq);
    frame += 1;
    const captured: CapturedFrame = { input: 0, frame: frame as FrameNumber, time, linkType: 1, data: flow.buffer, origLength: flow.buffer.length };
    session.frame(captured);

    if (seconds !== lastTick) {
      lastTick = seconds;
      session.tick(time.sec + time.nsec / 1e9);
    }
    if (frame === 1_000_000) {
      rssAt1M = rss();
      heapAt1M = process.memoryUsage().heapUsed;
    }
  }
  const rssAtEnd = rss();
  const heapAtEnd = process.memoryUsage().heapUsed;
  const elapsed = (performance.now() - started) / 1000;
  const result = session.finish({ path: 'generated', format: 'pcapng', compressed: false, linkTypes: [{ number: 1, name: 'ETHERNET' }], frames: frame, first: null, last: null });
  rmSync(ringDir, { recursive: true, force: true });

  process.stdout.write(
    JSON.stringify({
      packets: frame,
      simulatedHours: Number((lastTick / 3600).toFixed(2)),
      rssAt1M,
      rssAtEnd,
      heapAt1M,
      heapAtEnd,
      seconds: Number(elapsed.toFixed(1)),
      packetsPerSecond: Math.round(frame / elapsed),
      findings: result.findings.length,
      desyncs: result.findings.filter((f) => f.kind === 'desync').length,
      childSas: result.childSas.length,
      outputLines: lines,
      outputBytes,
      oneWayAfterIdle,
      node: process.version,
    }) + '\n',
  );
}

await main();
