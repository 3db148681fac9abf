// The analysis of every crafted capture, read record by record through the
// readers' scan API and the decoder's fast path, against the same capture
// read frame by frame through the general path: the reports must be equal.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crafted } from '../capture/read.js';
import { reportsBothWays } from '../helpers/scan-path.js';

const CAPTURE_NAME = /\.(pcap|pcapng)(\.gz)?$/;

/** Lists the captures of a folder under captures/, without the files the reader rejects on purpose. */
function capturesIn(folder: string): string[] {
  return readdirSync(crafted(folder))
    .filter((f) => CAPTURE_NAME.test(f) && !f.startsWith('reject-'))
    .map((f) => join(crafted(folder), f));
}

/** Lists the lab runs' captures with their key folders. */
function labCaptures(): { path: string; keys: string }[] {
  const out: { path: string; keys: string }[] = [];
  for (const run of readdirSync(crafted('lab'), { withFileTypes: true })) {
    if (!run.isDirectory()) continue;
    for (const file of ['capture.pcap', 'capture.pcapng']) {
      const path = join(crafted('lab'), run.name, file);
      if (existsSync(path)) out.push({ path, keys: join(crafted('lab'), run.name, 'keys') });
    }
  }
  return out;
}

describe('scan path', () => {
  for (const folder of ['decode', 'formats', 'ike']) {
    it(`scan path reports the ${folder} captures as frames do`, async () => {
      for (const path of capturesIn(folder)) {
        const { scanned, framed } = await reportsBothWays(path);
        expect(scanned, path).toBe(framed);
      }
    });
  }

  it('scan path reports the scenarios as frames do', async () => {
    for (const path of capturesIn('scenarios')) {
      const { scanned, framed } = await reportsBothWays(path, path.replace(/\.pcap$/, '.keys'));
      expect(scanned, path).toBe(framed);
    }
  });

  it('scan path reports the lab captures as frames do', async () => {
    const captures = labCaptures();
    expect(captures.length).toBeGreaterThan(0);
    for (const { path, keys } of captures) {
      const { scanned, framed } = await reportsBothWays(path, keys);
      expect(scanned, path).toBe(framed);
    }
  });
});
