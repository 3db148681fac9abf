// The text report, read top-down by a network engineer: the verdict first,
// then per tunnel a timeline of SAs and events, then the findings in
// detail, then the per-SA and per-IKE-SA tables.

import type { AnalysisResult } from '../analyze/result.js';
import type { CaptureProblem } from '../capture/types.js';
import { keyLogHint } from '../keys/hints.js';
import type { ChildSa, ChildSaState } from '../sa/child-sa.js';
import { FLAGGING_KINDS, type Finding, type Severity } from '../sa/findings.js';
import type { Tunnel, TunnelEvent } from '../sa/tunnel.js';
import type { FrameRef } from '../types.js';
import { compareTime, escapeForTerminal, formatSpi, formatTime } from '../util/format.js';
import { CATALOG, findingMessage, recoveryText } from './catalog.js';
import { type Lang, type UiKey, ui } from './i18n.js';

/** Layers of the problems of a capture file itself (CaptureProblem), as against a packet's. */
const CAPTURE_LAYERS: ReadonlySet<string> = new Set<CaptureProblem['layer']>(['pcap', 'pcapng', 'gzip']);

const SEVERITY_KEYS: Record<Severity, UiKey> = { error: 'severityError', warning: 'severityWarning', info: 'severityInfo' };

/** Returns the bracketed severity of a finding line, such as "[error]" or "[エラー]". */
export function severityTag(severity: Severity, lang: Lang): string {
  return `[${ui(lang, SEVERITY_KEYS[severity])}]`;
}

/** Words for the state column of the SA table. */
const SA_STATE_TEXT: Record<Lang, Record<ChildSaState, string>> = {
  en: {
    proposed: 'proposed',
    installed: 'installed',
    deleting: 'deleting',
    deleted: 'deleted',
    lost: 'lost',
    observed: 'observed',
    'never-installed': 'never-installed',
  },
  ja: {
    proposed: '提案中',
    installed: 'インストール済み',
    deleting: '削除中',
    deleted: '削除済み',
    lost: '喪失',
    observed: '観測のみ',
    'never-installed': '未インストール',
  },
};

export interface TextOptions {
  lang: Lang;
  /** Frames listed per finding before "... and N more". */
  maxFrames: number;
  /** Input paths are shown by index when several inputs were read. */
  multipleInputs: boolean;
  /** Key hints already printed in this report; a repeated hint is printed as a reference to the first. */
  printedHints?: Set<string>;
}

function frameText(ref: FrameRef, multiple: boolean): string {
  return multiple ? `${ref.input}:${ref.frame}` : String(ref.frame);
}

export function clock(ref: FrameRef): string {
  return formatTime(ref.time).slice(11, 23);
}

/** Builds the verdict lines: one per persistent desync, then the transient ones, or a clean bill. */
function verdict(r: AnalysisResult, o: TextOptions): string[] {
  const desyncs = r.findings.filter((f) => f.kind === 'desync');
  const lines: string[] = [];
  const persistent = desyncs.filter((f) => f.classification === 'persistent');
  const transient = desyncs.filter((f) => f.classification === 'transient');
  for (const f of persistent) lines.push(findingMessage(f, o.lang));
  for (const f of transient) lines.push(findingMessage(f, o.lang));
  if (lines.length > 0) return lines;
  const ipsec = r.counts.espPackets + r.counts.ahPackets + r.counts.ikeMessages;
  if (ipsec === 0) return [ui(o.lang, 'verdictNoIpsec', { frames: r.counts.frames })];
  // Without the keys, "no desync" may only mean that the Delete behind one was not readable, so that line comes first.
  if (r.counts.ikeUndecryptable > 0) lines.push(ui(o.lang, 'verdictNoneBlind', { undec: r.counts.ikeUndecryptable }));
  lines.push(
    ui(o.lang, 'verdictNone', {
      tunnels: r.tunnels.length,
      sas: r.childSas.length,
      esp: r.counts.espPackets,
      ah: r.counts.ahPackets,
      ike: r.counts.ikeMessages,
    }),
  );
  const flagged = r.findings.filter((f) => FLAGGING_KINDS.has(f.kind)).reduce((n, f) => n + f.packets, 0);
  if (flagged > 0) lines.push(ui(o.lang, 'verdictNoneFlagged', { flagged }));
  return lines;
}

