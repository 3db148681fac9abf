// Every real capture of the shared corpus (without keys) and of the lab runs
// (with their keys) is analysed twice: record by record through the scan API
// and the decoder's fast path, and frame by frame through the general path.
// The two reports must be equal.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CaptureFormatError } from '../../src/capture/index.js';
import { reportsBothWays } from '../helpers/scan-path.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const shared = resolve(repoRoot, '../shared');
const CAPTURE_NAME = /\.(pcap|pcapng|cap)(\.gz)?$/;
const SKIPPED_FOLDERS = new Set(['tshark-4.0-summaries', 'keys-derived', 'logs', 'keys', 'config']);

/** Lists the capture files under `folder`, outside the folders of summaries, keys, logs and configuration. */
function listCaptures(folder: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) {
      if (!SKIPPED_FOLDERS.has(name)) out.push(...listCaptures(path));
    } else if (CAPTURE_NAME.test(name)) {
      out.push(path);
    }
  }
  return out;
}

describe.skipIf(!existsSync(shared))('scan path on real captures', () => {
  it('scan path reports the corpus as frames do', async () => {
    let compared = 0;
    for (const path of listCaptures(join(shared, 'corpus'))) {
      try {
        const { scanned, framed } = await reportsBothWays(path);
        expect(scanned, path).toBe(framed);
        compared++;
      } catch (error) {
        // A few corpus files are not pcap or pcapng (a snoop capture); the reader rejects them either way.
        if (!(error instanceof CaptureFormatError)) throw error;
      }
    }
    expect(compared).toBeGreaterThan(40);
  });

  it('scan path reports the lab runs as frames do', async () => {
    const runs = listCaptures(join(shared, 'lab-captures'));
    expect(runs.length).toBeGreaterThan(0);
    for (const path of runs) {
      const { scanned, framed } = await reportsBothWays(path, join(dirname(path), 'keys'));
      expect(scanned, path).toBe(framed);
    }
  });
});
