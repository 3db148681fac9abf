// The JSON report contract ("spitrace.report/1"): the shape users and tests
// rely on. Fields may be added, never renamed or removed.

import type { AnalysisResult, IkeDatagramRow, IkeSaSummary } from '../analyze/result.js';
import { exchangeName } from '../ike/registry.js';
import type { IkeMessageSummary } from '../ike/summary.js';
import type { ChildSa } from '../sa/child-sa.js';
import { FLAGGING_KINDS, type Finding } from '../sa/findings.js';
import type { Anomaly, FrameRef } from '../types.js';
import { formatEndpoint, formatSpi, formatTime } from '../util/format.js';
import { findingMessage } from './catalog.js';
import type { Lang } from './i18n.js';

export const SCHEMA = 'spitrace.report/1';

export interface RefJson {
  input: number;
  frame: number;
  time: string;
}

export function refJson(ref: FrameRef | null): RefJson | null {
  return ref ? { input: ref.input, frame: ref.frame, time: formatTime(ref.time) } : null;
}

function ikeSpi(hex: string): string {
  return '0x' + hex.toLowerCase().padStart(16, '0');
}

export function inputJson(info: AnalysisResult['inputs'][number]) {
  return {
    path: info.path,
    format: info.format,
    compressed: info.compressed,
    frames: info.frames,
    linkTypes: info.linkTypes,
    first: info.first ? formatTime(info.first) : null,
    last: info.last ? formatTime(info.last) : null,
  };
}

export function ikeSaJson(s: IkeSaSummary) {
  return {
    version: s.version,
    initiatorSpi: ikeSpi(s.initiatorSpi),
    responderSpi: ikeSpi(s.responderSpi),
    initiator: s.initiator,
    responder: s.responder,
    established: refJson(s.established),
    deleted: refJson(s.deleted),
    decrypted: s.decrypted,
    messages: s.messages,
    encryptedMessages: s.encryptedMessages,
    decryptedMessages: s.decryptedMessages,
    unanswered: s.unanswered,
    retransmissions: s.retransmissions,
    rekeyOf: s.rekeyOf,
    keyHint: s.keyHint,
  };
}

export function childSaJson(sa: ChildSa) {
  return {
    spi: formatSpi(sa.spi),
    protocol: sa.protocol,
    src: sa.sender,
    dst: sa.receiver,
    receiver: sa.receiver,
    origin: sa.origin,
    state: sa.state,
    negotiated: sa.negotiated ? { ...refJson(sa.negotiated.at)!, exchange: sa.negotiated.exchange } : null,
    deleted: sa.deleted ? { ...refJson(sa.deleted.at)!, by: sa.deleted.by } : null,
    packets: sa.packets,
    bytes: sa.bytes,
    first: refJson(sa.first),
    last: refJson(sa.last),
    firstSeq: sa.seq.first,
    lastSeq: sa.packets > 0 ? sa.seq.highest : null,
    gaps: sa.seq.gaps,
    missing: sa.seq.missing,
    replays: sa.seq.replays,
    reordered: sa.seq.reordered,
    duplicatesAcrossInputs: sa.duplicates,
    encapsulation: sa.encapsulation,
    ports: sa.encapsulation === 'none' ? null : { src: sa.srcPort, dst: sa.dstPort },
    ikeSa: sa.ikeSa,
    pairSpi: sa.pair ? formatSpi(sa.pair.spi) : null,
    rekeyOf: sa.rekeyOf ? formatSpi(sa.rekeyOf.spi) : null,
    replacedBy: sa.replacedBy ? formatSpi(sa.replacedBy.spi) : null,
  };
}

export function findingJson(f: Finding, lang: Lang) {
  return {
    id: f.id,
    kind: f.kind,
    severity: f.severity,
    flagsFrames: FLAGGING_KINDS.has(f.kind),
    protocol: f.protocol,
    spi: f.spi === null ? null : formatSpi(f.spi),
    src: f.src,
    dst: f.dst,
    first: refJson(f.first),
    last: refJson(f.last),
    packets: f.packets,
    frames: f.frames,
    classification: f.classification,
    durationSeconds: f.durationSeconds,
    packetsLost: f.packetsLost,
    recovery: f.recovery ? { kind: f.recovery.kind, ...(f.recovery.at ? refJson(f.recovery.at)! : { input: null, frame: null, time: null }) } : null,
    signature: f.signature,
    certainty: f.certainty,
    evidence: f.evidence.map((e) => ({ kind: e.kind, ...refJson(e.at)!, detail: e.detail })),
    ikeSa: f.ikeSa,
    keyHint: f.keyHint,
    related: f.related,
    details: f.details,
    message: findingMessage(f, lang),
  };
}