function describeEvent(e: TunnelEvent, lang: Lang): string {
  const spis = e.sas.map((sa) => `${sa.protocol.toUpperCase()} ${formatSpi(sa.spi)}@${sa.receiver}`).join(', ');
  const ike = e.ikeSa ? ` IKE SA ${e.ikeSa}` : '';
  const ja = lang === 'ja';
  switch (e.kind) {
    case 'child-installed':
      return ja ? `CHILD_SA インストール: ${spis}` : `CHILD_SA installed: ${spis}`;
    case 'child-rekeyed':
      return ja ? `CHILD_SA リキー: ${spis}` : `CHILD_SA rekeyed: ${spis}`;
    case 'child-delete':
      return ja ? `${e.actor} が Delete を送信: ${spis}` : `${e.actor} sent Delete: ${spis}`;
    case 'child-deleted':
      return ja ? `CHILD_SA 削除: ${spis}` : `CHILD_SA deleted: ${spis}`;
    case 'ike-sa-init':
      return ja ? `${e.actor} が IKE SA を開始:${ike}` : `${e.actor} started${ike}`;
    case 'ike-sa-established':
      return ja ? `IKE SA 確立:${ike}` : `IKE SA established:${ike}`;
    case 'ike-sa-rekeyed':
      return ja ? `IKE SA リキー: 新しい${ike}` : `IKE SA rekeyed: new${ike}`;
    case 'ike-sa-deleted':
      return ja ? `IKE SA 削除:${ike}` : `IKE SA deleted:${ike}`;
    case 'ike-unanswered':
      return ja ? `${e.actor} の IKE 要求を再送 (応答なし)` : `${e.actor} retransmitted an IKE request (unanswered)`;
    case 'ike-answered':
      return ja ? `${e.actor} が IKE 要求に応答` : `${e.actor} answered an IKE request`;
    case 'invalid-spi':
      return ja ? `${e.actor} が INVALID_SPI を通知` : `${e.actor} sent INVALID_SPI`;
    case 'icmp-error':
      return ja ? `${e.actor} から ICMP エラー` : `ICMP error from ${e.actor}`;
  }
}

/** One line of a tunnel's timeline, for the text report and the interactive view. */
export interface TimelineEntry {
  at: FrameRef;
  text: string;
  tone: 'normal' | 'error' | 'warning';
  /** The desync finding an outage line belongs to. */
  findingId: string | null;
}

/** Lists a tunnel's SA events and outages in time order, leaving out IKE responses as noise. */
export function tunnelTimeline(t: Tunnel, findings: Finding[], lang: Lang): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  let lastIcmp: FrameRef | null = null;
  for (const e of t.events) {
    if (e.kind === 'ike-answered') continue;
    // ICMP errors come one per dropped packet: show the first of a burst.
    if (e.kind === 'icmp-error') {
      if (lastIcmp && e.at.time.sec - lastIcmp.time.sec < 5) continue;
      lastIcmp = e.at;
    }
    const tone = e.kind === 'ike-unanswered' || e.kind === 'invalid-spi' || e.kind === 'icmp-error' ? 'warning' : 'normal';
    entries.push({ at: e.at, text: describeEvent(e, lang), tone, findingId: null });
  }
  for (const f of findings) {
    if (f.kind !== 'desync' || !f.first || !f.last) continue;
    if (!(f.src === t.a || f.src === t.b) || !(f.dst === t.a || f.dst === t.b)) continue;
    const label = lang === 'ja' ? '停止' : 'outage';
    const tone = f.classification === 'persistent' ? 'error' : 'warning';
    const what = `${f.src} → ${f.dst} SPI ${formatSpi(f.spi ?? 0)}`;
    entries.push({ at: f.first, text: `▼ ${label} ${what} (${ui(lang, f.classification ?? 'persistent')})`, tone, findingId: f.id });
    // The last dropped packet, which ends the outage only when something recovered it.
    const stillFailing = (f.recovery?.kind ?? 'none') === 'none' ? `${lang === 'ja' ? '、' : ', '}${recoveryText(f, lang)}` : '';
    entries.push({ at: f.last, text: `▲ ${label} ${what}: ${f.packets} ${lang === 'ja' ? 'パケット' : 'packets'}${stillFailing}`, tone, findingId: f.id });
  }
  entries.sort((x, y) => compareTime(x.at.time, y.at.time) || x.at.frame - y.at.frame);
  return entries;
}

function timeline(t: Tunnel, findings: Finding[], o: TextOptions): string[] {
  return tunnelTimeline(t, findings, o.lang).map((e) => `  ${clock(e.at)}  #${frameText(e.at, o.multipleInputs).padEnd(6)} ${e.text}`);
}

/**
 * Returns a key hint in the report's language. The analysis writes each hint in English as
 * "<key table line>, or <keyLogHint(version)>", and the key table line is file syntax that stays as it is.
 * A hint of any other shape is returned unchanged.
 */
export function keyHintText(hint: string, lang: Lang): string {
  for (const version of [2, 1] as const) {
    const tail = `, or ${keyLogHint(version)}`;
    if (!hint.endsWith(tail)) continue;
    return ui(lang, 'keyHintWithLog', { line: hint.slice(0, -tail.length), log: keyLogHint(version, lang) });
  }
  return hint;
}

