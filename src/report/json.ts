// The JSON report contract ("spitrace.report/1"): the shape users and tests
// rely on. Fields may be added, never renamed or removed.

import type { AnalysisResult, IkeSaSummary } from '../analyze/result.js';
import { exchangeName, payloadName } from '../ike/registry.js';
import type { IkeMessage } from '../ike/types.js';
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

/** Payload type names as a reader sees them: the outer ones, with SK/SKF replaced by the inner ones once decrypted. */
export function payloadNames(msg: IkeMessage): string[] {
  const outer = msg.payloads.map((p) => payloadName(msg.version, p.type));
  if (!msg.inner) return outer;
  const kept = msg.payloads.filter((p) => p.kind !== 'sk' && p.kind !== 'skf').map((p) => payloadName(msg.version, p.type));
  return [...kept, ...msg.inner.map((p) => payloadName(msg.version, p.type))];
}

/** IANA's name of an exchange type, or the number as a string when IANA has none (the report contract). */
function exchangeJsonName(version: 1 | 2, n: number): string {
  const name = exchangeName(version, n);
  return name.startsWith('unknown(') ? String(n) : name;
}

export function ikeMessageJson(msg: IkeMessage) {
  return {
    input: msg.ref.input,
    frame: msg.ref.frame,
    time: formatTime(msg.ref.time),
    src: formatEndpoint(msg.src.address, msg.src.port),
    dst: formatEndpoint(msg.dst.address, msg.dst.port),
    transport: msg.transport,
    version: msg.version,
    exchange: exchangeJsonName(msg.version, msg.header.exchangeType),
    initiatorSpi: ikeSpi(msg.header.initiatorSpi),
    responderSpi: ikeSpi(msg.header.responderSpi),
    messageId: msg.header.messageId,
    initiator: msg.initiator,
    response: msg.response,
    encrypted: msg.encrypted,
    decrypted: msg.decrypted,
    decryptError: msg.decryptError,
    payloads: payloadNames(msg),
    outerPayloads: msg.payloads.map((p) => payloadName(msg.version, p.type)),
    fragment: msg.fragment,
  };
}

export function anomalyJson(a: Anomaly) {
  return { input: a.input, frame: a.frame, layer: a.layer, reason: a.reason, offset: a.offset ?? null, cause: a.cause ?? null };
}

export function summaryJson(r: AnalysisResult) {
  const flagged = new Set<string>();
  for (const f of r.findings) if (FLAGGING_KINDS.has(f.kind)) for (const [i, n] of f.frames) flagged.add(`${i}:${n}`);
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
    flaggedPackets: flagged.size,
    errors: r.findings.filter((f) => f.severity === 'error').length,
    warnings: r.findings.filter((f) => f.severity === 'warning').length,
    keepalives: r.counts.keepalives,
    icmpErrors: r.counts.icmpErrors,
    notDecoded: r.counts.notDecoded,
    ikeDatagrams: r.ikeDatagrams.map((row) => ({
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
    })),
  };
}

/** The whole report object. */
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
