// End-to-end check of `spitrace live`: every capture under captures/ (the
// crafted cases and the recorded lab runs) is replayed with its original
// timing from one network namespace into another, where `spitrace live
// --ndjson` captures it with the default filter. The findings must equal
// those of `spitrace analyze --json` on the file, compared as (kind, source,
// destination, SPI, packets, classification), since frame numbers and times
// differ. Needs root for the namespaces.

import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonRegistry } from '../../lab/process.js';
import { openCapture } from '../../src/capture/index.js';
import { createPair, isRoot, LiveProcess, liveFindings, offlineFindings, replay, repoRoot, teardown, type NamespacePair } from './netns.js';

const root = isRoot();
const capturesDir = join(repoRoot, 'captures');

/** Files under captures/ that the reader accepts, with the key folder that belongs to each. */
function capturesToReplay(): { path: string; keys: string | null }[] {
  const found: { path: string; keys: string | null }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (!name.endsWith('.keys') && name !== 'logs' && name !== 'keys' && name !== 'config') walk(path);
        continue;
      }
      if (!/\.(pcap|pcapng)(\.gz)?$/.test(name) || name.startsWith('reject-')) continue;
      // The pcapng copy of a lab run contains the same frames as capture.pcap, so one lab pcapng is enough.
      if (dir.includes(`${join('captures', 'lab')}`) && name === 'capture.pcapng' && basename(dir) !== 'ikev2-baseline') continue;
      found.push({ path, keys: keyFolder(path) });
    }
  };
  walk(capturesDir);
  return found;
}

function keyFolder(capture: string): string | null {
  const candidates = [capture.replace(/\.(pcap|pcapng)(\.gz)?$/, '.keys'), join(dirname(capture), 'keys')];
  return candidates.find((c) => existsSync(c) && statSync(c).isDirectory()) ?? null;
}

async function frameCount(path: string): Promise<number> {
  const source = await openCapture(path, 0);
  let frames = 0;
  try {
    for (;;) {
      const batch = await source.next();
      if (batch === null) break;
      frames += batch.length;
    }
  } finally {
    await source.close();
  }
  return frames;
}

const captures = root ? capturesToReplay() : [];
const reason = root ? '' : ' (skipped: needs root to create network namespaces)';

describe.skipIf(!root)(`live capture of replayed captures${reason}`, () => {
  const registry = new DaemonRegistry();
  const namespaces: string[] = [];
  let pair: NamespacePair;
  let ringDir = '';

  beforeAll(async () => {
    pair = await createPair('replay', (name) => namespaces.push(name));
    ringDir = mkdtempSync(join(tmpdir(), 'spitrace-live-ring-'));
  });

  afterAll(async () => {
    const problems = await teardown(registry, namespaces);
    if (ringDir) rmSync(ringDir, { recursive: true, force: true });
    expect(problems).toEqual([]);
  });

  it('finds captures to replay', () => {
    expect(captures.length).toBeGreaterThan(40);
  });

  for (const { path, keys } of captures) {
    const name = relative(capturesDir, path);
    it(`${name} gives the offline findings`, async () => {
      let expected: string[];
      try {
        expected = await offlineFindings(path, keys);
      } catch (error) {
        // A file the analysis rejects as a whole (exit 2) has nothing to compare.
        if (/exited 2/.test((error as Error).message)) return;
        throw error;
      }
      const frames = await frameCount(path);
      const live = await LiveProcess.start(registry, pair.capture, ['-i', pair.captureIface, '--ndjson', ...(keys ? ['--keys', keys] : [])]);
      const sent = await replay(registry, pair, path);
      // Let the last frames through libpcap and the analysis before stopping.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const code = await live.stop('SIGINT');

      expect(sent.sent + sent.skipped).toBe(frames);
      expect(sent.failed).toBe(0);
      expect(liveFindings(live.records)).toEqual(expected);
      expect(code === 0 || code === 1, live.stderr).toBe(true);
    });
  }
});
