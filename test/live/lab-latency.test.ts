// Latency of `spitrace live` against two real strongSwan peers: the lab in
// lab/ records a desync scenario, and `spitrace live --ndjson` captures on the
// same veth end as the lab's tcpdump. The first packet-level finding about
// the desync must be printed within two seconds (host clock) of the capture
// time of the first packet its receiver dropped, as the lab's ground truth
// (esp-packets.csv) labels it. Live findings must also equal those of
// `spitrace analyze` on the ring of files the live capture wrote (the live
// capture starts while the charons start, so it can miss the lab capture's
// first frames). Needs root and the lab's packages; the suite is skipped
// without them.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveRun } from '../../lab/derive.js';
import { DaemonRegistry } from '../../lab/process.js';
import { recordScenario } from '../../lab/record.js';
import { checkRequirements } from '../../lab/requirements.js';
import { findScenario } from '../../lab/scenarios.js';
import { findingKey, LiveProcess, liveFindings, spitraceBin } from './netns.js';
import { runCommand } from '../../lab/process.js';

const requirements = checkRequirements();
const skipReason = requirements.ok ? '' : ` (skipped: ${requirements.message.replace(/\n/g, ' ')})`;
const PACKET_LEVEL = new Set(['spi-lost', 'spi-not-installed', 'spi-after-delete', 'spi-before-install']);

/** Returns where the lab's tcpdump captures, from its events.jsonl. */
function captureSide(outDir: string): { netns: string; iface: string } | null {
  for (const line of readFileSync(join(outDir, 'events.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as { ev: string; netns?: string; iface?: string };
    if (event.ev === 'capture_started' && event.netns && event.iface) return { netns: event.netns, iface: event.iface };
  }
  return null;
}

/** Capture time (ms since the epoch) of the first ESP packet its receiver did not accept. */
function firstDroppedMs(outDir: string): number {
  const rows = readFileSync(join(outDir, 'esp-packets.csv'), 'utf8').trim().split('\n');
  const header = rows[0]!.split(',');
  const time = header.indexOf('time_epoch');
  const label = header.indexOf('label');
  for (const row of rows.slice(1)) {
    const cells = row.split(',');
    if (cells[label] !== 'receiver_has_sa') return Number(cells[time]) * 1000;
  }
  throw new Error(`no dropped packet in ${outDir}/esp-packets.csv`);
}

describe.skipIf(!requirements.ok)(`live capture against strongSwan peers${skipReason}`, () => {
  for (const name of ['ikev2-silent-loss', 'ikev2-responder-restart']) {
    describe(name, () => {
      const registry = new DaemonRegistry();
      let outDir = '';
      let live: LiveProcess | null = null;
      let stopping: Promise<number | null> | null = null;
      let startFailure: unknown = null;

      beforeAll(async () => {
        const scenario = findScenario(name);
        if (!scenario) throw new Error(`the lab has no scenario ${name}`);
        outDir = mkdtempSync(join(tmpdir(), `spitrace-live-lab-${name}-`));
        mkdirSync(join(outDir, 'ring'));
        let starting: Promise<void> | null = null;
        const stop = () => {
          stopping ??= (starting ?? Promise.resolve()).then(() => live?.stop('SIGINT') ?? null);
        };
        await recordScenario(scenario, {
          outDir,
          progress: (message) => {
            // The charons start once tcpdump listens, which events.jsonl records with its namespace.
            if (message.startsWith('starting charon') && starting === null) {
              const side = captureSide(outDir);
              if (!side) throw new Error('the lab wrote no capture_started event');
              starting = LiveProcess.start(registry, side.netns, ['-i', side.iface, '--ndjson', '--write', join(outDir, 'ring')]).then(
                (started) => {
                  live = started;
                },
                (error: unknown) => {
                  startFailure = error;
                },
              );
            }
            // Stop before the lab's teardown deletes the namespace under the capture.
            if (message.startsWith('deleting the IKE_SA') || message === 'tearing down') stop();
          },
        });
        stop();
        await stopping;
        await registry.stopAll();
        await deriveRun(outDir);
      });

      afterAll(async () => {
        await registry.stopAll();
        if (outDir) rmSync(outDir, { recursive: true, force: true });
      });

      it('prints the first packet-level finding within 2 s of the first dropped packet', () => {
        expect(startFailure).toBeNull();
        const first = live!.records.find((r) => r.record.record === 'finding' && PACKET_LEVEL.has(String(r.record.kind)));
        expect(first, 'no packet-level finding was printed').toBeDefined();
        const delayMs = first!.at - firstDroppedMs(outDir);
        // The measured delay, for docs/live.md.
        console.log(`${name}: first packet-level finding ${first!.record.kind} printed ${delayMs.toFixed(0)} ms after the first dropped packet`);
        expect(delayMs).toBeLessThan(2000);
      });

      it('gives the findings of the analysis of its ring files', async () => {
        const ringDir = join(outDir, 'ring');
        const files = readdirSync(ringDir).sort().map((f) => join(ringDir, f));
        const result = await runCommand(process.execPath, [spitraceBin, 'analyze', '--json', ...files], { allowFailure: true, timeoutMs: 120_000 });
        const report = JSON.parse(result.stdout) as { findings: Parameters<typeof findingKey>[0][] };
        expect(liveFindings(live!.records)).toEqual(report.findings.map(findingKey).sort());
      });
    });
  }
});
