// Reads a lab run folder (captures/lab/*, a fresh lab run, or a folder of
// two-peer strongSwan captures made the same way elsewhere): the per-frame
// labels of esp-packets.csv, the frames a correct analyzer flags, the
// outages it should report, and truth.json. Also runs the product on a run
// and pulls out the verdicts the tests compare.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { expectedDesyncs, type ExpectedDesync } from '../../lab/truth/desync.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const spitraceBin = join(repoRoot, 'bin', 'spitrace.js');

/** Finding kinds whose `frames[]` flag packets, as the JSON report contract defines them. */
export const FLAGGING_KINDS = new Set(['spi-not-installed', 'spi-after-delete', 'spi-lost', 'spi-before-install']);

/** One row of esp-packets.csv. */
export interface LabelledFrame {
  frame: number;
  time: number;
  src: string;
  dst: string;
  spi: string;
  seq: number;
  sender: string;
  receiver: string;
  label: string;
  receiverChild: string;
  nearBoundary: boolean;
  removedHow: string;
}

interface ChildSaJson {
  spi_in: string;
  spi_out: string;
  end_reason: string;
}

/** The parts of truth.json the tests read; both lab generations write them. */
export interface TruthJson {
  scenario: string;
  hosts: Record<string, { outer: string; inner: string }>;
  sides: Record<string, { child_sas: ChildSaJson[] }>;
  esp_packet_labels: Record<string, number>;
}

export interface RunFolder {
  dir: string;
  name: string;
  capture: string;
  /** capture.pcapng when the run has one. */
  pcapng: string | undefined;
  keysDir: string;
  logsDir: string;
  frames: LabelledFrame[];
  truth: TruthJson;
  /** Frames whose receiver did not accept them: every one a correct analyzer flags, sorted. */
  expectedFlagged: number[];
  /** One entry per (source, destination, SPI) with flagged frames. */
  expectedDesyncs: ExpectedDesync[];
}

/** Splits one CSV line; fields may be double-quoted with "" for a quote. */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      fields.push(field);
      field = '';
    } else {
      field += char;
    }
  }
  fields.push(field);
  return fields;
}

const CSV_COLUMNS = ['frame', 'time_epoch', 'src', 'dst', 'spi', 'seq', 'sender', 'receiver', 'label', 'receiver_child', 'near_boundary', 'removed_how'];

export function parseEspPacketsCsv(text: string): LabelledFrame[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim().length > 0);
  const header = splitCsvLine(lines[0] ?? '');
  const column = (name: string) => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`esp-packets.csv has no column ${name} (columns: ${header.join(', ')})`);
    return index;
  };
  const at = Object.fromEntries(CSV_COLUMNS.map((name) => [name, column(name)])) as Record<string, number>;
  return lines.slice(1).map((line) => {
    const fields = splitCsvLine(line);
    const get = (name: string) => fields[at[name] ?? -1] ?? '';
    return {
      frame: Number(get('frame')),
      time: Number(get('time_epoch')),
      src: get('src'),
      dst: get('dst'),
      spi: get('spi').toLowerCase().replace(/^0x/, '').padStart(8, '0'),
      seq: Number(get('seq')),
      sender: get('sender'),
      receiver: get('receiver'),
      label: get('label'),
      receiverChild: get('receiver_child'),
      nearBoundary: get('near_boundary') === '1',
      removedHow: get('removed_how'),
    };
  });
}

export function readRunFolder(dir: string): RunFolder {
  const frames = parseEspPacketsCsv(readFileSync(join(dir, 'esp-packets.csv'), 'utf8'));
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as TruthJson;
  const pcapng = join(dir, 'capture.pcapng');
  const expectedFlagged = frames.filter((row) => row.label !== 'receiver_has_sa').map((row) => row.frame).sort((x, y) => x - y);
  return {
    dir,
    name: dir.split('/').pop() ?? dir,
    capture: join(dir, 'capture.pcap'),
    pcapng: existsSync(pcapng) ? pcapng : undefined,
    keysDir: join(dir, 'keys'),
    logsDir: join(dir, 'logs'),
    frames,
    truth,
    expectedFlagged,
    expectedDesyncs: expectedDesyncs(frames, (sender) => truth.sides[sender]?.child_sas ?? []),
  };
}

