// Turns a recorded run folder into its key tables and ground truth: reads the
// charon logs and events.jsonl, writes keys/, truth.json, esp-packets.csv,
// verify.json, meta.json and capture.pcapng, and compresses the logs. Running
// it again on the same folder gives the same result.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { LAB_PSK } from './charon.js';
import type { Side } from './network.js';
import { runCommand } from './process.js';
import { findScenario } from './scenarios.js';
import { parseCharonLog } from './truth/charon-log.js';
import { expectedDesyncs } from './truth/desync.js';
import { buildKeyTables } from './truth/keys.js';
import { LABEL_MEANING, labelEspPackets, toCsv, type EspLabel } from './truth/label.js';
import { buildSideTruth, type RunFacts, type SideTruth } from './truth/side.js';
import { readWireEsp } from './truth/tshark.js';
import { verifyCaptures, type IkeCheck } from './truth/verify.js';

interface LabEvent {
  ev: string;
  t: number;
  side?: Side;
  pid?: number;
  [field: string]: unknown;
}

function readEvents(dir: string): LabEvent[] {
  return readFileSync(join(dir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as LabEvent);
}

/** charon runs per side as the lab started them: PID, and when it was killed or stopped. */
function runFacts(events: LabEvent[], side: Side): RunFacts[] {
  const runs: RunFacts[] = [];
  for (const event of events) {
    if (event.side !== side) continue;
    if (event.ev === 'charon_started') runs.push({ pid: event.pid ?? null, killedAt: null, stoppedAt: null });
    const current = runs[runs.length - 1];
    if (!current) continue;
    if (event.ev === 'charon_killed') current.killedAt = event.t;
    if (event.ev === 'charon_stopped') current.stoppedAt = event.t;
  }
  return runs;
}

function readLog(dir: string, side: Side): string {
  const plain = join(dir, 'logs', `charon-${side}.log`);
  if (existsSync(plain)) return readFileSync(plain, 'utf8');
  return gunzipSync(readFileSync(`${plain}.gz`)).toString('utf8');
}

const TIME_KEYS = new Set([
  't', 'start', 'end', 'created', 'established', 'deleted', 'keys_logged', 'inbound_installed', 'outbound_installed',
  'inbound_removed', 'outbound_removed', 'closing', 'first', 'last',
]);

/** Adds an ISO 8601 twin (`x_time`, or `time` for `t`) beside every epoch time field. */
function withIsoTimes(value: unknown): unknown {
  if (Array.isArray(value)) {
    // State lists are [time, state] pairs.
    if (value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'string' && value[0] > 1e9) {
      return [value[0], iso(value[0]), value[1]];
    }
    return value.map(withIsoTimes);
  }
  if (value === null || typeof value !== 'object') return value;
  const result: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    result[key] = withIsoTimes(field);
    if (TIME_KEYS.has(key) && typeof field === 'number' && field > 1e9) {
      result[key === 't' ? 'time' : `${key}_time`] = iso(field);
    }
  }
  return result;
}

function iso(epochSeconds: number): string {
  return new Date(Math.round(epochSeconds * 1000)).toISOString();
}

function espReceiptSummary(side: SideTruth) {
  const bySpi: Record<string, { count: number; first: number; last: number; first_seq: number; last_seq: number; no_sa: number }> = {};
  for (const receipt of side.esp_receipts) {
    const entry = (bySpi[receipt.spi] ??= { count: 0, first: receipt.t, last: receipt.t, first_seq: receipt.seq, last_seq: receipt.seq, no_sa: 0 });
    entry.count += 1;
    entry.last = receipt.t;
    entry.last_seq = receipt.seq;
    if (receipt.result === 'no_sa') entry.no_sa += 1;
  }
  return bySpi;
}

/**
 * Copies a CHILD_SA's proposal from the peer's CHILD_SA with the same SPI
 * pair when the log did not tie one to it. An IKEv1 Quick Mode responder logs
 * "selected proposal" while it handles the first message, but installs the
 * SAs on another thread when the third message arrives.
 */
function fillProposalsFromPeer(sides: Record<Side, SideTruth>): void {
  for (const side of ['a', 'b'] as const) {
    const peer = sides[side === 'a' ? 'b' : 'a'];
    for (const child of sides[side].child_sas) {
      if (child.proposal) continue;
      const twin = peer.child_sas.find((candidate) => candidate.spi_in === child.spi_out && candidate.spi_out === child.spi_in);
      if (twin?.proposal) child.proposal = twin.proposal;
    }
  }
}

