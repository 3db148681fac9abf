// Reruns every lab scenario with two real strongSwan peers (fresh SPIs and
// keys each time) and checks spitrace's verdicts against the ground truth
// derived from that run's charon logs. Needs root and the lab's Debian
// packages. Without them the suite is skipped, and its name gives the reason.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveRun } from '../../lab/derive.js';
import { recordScenario } from '../../lab/record.js';
import { checkRequirements } from '../../lab/requirements.js';
import { SCENARIOS } from '../../lab/scenarios.js';
import { PCAPNG_WITH_KEY_TABLES, WITH_KEY_TABLES, defineRunChecks, readRunFolder, type RunFolder } from '../helpers/ground-truth.js';

const requirements = checkRequirements();
const skipReason = requirements.ok ? '' : ` (skipped: ${requirements.message.replace(/\n/g, ' ')})`;
const keepOutput = process.env.SPITRACE_LAB_KEEP === '1';

describe.skipIf(!requirements.ok)(`strongSwan lab${skipReason}`, () => {
  for (const scenario of SCENARIOS) {
    describe(scenario.name, () => {
      let outDir = '';
      let run: RunFolder | undefined;

      beforeAll(async () => {
        outDir = mkdtempSync(join(tmpdir(), `spitrace-lab-test-${scenario.name}-`));
        await recordScenario(scenario, { outDir });
        await deriveRun(outDir);
        run = readRunFolder(outDir);
      });

      afterAll(() => {
        if (outDir && !keepOutput) rmSync(outDir, { recursive: true, force: true });
      });

      const recorded = (): RunFolder => {
        if (!run) throw new Error(`the lab did not record ${scenario.name}`);
        return run;
      };

      it('decrypts every IKE message and ESP packet in tshark with the extracted keys', () => {
        const verification = JSON.parse(readFileSync(join(recorded().dir, 'verify.json'), 'utf8')) as { pass: boolean; summary: string };
        expect(verification.pass, verification.summary).toBe(true);
      });

      it('agrees with the receivers\' own lines for every packet', () => {
        const truth = JSON.parse(readFileSync(join(recorded().dir, 'truth.json'), 'utf8')) as {
          esp_label_crosscheck: Record<string, { agree: boolean }>;
        };
        expect(Object.values(truth.esp_label_crosscheck).map((check) => check.agree)).toEqual([true, true]);
      });

      // A rekey can race the ESP that follows it (an IKEv1 Quick Mode
      // initiator sends on the new SA before the responder has installed it),
      // so a scenario without a staged loss may still show a transient outage.
      it(scenario.expectsDesync ? 'loses packets for seconds on a stale SPI' : 'loses no packet for seconds', () => {
        expect(recorded().expectedDesyncs.some((outage) => outage.persistent)).toBe(scenario.expectsDesync);
      });

      describe('capture.pcap with key tables', () => defineRunChecks(recorded, WITH_KEY_TABLES));
      describe('capture.pcapng with key tables', () => defineRunChecks(recorded, PCAPNG_WITH_KEY_TABLES));
    });
  }
});
