// LiveSession without an interface: frames of a capture file are fed as the
// capture source feeds them, and the NDJSON output is read back. Checks the
// coalescing of updates, the records at the end, and the wait for keys that
// arrive after the IKE message that needs them. Needs no root.

import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analyze/pipeline.js';
import { openCapture } from '../../src/capture/index.js';
import { LiveSession } from '../../src/cli/live-session.js';
import { loadKeys, type KeySet } from '../../src/keys/index.js';
import { formatSpi } from '../../src/util/format.js';
import type { CapturedFrame } from '../../src/types.js';
import { findingKey, liveFindings, repoRoot, type LiveRecord } from './netns.js';

const work = mkdtempSync(join(tmpdir(), 'spitrace-live-session-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

async function readAll(path: string): Promise<CapturedFrame[]> {
  const source = await openCapture(path, 0);
  const frames: CapturedFrame[] = [];
  try {
    for (;;) {
      const batch = await source.next();
      if (batch === null) break;
      for (const f of batch) frames.push({ ...f, data: new Uint8Array(f.data) });
    }
  } finally {
    await source.close();
  }
  return frames;
}

/** Creates a session that writes its NDJSON records into `records`. */
function session(keys: KeySet | null, records: LiveRecord[]): LiveSession {
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) records.push({ at: Date.now(), record: JSON.parse(line) as LiveRecord['record'] });
      callback();
    },
  });
  return new LiveSession({ lang: 'en', ndjson: true, keys, transientWindowSeconds: 2, ring: null, out, warn: () => undefined, onError: (error) => { throw error; } });
}

const info = { path: 'test', format: 'pcap' as const, compressed: false, linkTypes: [], frames: 0, first: null, last: null };

/** Feeds frames, calling tick() whenever the capture clock enters a new second, as the live timer does. */
function feed(live: LiveSession, frames: CapturedFrame[]): void {
  let second = -1;
  for (const f of frames) {
    if (f.time.sec !== second) {
      second = f.time.sec;
      live.tick(f.time.sec + f.time.nsec / 1e9);
    }
    live.frame(f);
  }
}

describe('live session on a replayed desync', () => {
  const capture = join(repoRoot, 'captures', 'scenarios', 'after-delete.pcap');
  const keysDir = join(repoRoot, 'captures', 'scenarios', 'after-delete.keys');

  it('prints at most one update per finding and second', async () => {
    const records: LiveRecord[] = [];
    const live = session(await loadKeys([keysDir]), records);
    feed(live, await readAll(capture));
    live.finish(info);
    const updates = records.filter((r) => r.record.phase === 'update').map((r) => `${String(r.record.id)} ${String((r.record.last as { time: string }).time).slice(0, 19)}`);
    expect(new Set(updates).size).toBe(updates.length);
  });

  it('streams every flagged frame exactly once', async () => {
    const records: LiveRecord[] = [];
    const live = session(await loadKeys([keysDir]), records);
    feed(live, await readAll(capture));
    live.finish(info);
    const frames = records.filter((r) => r.record.kind === 'spi-after-delete').flatMap((r) => (r.record.frames as [number, number][]).map(([, n]) => n));
    expect(frames).toEqual([23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35]);
  });

  it('gives the findings of the analysis of the file', async () => {
    const records: LiveRecord[] = [];
    const keys = await loadKeys([keysDir]);
    const live = session(keys, records);
    feed(live, await readAll(capture));
    live.finish(info);
    const offline = await analyzeFiles([capture], { keys });
    const expected = offline.findings.map((f) => findingKey({ ...f, spi: f.spi === null ? null : formatSpi(f.spi) })).sort();
    expect(liveFindings(records)).toEqual(expected);
  });

  it('ends with a summary record', async () => {
    const records: LiveRecord[] = [];
    const live = session(await loadKeys([keysDir]), records);
    feed(live, await readAll(capture));
    live.finish(info);
    expect(records[records.length - 1]?.record).toMatchObject({ record: 'summary', frames: 35, desyncs: 1, flaggedPackets: 13 });
  });
});