export function findingDetail(f: Finding, o: TextOptions): string[] {
  // The id is the one the JSON report, live output and the evidence file's packet comments use.
  const lines = [`${severityTag(f.severity, o.lang)} ${f.kind} ${f.id}${f.signature ? ` (${f.signature})` : ''}: ${findingMessage(f, o.lang)}`];
  if (f.frames.length > 0) {
    const shown = f.frames.slice(0, o.maxFrames).map(([i, n]) => (o.multipleInputs ? `${i}:${n}` : String(n)));
    const rest = f.frames.length - shown.length;
    lines.push(`    ${ui(o.lang, 'frames')}: ${shown.join(', ')}${rest > 0 ? ' ' + ui(o.lang, 'more', { n: rest }) : ''}`);
  }
  if (f.evidence.length > 0) {
    const ev = f.evidence.slice(0, 5).map((e) => `${e.kind} #${frameText(e.at, o.multipleInputs)}`);
    lines.push(`    ${ui(o.lang, 'evidence')}: ${ev.join(', ')}`);
  }
  if (f.keyHint && o.printedHints?.has(f.keyHint)) {
    lines.push(`    ${ui(o.lang, 'keyHintAgain', { ikeSa: /_decryption_table: ([0-9a-f]+)/.exec(f.keyHint)?.[1] ?? '?' })}`);
  } else if (f.keyHint) {
    o.printedHints?.add(f.keyHint);
    lines.push(`    ${ui(o.lang, 'keyHint', { hint: keyHintText(f.keyHint, o.lang) })}`);
  }
  return lines;
}

function saRow(sa: ChildSa, o: TextOptions): string {
  const first = sa.first ? `#${frameText(sa.first, o.multipleInputs)} ${clock(sa.first)}` : '-';
  const last = sa.last ? `#${frameText(sa.last, o.multipleInputs)} ${clock(sa.last)}` : '-';
  const seq = sa.packets > 0 ? `${sa.seq.first}..${sa.seq.highest}` : '-';
  const cols = [
    `${sa.sender ?? '?'} → ${sa.receiver}`,
    sa.encapsulation === 'none' ? sa.protocol.toUpperCase() : `${sa.protocol.toUpperCase()}/${sa.encapsulation.toUpperCase()}`,
    formatSpi(sa.spi),
    String(sa.packets),
    String(sa.bytes),
    first,
    last,
    seq,
    String(sa.seq.missing),
    String(sa.seq.replays),
    SA_STATE_TEXT[o.lang][sa.state],
  ];
  return '  ' + cols.join('  ');
}

/** Renders the verdict lines and the one-line summary that open the text report. */
export function renderVerdict(r: AnalysisResult, o: TextOptions): string {
  return headLines(r, o).join('\n') + '\n';
}

function headLines(r: AnalysisResult, o: TextOptions): string[] {
  const out = [...verdict(r, o)];
  out.push(
    ui(o.lang, 'summaryLine', {
      frames: r.counts.frames,
      esp: r.counts.espPackets,
      ah: r.counts.ahPackets,
      ike: r.counts.ikeMessages,
      plain: Math.max(0, r.counts.ikeMessages - r.counts.ikeDecrypted - r.counts.ikeUndecryptable),
      dec: r.counts.ikeDecrypted,
      undec: r.counts.ikeUndecryptable,
      anomalies: r.counts.anomalies,
      desyncs: r.findings.filter((f) => f.kind === 'desync').length,
    }),
  );
  // With several inputs, a packet captured on both peers is one packet: the SA table counts it once.
  let unique = 0;
  for (const sa of r.childSas) unique += sa.packets;
  const duplicates = r.counts.espPackets + r.counts.ahPackets - unique;
  if (o.multipleInputs && duplicates > 0) out.push(ui(o.lang, 'duplicatesAcrossInputs', { dup: duplicates }));
  return out;
}