/** Subfolders of `parent` that hold a lab run (an esp-packets.csv), sorted by name. */
export function listRunFolders(parent: string): string[] {
  if (!existsSync(parent)) return [];
  return readdirSync(parent)
    .map((entry) => join(parent, entry))
    .filter((path) => statSync(path).isDirectory() && existsSync(join(path, 'esp-packets.csv')))
    .sort();
}

// ------------------------------------------------------------------ the product

/** The fields of the JSON report (schema spitrace.report/1) that the lab tests compare. */
export interface ReportFinding {
  id?: string;
  kind: string;
  spi?: string;
  src?: string;
  dst?: string;
  frames?: [number, number][];
  classification?: 'transient' | 'persistent' | null;
  recovery?: { kind: string } | null;
  certainty?: 'certain' | 'inferred';
}

export interface Report {
  schema?: string;
  findings: ReportFinding[];
}

export interface AnalyzeRun {
  report: Report;
  exitCode: number | null;
  stderr: string;
}

export class AnalyzeError extends Error {}

/**
 * Runs `node bin/spitrace.js analyze --json [--keys K]... CAPTURE` and parses
 * the report. Exit status 0 and 1 are results, 1 meaning error findings. Any
 * other status, or output that is not a report, throws with the tail of stderr.
 */
export function runSpitrace(capture: string, keys: readonly string[] = []): AnalyzeRun {
  if (!existsSync(spitraceBin)) throw new AnalyzeError(`${spitraceBin} is missing`);
  const args = [spitraceBin, 'analyze', '--json', ...keys.flatMap((key) => ['--keys', key]), capture];
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 300_000 });
  const stderr = result.stderr ?? '';
  const command = `spitrace analyze --json ${keys.map((key) => `--keys ${key}`).join(' ')} ${capture}`;
  if (result.error) throw new AnalyzeError(`${command}: ${result.error.message}`);
  if (result.status !== 0 && result.status !== 1) {
    throw new AnalyzeError(`${command} exited with status ${result.status ?? result.signal}: ${stderr.trim().split('\n').slice(-5).join('\n')}`);
  }
  let report: Report;
  try {
    report = JSON.parse(result.stdout) as Report;
  } catch (error) {
    throw new AnalyzeError(`${command} printed no JSON report (${(error as Error).message}); stderr: ${stderr.trim().slice(-500)}`);
  }
  if (!Array.isArray(report.findings)) throw new AnalyzeError(`${command}: the report has no findings[] array`);
  return { report, exitCode: result.status, stderr };
}

/** Frames of input `input` listed by findings of a flagging kind, sorted and unique. */
export function flaggedFrames(report: Report, input = 0): number[] {
  const frames = new Set<number>();
  for (const finding of report.findings) {
    if (!FLAGGING_KINDS.has(finding.kind)) continue;
    for (const [findingInput, frame] of finding.frames ?? []) {
      if (findingInput === input) frames.add(frame);
    }
  }
  return [...frames].sort((x, y) => x - y);
}

export function desyncFindings(report: Report): ReportFinding[] {
  return report.findings.filter((finding) => finding.kind === 'desync');
}

/** "0x" and 8 lowercase hex digits, as the report writes SPIs. */
export function reportSpi(spi: string): string {
  return `0x${spi.toLowerCase().replace(/^0x/, '').padStart(8, '0')}`;
}

/** Returns the address part of "ip", "ip:port" or "[ipv6]:port". */
export function hostOf(address: string | undefined): string {
  if (!address) return '';
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed?.[1]) return bracketed[1];
  return /^[^:]+:\d+$/.test(address) ? (address.split(':')[0] ?? '') : address;
}