/** IANA's name of an exchange type, or the number as a string when IANA has none (the report contract). */
function exchangeJsonName(version: 1 | 2, n: number): string {
  const name = exchangeName(version, n);
  return name.startsWith('unknown(') ? String(n) : name;
}

export function ikeMessageJson(msg: IkeMessageSummary) {
  return {
    input: msg.ref.input,
    frame: msg.ref.frame,
    time: formatTime(msg.ref.time),
    src: formatEndpoint(msg.src.address, msg.src.port),
    dst: formatEndpoint(msg.dst.address, msg.dst.port),
    transport: msg.transport,
    version: msg.version,
    exchange: exchangeJsonName(msg.version, msg.exchangeType),
    initiatorSpi: ikeSpi(msg.initiatorSpi),
    responderSpi: ikeSpi(msg.responderSpi),
    messageId: msg.messageId,
    initiator: msg.initiator,
    response: msg.response,
    encrypted: msg.encrypted,
    decrypted: msg.decrypted,
    decryptError: msg.decryptError,
    payloads: msg.payloads,
    outerPayloads: msg.outerPayloads,
    fragment: msg.fragment,
  };
}

export function anomalyJson(a: Anomaly) {
  return { input: a.input, frame: a.frame, layer: a.layer, reason: a.reason, offset: a.offset ?? null, cause: a.cause ?? null };
}

export function ikeDatagramJson(row: IkeDatagramRow) {
  return {
    initiatorSpi: ikeSpi(row.initiatorSpi),
    responderSpi: ikeSpi(row.responderSpi),
    src: row.src,
    dst: row.dst,
    version: row.version,
    datagrams: row.datagrams,
    bytes: row.bytes,
    first: refJson(row.first),
    last: refJson(row.last),
    exchanges: row.exchanges,
  };
}

export function summaryJson(r: AnalysisResult) {
  // Each packet gets one verdict, so the flagging findings' packet counts add up without overlap. Frame
  // lists would not do, because live capture empties them as it prints.
  let flaggedPackets = 0;
  for (const f of r.findings) if (FLAGGING_KINDS.has(f.kind)) flaggedPackets += f.packets;
  return {
    frames: r.counts.frames,
    espPackets: r.counts.espPackets,
    ahPackets: r.counts.ahPackets,
    ikeMessages: r.counts.ikeMessages,
    ikeDecrypted: r.counts.ikeDecrypted,
    ikeUndecryptable: r.counts.ikeUndecryptable,
    anomalies: r.counts.anomalies,
    desyncs: r.findings.filter((f) => f.kind === 'desync').length,
    persistentDesyncs: r.findings.filter((f) => f.kind === 'desync' && f.classification === 'persistent').length,
    flaggedPackets,
    errors: r.findings.filter((f) => f.severity === 'error').length,
    warnings: r.findings.filter((f) => f.severity === 'warning').length,
    keepalives: r.counts.keepalives,
    icmpErrors: r.counts.icmpErrors,
    notDecoded: r.counts.notDecoded,
    ikeDatagrams: r.ikeDatagrams.map(ikeDatagramJson),
  };
}

/** Builds the whole report object. */
export function buildReport(r: AnalysisResult, lang: Lang) {
  return {
    schema: SCHEMA,
    inputs: r.inputs.map(inputJson),
    summary: summaryJson(r),
    ikeSas: r.ikeSas.map(ikeSaJson),
    childSas: r.childSas.map(childSaJson),
    findings: r.findings.map((f) => findingJson(f, lang)),
    ikeMessages: r.ikeMessages.map(ikeMessageJson),
    anomalies: r.anomalies.map(anomalyJson),
    anomaliesNotListed: r.anomaliesDropped,
    keys: r.keys,
  };
}

/**
 * Text gathered before it goes to the stream. Standard output to a file or
 * /dev/null writes synchronously, one system call per write, and a report
 * is made of many short pieces.
 */
const WRITE_CHUNK = 64 << 10;

/** Gathers text into chunks and waits for 'drain' when the stream is full, so nothing piles up in memory. */
class ChunkedWriter {
  private pending: string[] = [];
  private pendingLength = 0;
  /** Set while the stream is full, until its 'drain'. */
  private draining: Promise<void> | null = null;

  constructor(private readonly out: NodeJS.WritableStream) {}

  /** Adds text; returns a promise to wait on when the gathered text went to a stream that is now full. */
  write(text: string): Promise<void> | undefined {
    this.pending.push(text);
    this.pendingLength += text.length;
    return this.pendingLength >= WRITE_CHUNK ? this.flush() : undefined;
  }

  /** Writes the gathered text and resolves once the stream has room again, also after an earlier flush that was not awaited. */
  async flush(): Promise<void> {
    if (this.pending.length > 0) {
      const text = this.pending.join('');
      this.pending = [];
      this.pendingLength = 0;
      if (!this.out.write(text) && this.draining === null) {
        this.draining = new Promise<void>((resolve) => this.out.once('drain', () => resolve())).then(() => {
          this.draining = null;
        });
      }
    }
    if (this.draining !== null) await this.draining;
  }
}