const NEVER_ON_WIRE = '; its DELETE never reached the wire';

/**
 * Finds the IKE messages a side logged as sent that are missing from the
 * capture, because the lab's drop filter discarded them. Every SA whose
 * DELETE was among them gets that fact added to its end reason: the side
 * deleted the SA, but its peer never received the DELETE.
 */
function markDeletesNotOnWire(sides: Record<Side, SideTruth>, detail: readonly IkeCheck[]) {
  const missing: { side: Side; t: number; exchange: string; mid: number; payloads: string; ike_uid: number | null }[] = [];
  for (const side of ['a', 'b'] as const) {
    const truth = sides[side];
    const seen = new Set(detail.filter((check) => check.sent_by === side && check.charon_message !== null).map((check) => check.charon_message));
    const firstSeen = Math.min(...detail.filter((check) => check.sent_by === side).map((check) => check.time));
    truth.ike_messages.forEach((message, index) => {
      if (message.dir !== 'out' || seen.has(index) || message.t < firstSeen - 0.05) return;
      missing.push({ side, t: message.t, exchange: message.exchange, mid: message.mid, payloads: message.payloads, ike_uid: message.ike_uid });
    });
  }

  const deletes = missing.filter((message) => /(^| )D( |$)/.test(message.payloads));
  for (const side of ['a', 'b'] as const) {
    const lost = deletes.filter((message) => message.side === side);
    for (const child of sides[side].child_sas) {
      if (!/sent by this side/.test(child.end_reason) || child.closing === null) continue;
      const closing = child.closing;
      if (lost.some((message) => message.t >= closing - 0.01 && message.t <= closing + 1)) {
        child.end_reason += NEVER_ON_WIRE;
        if (child.inbound_removed_by) child.inbound_removed_by = child.end_reason;
        if (child.outbound_removed_by) child.outbound_removed_by = child.end_reason;
      }
    }
    for (const sa of sides[side].ike_sas) {
      if (!/sent by this side|with force/.test(sa.end_reason) || sa.deleted === null) continue;
      const deleted = sa.deleted;
      const own = lost.filter((message) => message.ike_uid === sa.uid && message.t <= deleted + 0.01 && message.t >= deleted - 30);
      if (own.length === 0) continue;
      sa.end_reason += NEVER_ON_WIRE;
      for (const child of sides[side].child_sas) {
        if (child.run !== sa.run || child.end_reason !== 'destroyed with its IKE_SA' || child.ike_uids[child.ike_uids.length - 1] !== sa.uid) continue;
        child.end_reason = 'destroyed with its IKE_SA, whose DELETE never reached the wire';
        if (child.inbound_removed_by) child.inbound_removed_by = child.end_reason;
        if (child.outbound_removed_by) child.outbound_removed_by = child.end_reason;
      }
    }
  }
  return missing;
}