/** Sorted members of `left` that are not in `right`. */
export function missingFrom(left: readonly number[], right: readonly number[]): number[] {
  const present = new Set(right);
  return left.filter((value) => !present.has(value));
}

/** Finds the desync finding on the same SPI and direction as `expected`. */
export function findDesync(report: Report, expected: ExpectedDesync): ReportFinding | undefined {
  return desyncFindings(report).find(
    (finding) => finding.spi === reportSpi(expected.spi) && hostOf(finding.src) === expected.src && hostOf(finding.dst) === expected.dst,
  );
}

// ------------------------------------------------------------------ checks for every run

/** How one run is handed to the product: which capture file, which keys. */
export interface AnalyzeVariant {
  label: string;
  capture: (run: RunFolder) => string | undefined;
  keys: (run: RunFolder) => string[];
}

export const WITH_KEY_TABLES: AnalyzeVariant = { label: 'key tables', capture: (run) => run.capture, keys: (run) => [run.keysDir] };
export const PCAPNG_WITH_KEY_TABLES: AnalyzeVariant = { label: 'pcapng, key tables', capture: (run) => run.pcapng, keys: (run) => [run.keysDir] };
export const WITH_CHARON_LOGS: AnalyzeVariant = { label: 'charon logs as keys', capture: (run) => run.capture, keys: (run) => [run.logsDir] };
export const WITHOUT_KEYS: AnalyzeVariant = { label: 'no keys', capture: (run) => run.capture, keys: () => [] };

/**
 * Defines the checks every run must pass. The flagged frames are exactly the
 * frames whose receiver did not accept them. A run without such frames has no
 * desync finding. Each outage has one desync on its SPI and direction, which
 * is persistent when the outage lasted past the transient window and names a
 * recovery kind that matches how the sender's CHILD_SA ended in its log.
 * `getRun` is called when the tests run, so a beforeAll may record the run.
 */
export function defineRunChecks(getRun: () => RunFolder, variant: AnalyzeVariant): void {
  let analysis: AnalyzeRun | undefined;
  let run: RunFolder;
  const report = (): Report => {
    if (!analysis) throw new AnalyzeError('no report: the analysis did not run');
    return analysis.report;
  };

  beforeAll(() => {
    run = getRun();
    const capture = variant.capture(run);
    if (!capture) throw new AnalyzeError(`${run.name} has no capture for variant "${variant.label}"`);
    analysis = runSpitrace(capture, variant.keys(run));
  });

  it('flags every frame its receiver dropped', () => {
    expect(missingFrom(run.expectedFlagged, flaggedFrames(report()))).toEqual([]);
  });

  it('flags no frame its receiver accepted', () => {
    expect(missingFrom(flaggedFrames(report()), run.expectedFlagged)).toEqual([]);
  });

  it('reports one desync per outage', () => {
    expect(desyncFindings(report()).map((finding) => `${finding.spi} ${finding.src} -> ${finding.dst}`)).toHaveLength(run.expectedDesyncs.length);
  });

  it('puts each desync on the lost SPI and direction', () => {
    for (const expected of run.expectedDesyncs) {
      expect(findDesync(report(), expected), `desync on ${reportSpi(expected.spi)} ${expected.src} -> ${expected.dst}`).toBeDefined();
    }
  });

  it('classifies each outage by its length', () => {
    for (const expected of run.expectedDesyncs) {
      const classification = findDesync(report(), expected)?.classification;
      expect(classification, `classification of the outage on ${reportSpi(expected.spi)} (${expected.durationSeconds} s)`).toBe(
        expected.persistent ? 'persistent' : 'transient',
      );
    }
  });

  it('names the recovery the logs show', () => {
    for (const expected of run.expectedDesyncs) {
      if (expected.recovery === null) continue;
      const kind = findDesync(report(), expected)?.recovery?.kind ?? 'no recovery';
      expect(expected.recovery, `recovery of the outage on ${reportSpi(expected.spi)} (sender's CHILD_SA: ${expected.senderEndReason})`).toContain(kind);
    }
  });
}
