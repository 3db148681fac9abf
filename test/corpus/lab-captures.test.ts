// spitrace against the corpus of two-peer strongSwan captures recorded outside
// this repository, read in place: each with its key tables, each with only the
// charon logs as keys, and the restart scenario with no keys at all.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FLAGGING_KINDS,
  WITHOUT_KEYS,
  WITH_CHARON_LOGS,
  WITH_KEY_TABLES,
  defineRunChecks,
  findDesync,
  flaggedFrames,
  hostOf,
  listRunFolders,
  readRunFolder,
  reportSpi,
  repoRoot,
  runSpitrace,
  type Report,
  type RunFolder,
} from '../helpers/ground-truth.js';

const labCaptures = resolve(repoRoot, '../shared/lab-captures');
const hasLabCaptures = existsSync(labCaptures);
const runs = listRunFolders(labCaptures);

describe.skipIf(!hasLabCaptures)('corpus lab captures', () => {
  it('hold the four recorded scenarios', () => {
    expect(runs.map((dir) => dir.split('/').pop())).toEqual([
      'ikev1-mainmode-quickmode',
      'ikev2-baseline',
      'ikev2-desync-restart',
      'ikev2-rekey',
    ]);
  });

  for (const dir of runs) {
    const run = readRunFolder(dir);
    describe(`${run.name} with key tables`, () => defineRunChecks(() => run, WITH_KEY_TABLES));
    describe(`${run.name} with charon logs as keys`, () => defineRunChecks(() => run, WITH_CHARON_LOGS));
  }

  for (const name of ['ikev2-baseline', 'ikev2-rekey', 'ikev1-mainmode-quickmode']) {
    it(`${name} has no lost packet in its ground truth`, () => {
      expect(readRunFolder(join(labCaptures, name)).expectedFlagged).toEqual([]);
    });
  }

  describe('ikev2-desync-restart with key tables', () => {
    let run: RunFolder;
    let report: Report;
    beforeAll(() => {
      run = readRunFolder(join(labCaptures, 'ikev2-desync-restart'));
      report = runSpitrace(run.capture, [run.keysDir]).report;
    });

    it('has 52 lost packets in its ground truth', () => {
      expect(run.expectedFlagged).toHaveLength(52);
    });

    it('flags 52 frames', () => {
      expect(flaggedFrames(report)).toHaveLength(52);
    });

    it('flags them as spi-lost, inferred', () => {
      const inferredLost = report.findings
        .filter((finding) => finding.kind === 'spi-lost' && finding.certainty === 'inferred')
        .flatMap((finding) => (finding.frames ?? []).filter(([input]) => input === 0).map(([, frame]) => frame))
        .sort((x, y) => x - y);
      expect(inferredLost).toEqual(run.expectedFlagged);
    });

    it('reports one persistent desync ended by dpd-restart', () => {
      const [expected] = run.expectedDesyncs;
      const desync = expected ? findDesync(report, expected) : undefined;
      expect({ classification: desync?.classification, recovery: desync?.recovery?.kind }).toEqual({
        classification: 'persistent',
        recovery: 'dpd-restart',
      });
    });
  });

  describe('ikev2-desync-restart without keys', () => {
    let run: RunFolder;
    let report: Report;
    beforeAll(() => {
      run = readRunFolder(join(labCaptures, 'ikev2-desync-restart'));
      report = runSpitrace(run.capture, WITHOUT_KEYS.keys(run)).report;
    });

    it('still reports an inferred finding on the lost SPI and direction', () => {
      const [expected] = run.expectedDesyncs;
      const onLostSpi = report.findings.filter(
        (finding) =>
          (FLAGGING_KINDS.has(finding.kind) || finding.kind === 'desync') &&
          finding.certainty === 'inferred' &&
          finding.spi === reportSpi(expected?.spi ?? '') &&
          hostOf(finding.src) === expected?.src &&
          hostOf(finding.dst) === expected?.dst,
      );
      expect(onLostSpi.map((finding) => finding.kind)).not.toEqual([]);
    });
  });
});
