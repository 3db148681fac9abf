// Derives each recorded run in captures/lab/ again from its logs, events and
// capture, and compares the result with the committed files: a change to the
// lab's log reader or labelling shows up here before anyone records again.
// Needs tshark only, not root.

import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveRun } from '../../lab/derive.js';
import { listRunFolders, repoRoot } from '../helpers/ground-truth.js';

const runs = listRunFolders(join(repoRoot, 'captures', 'lab'));
const hasTshark = existsSync('/usr/bin/tshark');

/** Files derive.ts writes that must come out byte for byte the same. */
const DERIVED_FILES = ['esp-packets.csv', 'keys/esp_sa', 'keys/ikev1_decryption_table', 'keys/ikev2_decryption_table'];

describe.skipIf(!hasTshark)(`lab derivation${hasTshark ? '' : ' (skipped: /usr/bin/tshark is missing)'}`, () => {
  for (const dir of runs) {
    const name = dir.split('/').pop() ?? dir;
    describe(name, () => {
      let copy = '';

      beforeAll(async () => {
        copy = mkdtempSync(join(tmpdir(), `spitrace-lab-derive-${name}-`));
        cpSync(dir, copy, { recursive: true });
        for (const file of [...DERIVED_FILES, 'truth.json', 'verify.json']) rmSync(join(copy, file), { force: true });
        await deriveRun(copy);
      });

      afterAll(() => {
        if (copy) rmSync(copy, { recursive: true, force: true });
      });

      for (const file of DERIVED_FILES) {
        it(`derives ${file} again`, () => {
          expect(readFileSync(join(copy, file), 'utf8')).toBe(readFileSync(join(dir, file), 'utf8'));
        });
      }

      it('derives the same outages again', () => {
        const outages = (folder: string) => (JSON.parse(readFileSync(join(folder, 'truth.json'), 'utf8')) as { desyncs: unknown[] }).desyncs;
        expect(outages(copy)).toEqual(outages(dir));
      });

      it('passes the tshark check again', () => {
        const verification = JSON.parse(readFileSync(join(copy, 'verify.json'), 'utf8')) as { pass: boolean; summary: string };
        expect(verification.pass, verification.summary).toBe(true);
      });
    });
  }
});