/** Renders the whole text report. */
export function renderText(r: AnalysisResult, o: TextOptions): string {
  const out = headLines(r, o);
  out.push('', `${ui(o.lang, 'inputs')}:`);
  r.inputs.forEach((info, i) => {
    const span = info.first && info.last ? `${formatTime(info.first)} .. ${formatTime(info.last)}` : '-';
    out.push(`  [${i}] ${escapeForTerminal(info.path)}  ${info.format}${info.compressed ? '+gzip' : ''}  ${ui(o.lang, 'frameCount', { n: info.frames })}  ${info.linkTypes.map((l) => l.name).join(',')}  ${span}`);
  });

  const tunnels = r.tunnels.filter((t) => t.events.length > 0 || r.childSas.some((sa) => (sa.receiver === t.a || sa.receiver === t.b) && sa.packets > 0));
  if (tunnels.length > 0) {
    out.push('', `${ui(o.lang, 'tunnels')}:`);
    for (const t of tunnels) {
      out.push(`${t.a} ⇄ ${t.b}`);
      out.push(...timeline(t, r.findings, o));
    }
  }

  const shown = r.findings.filter((f) => f.kind !== 'spi-unknown-origin' || r.findings.length < 50);
  out.push('', `${ui(o.lang, 'findings')}:`);
  if (shown.length === 0) out.push(`  ${ui(o.lang, 'noFindings')}`);
  const detail: TextOptions = { ...o, printedHints: new Set() };
  for (const f of shown) out.push(...findingDetail(f, detail).map((l) => '  ' + l));
  const hidden = r.findings.length - shown.length;
  if (hidden > 0) out.push('  ' + ui(o.lang, 'more', { n: hidden }) + ` (${CATALOG['spi-unknown-origin'][o.lang].title})`);

  out.push('', `${ui(o.lang, 'espTable')}:`);
  const sas = r.childSas.filter((sa) => sa.packets > 0).sort((x, y) => (x.sender ?? '').localeCompare(y.sender ?? '') || x.receiver.localeCompare(y.receiver) || x.spi - y.spi);
  if (sas.length === 0) out.push(`  ${ui(o.lang, 'noFindings')}`);
  else out.push('  ' + ui(o.lang, 'saTableHeader'));
  for (const sa of sas) out.push(saRow(sa, o));

  out.push('', `${ui(o.lang, 'ikeTable')}:`);
  if (r.ikeDatagrams.length === 0) out.push(`  ${ui(o.lang, 'noFindings')}`);
  for (const row of r.ikeDatagrams) {
    const ex = Object.entries(row.exchanges)
      .map(([k, v]) => `${k}×${v}`)
      .join(' ');
    out.push(`  v${row.version} ${row.initiatorSpi}/${row.responderSpi}  ${row.src} → ${row.dst}  ${ui(o.lang, 'datagramCount', { n: row.datagrams })}  ${ui(o.lang, 'byteCount', { n: row.bytes })}  #${frameText(row.first, o.multipleInputs)}..#${frameText(row.last, o.multipleInputs)}  ${ex}`);
  }

  if (r.ikeSas.length > 0) {
    out.push('', `${ui(o.lang, 'ikeSas')}:`);
    for (const s of r.ikeSas) {
      let state: string;
      if (s.encryptedMessages === 0) state = ui(o.lang, 'nothingEncrypted');
      else if (s.decrypted === true) state = ui(o.lang, 'decrypted');
      else if (s.decrypted === false) state = ui(o.lang, 'undecrypted');
      else state = ui(o.lang, 'partlyDecrypted');
      if (s.encryptedMessages > 0) state += ` (${s.decryptedMessages}/${s.encryptedMessages})`;
      const est = s.established ? ui(o.lang, 'ikeEstablished', { frame: frameText(s.established, o.multipleInputs) }) : ui(o.lang, 'ikeNotEstablished');
      const del = s.deleted ? ui(o.lang, 'ikeDeleted', { frame: frameText(s.deleted, o.multipleInputs) }) : '';
      out.push(`  IKEv${s.version} ${s.initiatorSpi}/${s.responderSpi}  ${s.initiator} → ${s.responder}  ${est}${del}  ${state}`);
      if (s.keyHint) out.push(`    ${ui(o.lang, 'keyHint', { hint: keyHintText(s.keyHint, o.lang) })}`);
    }
  }

  if (r.counts.anomalies > 0) {
    out.push('', `${ui(o.lang, 'anomalies')}: ${r.counts.anomalies}`);
    const byReason = new Map<string, { n: number; first: string; capture: boolean }>();
    for (const a of r.anomalies) {
      const key = `${a.layer}: ${a.reason}`;
      const entry = byReason.get(key);
      if (entry) entry.n += 1;
      else byReason.set(key, { n: 1, first: o.multipleInputs ? `${a.input}:${a.frame}` : String(a.frame), capture: CAPTURE_LAYERS.has(a.layer) });
    }
    // The capture files' own problems come first: one of them can mean that the rest of a file was not read.
    const reasons = [...byReason].sort(([, a], [, b]) => Number(b.capture) - Number(a.capture));
    // NOTE: the decoders write anomaly reasons in English, and they stay English in every language. Only the words around them are translated.
    for (const [key, v] of reasons.slice(0, 30)) out.push(`  ${escapeForTerminal(key)}  ${ui(o.lang, 'anomalyCount', { n: v.n, first: v.first })}`);
    if (r.anomaliesDropped > 0) out.push(`  ${ui(o.lang, 'anomaliesNotListed', { n: r.anomaliesDropped })}`);
  }
  return out.join('\n') + '\n';
}
