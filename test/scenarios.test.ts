// The crafted desync scenarios in captures/scenarios: each expectation file
// lists, by construction, the frames a correct analyzer flags and the desync
// it reports. The IKE messages are encrypted, so these also exercise the key
// table reader and IKEv2 decryption end to end.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../src/analyze/pipeline.js';
import { loadKeys } from '../src/keys/index.js';
import { buildReport } from '../src/report/json.js';
import { FLAGGING_KINDS } from '../src/sa/findings.js';

const dir = join(import.meta.dirname, '..', 'captures', 'scenarios');
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.pcap'))
  .map((f) => f.slice(0, -'.pcap'.length));

interface Expectation {
  flaggedFrames: number[];
  kinds: string[];
  desyncs: { src: string; dst: string; spi: string; classification: string; recovery: string; signature: string | null }[];
}

async function analyse(name: string, withKeys: boolean) {
  const keyDir = join(dir, `${name}.keys`);
  const keys = withKeys && existsSync(keyDir) ? await loadKeys([keyDir]) : null;
  const result = await analyzeFiles([join(dir, `${name}.pcap`)], { keys });
  return buildReport(result, 'en');
}

describe('crafted scenarios', () => {
  it('scenarios exist', () => {
    expect(names.length).toBeGreaterThanOrEqual(10);
  });

  for (const name of names) {
    it(`scenario ${name} matches its expectation`, async () => {
      const expected = JSON.parse(readFileSync(join(dir, `${name}.expect.json`), 'utf8')) as Expectation;
      const report = await analyse(name, true);
      const flagged = report.findings.filter((f) => FLAGGING_KINDS.has(f.kind)).flatMap((f) => f.frames.map(([, frame]) => frame));
      expect(flagged.sort((a, b) => a - b)).toEqual(expected.flaggedFrames);
      const desyncs = report.findings
        .filter((f) => f.kind === 'desync')
        .map((f) => ({ src: f.src, dst: f.dst, spi: f.spi, classification: f.classification, recovery: f.recovery?.kind, signature: f.signature }));
      expect(desyncs).toEqual(expected.desyncs);
      const kinds = new Set(report.findings.map((f) => f.kind));
      for (const kind of expected.kinds) expect(kinds.has(kind as never), kind).toBe(true);
      expect(report.summary.ikeUndecryptable).toBe(0);
    });
  }

  it('black hole is found without keys', async () => {
    const report = await analyse('black-hole-dpd', false);
    const lost = report.findings.filter((f) => f.kind === 'spi-lost');
    expect(lost.map((f) => [f.src, f.dst, f.spi, f.certainty])).toEqual([['192.0.2.1', '192.0.2.2', '0xc2000001', 'inferred']]);
    const desync = report.findings.find((f) => f.kind === 'desync');
    expect(desync?.recovery?.kind).toBe('dpd-restart');
    expect(desync?.keyHint).toMatch(/ikev2_decryption_table/);
  });

  it('rejected notify is an error finding', async () => {
    const report = await analyse('invalid-spi-rejected', true);
    const rejected = report.findings.find((f) => f.kind === 'invalid-spi-notify-rejected');
    expect(rejected?.signature).toBe('CSCvd40554');
    const notify = report.findings.find((f) => f.kind === 'invalid-spi-notify');
    expect(notify?.details.encoding).toBe('notification-data');
  });
});
