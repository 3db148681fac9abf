// `spitrace live --keys FOLDER` with a charon log that grows during the
// capture, as it does when the log of a running strongSwan is followed. A
// recorded lab run is replayed with its original timing. Meanwhile the
// initiator's log is written into the folder line by line at the times it
// carries, each line 300 ms late. So every IKE SA's keys arrive after its
// first encrypted message. Live capture must still decrypt as many IKE messages as
// `spitrace analyze` does with the whole log, and give the same findings.
// Needs root for the namespaces.

import { mkdtempSync, readFileSync, rmSync, appendFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonRegistry } from '../../lab/process.js';
import { openCapture } from '../../src/capture/index.js';
import { createPair, isRoot, LiveProcess, liveFindings, offlineFindings, replay, repoRoot, spitraceBin, teardown, type NamespacePair } from './netns.js';
import { runCommand } from '../../lab/process.js';

const root = isRoot();
const LATE_MS = 300;

/** Capture time of the first frame, in ms since the epoch. */
async function firstFrameMs(path: string): Promise<number> {
  const source = await openCapture(path, 0);
  try {
    const batch = await source.next();
    const first = batch?.[0];
    if (!first) throw new Error(`${path} has no frames`);
    return first.time.sec * 1000 + first.time.nsec / 1e6;
  } finally {
    await source.close();
  }
}

/** Log lines with the ms time each carries ("2026-12-04T21:52:59.464 13[IKE] ..."), host time zone UTC. */
function timedLines(log: string): { at: number; line: string }[] {
  const out: { at: number; line: string }[] = [];
  let last = 0;
  for (const line of log.split('\n')) {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}) /.exec(line);
    if (m) last = Date.parse(`${m[1]}Z`);
    out.push({ at: last, line });
  }
  return out;
}

/** Returns the ikeDecrypted count of `spitrace analyze --json`. */
async function offlineDecrypted(capture: string, keys: string): Promise<number> {
  const result = await runCommand(process.execPath, [spitraceBin, 'analyze', '--json', '--keys', keys, capture], { allowFailure: true, timeoutMs: 120_000 });
  return (JSON.parse(result.stdout) as { summary: { ikeDecrypted: number } }).summary.ikeDecrypted;
}

const reason = root ? '' : ' (skipped: needs root to create network namespaces)';

describe.skipIf(!root)(`live capture following a growing charon log${reason}`, () => {
  const registry = new DaemonRegistry();
  const namespaces: string[] = [];
  let pair: NamespacePair;
  let work = '';

  beforeAll(async () => {
    pair = await createPair('keys', (name) => namespaces.push(name));
    work = mkdtempSync(join(tmpdir(), 'spitrace-live-keys-'));
  });

  afterAll(async () => {
    const problems = await teardown(registry, namespaces);
    if (work) rmSync(work, { recursive: true, force: true });
    expect(problems).toEqual([]);
  });

  for (const scenario of ['ikev2-rekey', 'ikev1-main-quick']) {
    describe(scenario, () => {
      const dir = join(repoRoot, 'captures', 'lab', scenario);
      const capture = join(dir, 'capture.pcap');
      let live: LiveProcess;
      let exitCode: number | null = null;

      beforeAll(async () => {
        const keysDir = mkdtempSync(join(work, `${scenario}-`));
        const logPath = join(keysDir, 'charon.log');
        const lines = timedLines(gunzipSync(readFileSync(join(dir, 'logs', 'charon-a.log.gz'))).toString('utf8'));
        const start = await firstFrameMs(capture);
        // What charon wrote before the capture began is in the file from the start.
        writeFileSync(logPath, lines.filter((l) => l.at < start).map((l) => `${l.line}\n`).join(''));
        const later = lines.filter((l) => l.at >= start);

        live = await LiveProcess.start(registry, pair.capture, ['-i', pair.captureIface, '--ndjson', '--keys', keysDir]);
        const timers: NodeJS.Timeout[] = [];
        await replay(registry, pair, capture, 31, () => {
          for (const l of later) timers.push(setTimeout(() => appendFileSync(logPath, `${l.line}\n`), l.at - start + LATE_MS));
        });
        await new Promise((resolve) => setTimeout(resolve, 1000));
        for (const t of timers) clearTimeout(t);
        exitCode = await live.stop('SIGINT');
      });

      it('ends with exit status 0', () => {
        expect(exitCode, live.stderr).toBe(0);
      });

      it('decrypts as many IKE messages as the analysis of the file', async () => {
        const summary = live.records.find((r) => r.record.record === 'summary')?.record as { ikeDecrypted: number } | undefined;
        expect(summary?.ikeDecrypted, live.stderr).toBe(await offlineDecrypted(capture, join(dir, 'keys')));
      });

      it('gives the findings of the analysis of the file', async () => {
        expect(liveFindings(live.records)).toEqual(await offlineFindings(capture, join(dir, 'keys')));
      });
    });
  }
});
