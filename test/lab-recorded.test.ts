// spitrace against the recorded lab runs in captures/lab/: two strongSwan
// peers whose logs show, for every ESP packet, whether its receiver had the
// SA. Each run is analysed with its key tables (pcap and pcapng) and with the
// charon logs as the only keys.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PCAPNG_WITH_KEY_TABLES,
  WITH_CHARON_LOGS,
  WITH_KEY_TABLES,
  defineRunChecks,
  listRunFolders,
  readRunFolder,
  repoRoot,
} from './helpers/ground-truth.js';

const runs = listRunFolders(join(repoRoot, 'captures', 'lab'));

describe('recorded lab runs', () => {
  it('captures/lab holds recorded runs', () => {
    expect(runs.length).toBeGreaterThan(0);
  });
});

for (const dir of runs) {
  const run = readRunFolder(dir);
  describe(`lab run ${run.name}`, () => {
    describe('capture.pcap with key tables', () => defineRunChecks(() => run, WITH_KEY_TABLES));
    describe.skipIf(!run.pcapng)('capture.pcapng with key tables', () => defineRunChecks(() => run, PCAPNG_WITH_KEY_TABLES));
    describe('capture.pcap with charon logs as keys', () => defineRunChecks(() => run, WITH_CHARON_LOGS));
  });
}