/** A list whose elements are built only when written. An element is plain JSON data, with no LazyList inside. */
class LazyList {
  constructor(
    readonly length: number,
    readonly at: (i: number) => unknown,
  ) {}
}

/** Lists with more elements than this are written a batch of elements at a time. */
const STREAM_LENGTH = 16;
/**
 * Elements turned into text together. Writing the report of the
 * benchmark's 5 M-frame capture took about 78 ms with one JSON.stringify
 * call per batch, against 125 ms with one call per element and a regular
 * expression to indent each element's lines.
 */
const STREAM_BATCH = 32;

/**
 * Returns `elements` as JSON.stringify lays out the elements of an array
 * `depth` levels deep: each line indented by two spaces per level, elements
 * separated by ",\n", without the brackets. The elements are stringified
 * inside depth - 1 more arrays, and the text those arrays add is cut off.
 * Level k (from 0) adds 2k spaces and "[\n" at the start, and "\n", 2k
 * spaces and "]" at the end. That is depth * depth + depth characters at
 * each end in all.
 */
function elementsText(elements: unknown[], depth: number): string {
  let wrapped: unknown = elements;
  for (let level = 1; level < depth; level++) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, 2);
  const cut = depth * depth + depth;
  return text.slice(cut, text.length - cut);
}

/**
 * Writes the report exactly as `JSON.stringify(buildReport(r, lang), null, 2)`
 * followed by a newline would, but long lists one element at a time, so the
 * text and objects of a large report never sit in memory whole.
 */
export async function writeReport(r: AnalysisResult, lang: Lang, out: NodeJS.WritableStream): Promise<void> {
  const summary = summaryJson(r);
  const report = {
    schema: SCHEMA,
    inputs: r.inputs.map(inputJson),
    summary: { ...summary, ikeDatagrams: new LazyList(r.ikeDatagrams.length, (i) => ikeDatagramJson(r.ikeDatagrams[i]!)) },
    ikeSas: new LazyList(r.ikeSas.length, (i) => ikeSaJson(r.ikeSas[i]!)),
    childSas: new LazyList(r.childSas.length, (i) => childSaJson(r.childSas[i]!)),
    findings: new LazyList(r.findings.length, (i) => findingJson(r.findings[i]!, lang)),
    ikeMessages: new LazyList(r.ikeMessages.length, (i) => ikeMessageJson(r.ikeMessages[i]!)),
    anomalies: new LazyList(r.anomalies.length, (i) => anomalyJson(r.anomalies[i]!)),
    anomaliesNotListed: r.anomaliesDropped,
    keys: r.keys,
  };
  const w = new ChunkedWriter(out);
  await writeValue(w, report, '');
  w.write('\n');
  await w.flush();
}

function isStreamed(value: unknown): boolean {
  if (value instanceof LazyList) return value.length > STREAM_LENGTH;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.values(value).some(isStreamed);
}

/** Writes one value in JSON.stringify's two-space layout, streaming the parts that hold long lists. */
async function writeValue(w: ChunkedWriter, value: unknown, indent: string): Promise<void> {
  const inner = indent + '  ';
  if (value instanceof LazyList && value.length > STREAM_LENGTH) {
    w.write('[\n');
    for (let i = 0; i < value.length; i += STREAM_BATCH) {
      const end = Math.min(value.length, i + STREAM_BATCH);
      const batch: unknown[] = [];
      for (let j = i; j < end; j++) batch.push(value.at(j));
      const full = w.write(elementsText(batch, inner.length / 2) + (end < value.length ? ',\n' : '\n'));
      if (full) await full;
    }
    w.write(`${indent}]`);
    return;
  }
  if (!isStreamed(value)) {
    await w.write(reindent(JSON.stringify(materialize(value), null, 2), indent));
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  w.write('{\n');
  for (let i = 0; i < entries.length; i++) {
    const [key, v] = entries[i]!;
    w.write(`${inner}${JSON.stringify(key)}: `);
    await writeValue(w, v, inner);
    w.write(i + 1 < entries.length ? ',\n' : '\n');
  }
  w.write(`${indent}}`);
}

/** Turns the short lazy lists inside a value into arrays, for JSON.stringify. */
function materialize(value: unknown): unknown {
  if (value instanceof LazyList) return Array.from({ length: value.length }, (_, i) => materialize(value.at(i)));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  if (!Object.values(value).some((v) => v instanceof LazyList || (v !== null && typeof v === 'object' && !Array.isArray(v)))) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, materialize(v)]));
}

function reindent(text: string, indent: string): string {
  return indent.length > 0 && text.includes('\n') ? text.replace(/\n/g, '\n' + indent) : text;
}