export async function deriveRun(dir: string): Promise<string> {
  const events = readEvents(dir);
  const scenarioName = String(events.find((event) => event.ev === 'scenario_started')?.scenario ?? '');
  const scenario = findScenario(scenarioName);
  if (!scenario) throw new Error(`${dir}: events.jsonl names no known scenario (${scenarioName || 'none'})`);
  const captureEvent = events.find((event) => event.ev === 'capture_started');
  const netnsOf = (side: Side) => String(captureEvent?.netns ?? '').replace(/-a$/, `-${side}`);
  const family = scenario.family;
  const addresses: Record<Side, string> = family === 6 ? { a: '2001:db8::1', b: '2001:db8::2' } : { a: '192.0.2.1', b: '192.0.2.2' };
  const inner: Record<Side, string> = { a: '198.51.100.1', b: '203.0.113.1' };

  const sides = {} as Record<Side, SideTruth>;
  const problems: string[] = [];
  for (const side of ['a', 'b'] as const) {
    const { entries, unparsed } = parseCharonLog(readLog(dir, side));
    if (unparsed > 0) problems.push(`side ${side}: ${unparsed} log lines in an unknown format`);
    sides[side] = buildSideTruth(entries, runFacts(events, side));
    problems.push(...sides[side].problems.map((problem) => `side ${side}: ${problem}`));
  }

  fillProposalsFromPeer(sides);
  const tables = buildKeyTables(sides, addresses, family);
  problems.push(...tables.problems);
  mkdirSync(join(dir, 'keys'), { recursive: true });
  writeFileSync(join(dir, 'keys', 'esp_sa'), tables.esp);
  writeFileSync(join(dir, 'keys', 'ikev2_decryption_table'), tables.ikev2);
  writeFileSync(join(dir, 'keys', 'ikev1_decryption_table'), tables.ikev1);

  const capturePath = join(dir, 'capture.pcap');
  const pcapngPath = join(dir, 'capture.pcapng');
  if (!existsSync(pcapngPath)) {
    await runCommand('/usr/bin/editcap', [
      '-F', 'pcapng', '--capture-comment', `spitrace lab scenario ${scenario.name}, recorded on ${iso(events[0]?.t ?? 0)}`,
      capturePath, pcapngPath,
    ]);
  }

  const wire = await readWireEsp(capturePath);
  const keyFiles = ['esp_sa', 'ikev1_decryption_table', 'ikev2_decryption_table'].map((file) => join(dir, 'keys', file));
  const verification = await verifyCaptures(
    scenario.name,
    [{ file: 'capture.pcap', path: capturePath }, { file: 'capture.pcapng', path: pcapngPath }],
    keyFiles,
    sides,
    addresses,
    new Set(wire.packets.map((packet) => packet.frame)),
  );
  writeFileSync(join(dir, 'verify.json'), `${JSON.stringify(verification, null, 1)}\n`);

  const notOnWire = markDeletesNotOnWire(sides, verification.captures[0]?.ike.detail ?? []);

  const { labelled, crossCheck, problems: labelProblems } = labelEspPackets(wire.packets, sides, addresses);
  problems.push(...labelProblems);
  writeFileSync(join(dir, 'esp-packets.csv'), toCsv(labelled));

  const labelCounts: Partial<Record<EspLabel, number>> = {};
  for (const packet of labelled) labelCounts[packet.label] = (labelCounts[packet.label] ?? 0) + 1;
  const desyncs = expectedDesyncs(labelled, (sender) => sides[sender as Side]?.child_sas ?? []);

  const hosts = Object.fromEntries(
    (['a', 'b'] as const).map((side) => [side, { netns: netnsOf(side), outer: addresses[side], inner: inner[side], id: `${side}.lab.test` }]),
  );
  const ikeSas = new Map<string, { spi_i: string; spi_r: string; version: number; proposal: string | null; established: number | null; seen_by: Side[] }>();
  for (const side of ['a', 'b'] as const) {
    for (const sa of sides[side].ike_sas) {
      if (!sa.spi_i) continue;
      const key = `${sa.spi_i}_${sa.spi_r}`;
      const entry = ikeSas.get(key) ?? { spi_i: sa.spi_i, spi_r: sa.spi_r, version: sa.version, proposal: sa.proposal, established: sa.established, seen_by: [] };
      entry.seen_by.push(side);
      entry.proposal ??= sa.proposal;
      if (sa.established !== null && (entry.established === null || sa.established < entry.established)) entry.established = sa.established;
      ikeSas.set(key, entry);
    }
  }

  const truth = {
    scenario: scenario.name,
    description: scenario.description,
    notes: [
      "All times are UNIX epoch seconds from the host clock shared by the capture, the charon logs (millisecond resolution, truncated) and the lab's events.jsonl; *_time fields are the same instants in ISO 8601 UTC.",
      "A CHILD_SA's inbound_installed and inbound_removed are the libipsec SAD add and delete of the side's inbound SPI (the datapath truth): the side accepts ESP on spi_in only in that interval. After a SIGKILL the SAs vanish at the kill time.",
      "IKE_SA and CHILD_SA uids restart at 1 with every charon run ('run' index).",
      "exchange_initiator tells whether this side initiated the exchange (IKE_AUTH, CREATE_CHILD_SA or Quick Mode) that created the CHILD_SA; it decides whether the initiator keys protect its outbound or its inbound SPI.",
      'esp_receipts in the logs are summarised per SPI in esp_rx_by_spi; esp_rx_no_sa lists every packet charon logged as not belonging to an installed SA.',
      'desyncs groups the packets not labelled receiver_has_sa by (source, destination, SPI); recovery lists the recovery kinds consistent with how the sender\'s CHILD_SA ended.',
    ],
    hosts,
    lab_events: events,
    sides: Object.fromEntries(
      (['a', 'b'] as const).map((side) => {
        const { esp_receipts: receipts, problems: _problems, ...rest } = sides[side];
        return [side, {
          ...rest,
          esp_rx_no_sa: receipts.filter((receipt) => receipt.result === 'no_sa').map(({ t, spi, seq, run }) => ({ t, spi, seq, run })),
          esp_rx_rejected: receipts.filter((receipt) => receipt.result !== 'no_sa' && receipt.result !== 'accepted'),
          esp_rx_by_spi: espReceiptSummary(sides[side]),
        }];
      }),
    ),
    ike_sas: [...ikeSas.values()],
    esp_sas: tables.espSas.map(({ src, dst, spi, sender, receiver, encryption, authentication }) => ({ src, dst, spi, sender, receiver, encryption, authentication })),
    esp_packet_labels: labelCounts,
    esp_label_crosscheck: crossCheck,
    esp_packet_label_meaning: LABEL_MEANING,
    icmp_errors_quoting_esp: wire.icmpErrorsQuotingEsp,
    ike_messages_not_on_wire: notOnWire,
    desyncs,
    extraction_problems: problems,
  };
  writeFileSync(join(dir, 'truth.json'), `${JSON.stringify(withIsoTimes(truth), null, 1)}\n`);

  const meta = {
    scenario: scenario.name,
    description: scenario.description,
    ike_version: scenario.sides.a.version,
    expects_desync: scenario.expectsDesync,
    capture: { file: 'capture.pcap', pcapng: 'capture.pcapng', iface: 'veth-a', netns: hosts.a?.netns ?? '' },
    hosts,
    psk: LAB_PSK,
    ike_proposals: scenario.sides.a.proposals,
    esp_proposals: scenario.sides.a.child.espProposals,
    strongswan: await strongswanVersion(dir),
    recorded: iso(events[0]?.t ?? 0),
    command: `npm run lab -- ${scenario.name} --out ${displayPath(dir)}`,
  };
  writeFileSync(join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);

  for (const side of ['a', 'b'] as const) {
    const plain = join(dir, 'logs', `charon-${side}.log`);
    if (existsSync(plain)) {
      writeFileSync(`${plain}.gz`, gzipSync(readFileSync(plain), { level: 9 }));
      rmSync(plain);
    }
  }

  const flagged = labelled.filter((packet) => packet.label !== 'receiver_has_sa').length;
  const agree = crossCheck.a.agree && crossCheck.b.agree;
  return [
    `${scenario.name}: ${labelled.length} ESP packets, ${flagged} not accepted by their receiver` +
      (desyncs.length ? ` (${desyncs.map((d) => `${d.packets} on ${d.spi} ${d.sender}->${d.receiver}`).join(', ')})` : ''),
    `log cross-check ${agree ? 'agrees' : 'DISAGREES'}; tshark: ${verification.summary}; verification ${verification.pass ? 'passed' : 'FAILED'}`,
    problems.length ? `problems:\n  ${problems.join('\n  ')}` : 'no extraction problems',
    `output: ${dir}`,
  ].join('\n');
}

/** Returns `dir` relative to the repository when it lies inside it. */
function displayPath(dir: string): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const relativePath = relative(root, dir);
  return relativePath.startsWith('..') || isAbsolute(relativePath) ? dir : relativePath;
}

async function strongswanVersion(dir: string): Promise<string> {
  const log = readLog(dir, 'a');
  const match = /Starting IKE charon daemon \(strongSwan ([^,]+), ([^)]*)\)/.exec(log);
  const packageVersion = await runCommand('/usr/bin/dpkg-query', ['-W', '-f', '${Version}', 'strongswan-charon'], { allowFailure: true })
    .then((result) => result.stdout.trim())
    .catch(() => '');
  return `${match?.[1] ?? 'unknown'} (Debian package ${packageVersion || 'unknown'}), ${match?.[2] ?? ''}, kernel-libipsec (userspace ESP, UDP-encapsulated on 4500)`;
}