describe('live session on lab captures with a recovery', () => {
  // In each, the outage ends more than ten seconds before the capture does.
  for (const scenario of ['ikev2-responder-restart', 'ikev2-silent-loss', 'ikev1-child-silent-delete']) {
    it(`reports ${scenario} desync before the end`, async () => {
      const dir = join(repoRoot, 'captures', 'lab', scenario);
      const capture = join(dir, 'capture.pcap');
      const keys = await loadKeys([join(dir, 'keys')]);
      const records: LiveRecord[] = [];
      const live = session(keys, records);
      feed(live, await readAll(capture));
      const beforeEnd = records.filter((r) => r.record.kind === 'desync');
      live.finish(info);

      const offline = await analyzeFiles([capture], { keys });
      const desyncs = offline.findings.filter((f) => f.kind === 'desync');
      expect(desyncs.length).toBeGreaterThan(0);
      const verdict = (f: Record<string, unknown>): string =>
        `${String(f.spi)} ${String(f.packets)} ${String(f.classification)} ${(f.recovery as { kind: string }).kind}`;
      expect(beforeEnd.map((r) => verdict(r.record)).sort()).toEqual(
        desyncs.map((f) => verdict({ ...f, spi: f.spi === null ? null : formatSpi(f.spi) })).sort(),
      );
      const expected = offline.findings.map((f) => findingKey({ ...f, spi: f.spi === null ? null : formatSpi(f.spi) })).sort();
      expect(liveFindings(records)).toEqual(expected);
      // Every suspected finding that opened also closed, saying how.
      const suspected = records.filter((r) => String(r.record.id).startsWith('p-'));
      const opened = new Set(suspected.filter((r) => r.record.phase === 'open').map((r) => String(r.record.id)));
      const closed = new Set(suspected.filter((r) => r.record.phase === 'close').map((r) => String(r.record.id)));
      expect(closed).toEqual(opened);
    });
  }
});

describe('live session waiting for keys', () => {
  const dir = join(repoRoot, 'captures', 'lab', 'ikev2-baseline');
  const capture = join(dir, 'capture.pcap');

  it('decrypts a message whose keys are written after it arrived', async () => {
    const log = gunzipSync(readFileSync(join(dir, 'logs', 'charon-a.log.gz'))).toString('utf8').split('\n');
    const firstKeyLine = log.findIndex((l) => /Sk_\w+ secret/.test(l));
    const keysDir = mkdtempSync(join(work, 'keys-'));
    const logPath = join(keysDir, 'charon.log');
    writeFileSync(logPath, log.slice(0, firstKeyLine).map((l) => `${l}\n`).join(''));
    const keys = await loadKeys([keysDir]);

    const records: LiveRecord[] = [];
    const live = session(keys, records);
    const frames = await readAll(capture);
    feed(live, frames);
    // Every frame after the first encrypted IKE message is held; now the keys reach the log.
    expect(live.waitingForKeys).toBe(true);
    appendFileSync(logPath, log.slice(firstKeyLine).map((l) => `${l}\n`).join(''));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(live.waitingForKeys).toBe(false);
    live.finish(info);

    const offline = await analyzeFiles([capture], { keys: await loadKeys([join(dir, 'keys')]) });
    const summary = records.find((r) => r.record.record === 'summary')?.record;
    expect(summary?.ikeDecrypted).toBe(offline.counts.ikeDecrypted);
  });

  it('gives up after a second when the keys never come', async () => {
    const keysDir = mkdtempSync(join(work, 'nokeys-'));
    writeFileSync(join(keysDir, 'ikev2_decryption_table'), '# no keys yet\n');
    const records: LiveRecord[] = [];
    const live = session(await loadKeys([keysDir]), records);
    const frames = await readAll(capture);
    feed(live, frames);
    expect(live.waitingForKeys).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(live.waitingForKeys).toBe(false);
    live.finish(info);
    const summary = records.find((r) => r.record.record === 'summary')?.record;
    expect(summary?.frames).toBe(frames.length);
  });
});
