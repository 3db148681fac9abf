// A capture file read in a worker thread (WorkerCapture) against the same
// file read in the analysing thread. The reports must be equal. Errors met in
// the thread must come back as the errors the file gives in the analysing thread.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { generateCapture } from '../../bench/generate.mjs';
import { analyzeFiles } from '../../src/analyze/pipeline.js';
import { MAX_FLOWS } from '../../src/capture/flow-table.js';
import { openCapture } from '../../src/capture/index.js';
import { adoptEarly, startEarly, WorkerCapture, type DecodedRecordVisitor } from '../../src/capture/worker-capture.js';
import { buildPcap, pcapHeader, pcapRecord } from '../../src/capture/writer.js';
import { loadKeys } from '../../src/keys/index.js';
import { buildReport } from '../../src/report/json.js';
import { crafted } from '../capture/read.js';
import { at, esp, ethernet, fragmentIpv4, ikeMessage, ipv4, ipv6, udp, type Bytes } from '../helpers/build.js';

const CAPTURE_NAME = /\.(pcap|pcapng)$/;
const folder = mkdtempSync(join(tmpdir(), 'spitrace-worker-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let benchCapture: { path: string; bytes: number } | null = null;

/** Writes a capture of the benchmark's shape, 100,000 frames (79 MB), once. */
function benchShaped(): { path: string; bytes: number } {
  if (benchCapture === null) {
    const path = join(folder, 'bench-100k.pcap');
    benchCapture = { path, bytes: generateCapture(path, 100_000).bytes };
  }
  return benchCapture;
}

/** Returns the JSON reports of `path` read in a worker thread and in the analysing thread. */
async function reportsBothWays(path: string, keys?: string): Promise<{ worker: string; thread: string }> {
  const keySet = keys !== undefined && existsSync(keys) ? await loadKeys([keys]) : null;
  const worker = await analyzeFiles([path], { keys: keySet }, { workerThreshold: 0 });
  const thread = await analyzeFiles([path], { keys: keySet }, { workerThreshold: Infinity });
  return { worker: JSON.stringify(buildReport(worker, 'en'), null, 1), thread: JSON.stringify(buildReport(thread, 'en'), null, 1) };
}

/**
 * Compares both reports of every path, three at a time: most of the time
 * goes to starting threads, which load the TypeScript sources.
 */
async function expectSameReports(paths: string[], keysOf: (path: string) => string | undefined = () => undefined): Promise<void> {
  const queue = [...paths];
  const next = async (): Promise<void> => {
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
      const { worker, thread } = await reportsBothWays(path, keysOf(path));
      expect(worker, path).toBe(thread);
    }
  };
  await Promise.all([next(), next(), next()]);
}

/** Lists the uncompressed captures of a folder under captures/, without the files the reader rejects. */
function capturesIn(name: string): string[] {
  return readdirSync(crafted(name))
    .filter((f) => CAPTURE_NAME.test(f) && !f.startsWith('reject-'))
    .map((f) => join(crafted(name), f));
}

/** Writes a pcap of Ethernet frames into the test folder and returns its path. */
function writePcap(name: string, frames: { time: ReturnType<typeof at>; data: Bytes }[]): string {
  const path = join(folder, name);
  writeFileSync(path, buildPcap(1, frames));
  return path;
}

/** Starts a WorkerCapture on `path` from its first record. */
async function startedCapture(path: string): Promise<WorkerCapture> {
  const reader = await openCapture(path, 0);
  const position = reader.suspend!();
  await reader.close();
  const capture = new WorkerCapture(path);
  await capture.whenReady();
  capture.start(position!);
  return capture;
}

/** Returns a visitor that counts what a WorkerCapture hands over. */
function counter(): DecodedRecordVisitor & { esp: number; records: number } {
  return {
    esp: 0,
    records: 0,
    espRecord() {
      this.esp++;
    },
    espFlow() {
      this.esp++;
      return true;
    },
    record() {
      this.records++;
    },
  };
}

describe('worker path', () => {
  // Every pcap and pcapng variant, for the record fields a batch carries:
  // frame numbers, times and their digits, link types and capture problems.
  it('worker path matches the thread on formats', async () => {
    await expectSameReports(capturesIn('formats'));
  }, 30_000);

  // The decoder's fast path and the frames it leaves to the general path.
  it('worker path matches the thread on ESP', async () => {
    const files = ['nat-t.pcap', 'link-vlan.pcap', 'ipv4-fragments-out-of-order.pcap', 'ipv6-fragments.pcap', 'truncated-layers.pcap', 'ah.pcap'];
    await expectSameReports(files.map((f) => crafted(`decode/${f}`)));
  }, 30_000);

  it('worker path matches the thread on scenarios', async () => {
    await expectSameReports(capturesIn('scenarios'), (path) => path.replace(/\.pcap$/, '.keys'));
  }, 30_000);

  it('worker path expires fragment sets as the thread does', async () => {
    // Plain ESP, ESP in UDP 4500, ESP over IPv6 and an IKE datagram, with the
    // first fragment of a datagram whose rest never comes: the ESP packets
    // 31 s later expire it (the fragment timeout is 30 s).
    const plain = ethernet(ipv4(esp(0x1001, 1), { protocol: 50 }));
    const natT = ethernet(ipv4(udp(esp(0x1002, 1), 4500, 4500), { protocol: 17 }));
    const overIpv6 = ethernet(ipv6(esp(0x1003, 1), { nextHeader: 50 }));
    const ike = ethernet(ipv4(udp(ikeMessage(), 500, 500), { protocol: 17 }));
    const [firstFragment] = fragmentIpv4(ipv4(esp(0x1004, 1, 200), { protocol: 50, id: 7 }), [96]);
    const path = writePcap('fragment-expiry.pcap', [
      { time: at(0), data: plain },
      { time: at(0.5), data: ethernet(firstFragment!) },
      { time: at(1), data: natT },
      { time: at(2), data: overIpv6 },
      { time: at(31), data: ethernet(ipv4(esp(0x1001, 2), { protocol: 50 })) },
      { time: at(32), data: ike },
      { time: at(33), data: ethernet(ipv4(udp(esp(0x1002, 2), 4500, 4500), { protocol: 17 })) },
    ]);
    const { worker, thread } = await reportsBothWays(path);
    expect(worker).toBe(thread);
    expect(worker).toContain('incomplete fragment set dropped after 30 s');
  });

  it('worker path matches the thread past the flow limit', async () => {
    // Each SPI is a flow of its own. Past MAX_FLOWS the reading thread writes
    // packets in full; the first SPIs come back after that as known flows.
    const spis = MAX_FLOWS + 500;
    const frames = [];
    for (let i = 0; i < spis; i++) frames.push({ time: at(i / 1000), data: ethernet(ipv4(esp(0x10000 + i, 1, 8), { protocol: 50 })) });
    for (let i = 0; i < 50; i++) frames.push({ time: at(spis / 1000 + i / 1000), data: ethernet(ipv4(esp(0x10000 + i * 997, 2, 8), { protocol: 50 })) });
    frames.push({ time: at(spis / 1000 + 1), data: ethernet(ipv4(esp(0x10000 + MAX_FLOWS + 1, 2, 8), { protocol: 50 })) });
    const path = writePcap('many-flows.pcap', frames);
    const { worker, thread } = await reportsBothWays(path);
    expect(worker).toBe(thread);
    expect(JSON.parse(thread).summary.espPackets).toBe(spis + 51);
  }, 60_000);

  it('worker path hands over an oversized record', async () => {
    // 2 MiB of Ethernet payload that is not IP, between two ESP packets; snaplen 0 means no limit.
    const big = ethernet(new Uint8Array(2 << 20), { type: 0x88b5 });
    const frames = [
      { time: at(0), data: ethernet(ipv4(esp(0x2001, 1), { protocol: 50 })) },
      { time: at(1), data: big },
      { time: at(2), data: ethernet(ipv4(esp(0x2001, 2), { protocol: 50 })) },
    ];
    const path = join(folder, 'large-record.pcap');
    writeFileSync(path, Buffer.concat([pcapHeader(1, 0), ...frames.map((f) => pcapRecord(f.time, f.data))]));
    const capture = await startedCapture(path);
    const seen = counter();
    while (await capture.scan(seen));
    await capture.close();
    expect([seen.esp, seen.records]).toEqual([2, 1]);
    const { worker, thread } = await reportsBothWays(path);
    expect(worker).toBe(thread);
  });

  it('worker path starts at the threshold', async () => {
    const { path, bytes } = benchShaped();
    // Whether the thread takes over depends on how soon it is ready; it is closed either way.
    const close = vi.spyOn(WorkerCapture.prototype, 'close');
    const worker = await analyzeFiles([path], {}, { workerThreshold: bytes });
    expect(close).toHaveBeenCalled();
    close.mockRestore();
    const thread = await analyzeFiles([path], {}, { workerThreshold: Infinity });
    expect(JSON.stringify(buildReport(worker, 'en'))).toBe(JSON.stringify(buildReport(thread, 'en')));
  });

  it('worker path starts nothing below the threshold', async () => {
    const { path, bytes } = benchShaped();
    const close = vi.spyOn(WorkerCapture.prototype, 'close');
    await analyzeFiles([path], {}, { workerThreshold: bytes + 1 });
    expect(close).not.toHaveBeenCalled();
    close.mockRestore();
  });

  it('worker path adopts the thread started early', async () => {
    const { path } = benchShaped();
    const close = vi.spyOn(WorkerCapture.prototype, 'close');
    const onThreadStart = vi.fn();
    startEarly([path], 0);
    const early = await analyzeFiles([path], {}, { workerThreshold: 0, onThreadStart });
    // The early thread was adopted: the analysis started and closed no thread of its own.
    expect(close).toHaveBeenCalledTimes(1);
    expect(onThreadStart).toHaveBeenCalled();
    close.mockRestore();
    const thread = await analyzeFiles([path], {}, { workerThreshold: Infinity });
    expect(JSON.stringify(buildReport(early, 'en'))).toBe(JSON.stringify(buildReport(thread, 'en')));
  });

  it('worker path closes an early thread it does not use', async () => {
    const { path } = benchShaped();
    const other = crafted('decode/nat-t.pcap');
    const close = vi.spyOn(WorkerCapture.prototype, 'close');
    startEarly([path], 0);
    await analyzeFiles([other], {}, { workerThreshold: Infinity });
    expect(close).toHaveBeenCalledTimes(1);
    close.mockClear();
    // Nothing is started for a compressed file, several files or standard input.
    startEarly([crafted('formats/pcap-le-usec.pcap.gz')], 0);
    startEarly([path, other], 0);
    startEarly(['-'], 0);
    expect(await adoptEarly(path)).toBeNull();
    expect(close).not.toHaveBeenCalled();
    close.mockRestore();
  });

  it('worker path opens no FIFO to start a thread early', () => {
    // Opening a FIFO waits for its writer, so a check that opened it would hang; run it in a child with a time limit.
    const fifo = join(folder, 'capture.fifo');
    execFileSync('mkfifo', [fifo]);
    const module = JSON.stringify(new URL('../../src/capture/worker-capture.ts', import.meta.url).href);
    const code = `const m = await import(${module}); m.startEarly([${JSON.stringify(fifo)}], 0); console.log(String(await m.adoptEarly(${JSON.stringify(fifo)})));`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20_000 });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('null');
  }, 30_000);

  it('worker path falls back when the thread fails', async () => {
    const { path } = benchShaped();
    const whenReady = vi.spyOn(WorkerCapture.prototype, 'whenReady').mockRejectedValue(new Error('the thread did not start'));
    const fallback = await analyzeFiles([path], {}, { workerThreshold: 0 });
    expect(whenReady).toHaveBeenCalled();
    whenReady.mockRestore();
    const thread = await analyzeFiles([path], {}, { workerThreshold: Infinity });
    expect(JSON.stringify(buildReport(fallback, 'en'))).toBe(JSON.stringify(buildReport(thread, 'en')));
  });

  it('worker path resumes after two batches', async () => {
    const { path } = benchShaped();
    const handedOver = await analyzeFiles([path], {}, { workerThreshold: 0, handOverAfter: 2 });
    const thread = await analyzeFiles([path], {}, { workerThreshold: Infinity });
    expect(JSON.stringify(buildReport(handedOver, 'en'))).toBe(JSON.stringify(buildReport(thread, 'en')));
  });

  it('worker path reports a cut last record', async () => {
    const path = crafted('formats/pcap-truncated-data.pcap');
    const capture = await startedCapture(path);
    while (await capture.scan(counter()));
    await capture.close();
    expect(capture.problems.map((p) => `${p.frame} ${p.cause}`)).toEqual(['4 truncated']);
  });

  it('worker path throws a missing file error', async () => {
    const capture = new WorkerCapture(join(folder, 'gone.pcap'));
    await expect(capture.whenReady()).rejects.toThrow(`${join(folder, 'gone.pcap')}: file not found`);
    await capture.close();
  });

  it('closing a worker capture stops its thread', async () => {
    const capture = await startedCapture(benchShaped().path);
    expect(await capture.scan(counter())).toBe(true);
    await capture.close();
    expect(await capture.scan(counter())).toBe(false);
  });
});
