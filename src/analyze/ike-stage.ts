// The IKE stages of the pipeline for one datagram: parse, reassemble IKEv1
// fragments, decrypt with the given keys, pair with its exchange, turn into
// SA tracker events. Also keeps the per-IKE-SA summary and the table of IKE
// datagrams for the report.

import { crc32 } from 'node:zlib';
import { ExchangeTracker, type UnansweredRequest } from '../ike/exchanges.js';
import { IkeDecrypter, type IkeSaDecryption, keyLogHint } from '../ike/decrypt.js';
import { parseIkeMessage } from '../ike/message.js';
import { summarizeIkeMessage, type IkeMessageSummary } from '../ike/summary.js';
import { exchangeName } from '../ike/registry.js';
import type { IkeMessage } from '../ike/types.js';
import { reassembledDatagram, V1FragmentReassembler } from '../ike/v1-fragments.js';
import type { KeySet } from '../keys/index.js';
import { IkeEventTranslator } from '../sa/from-ike.js';
import type { SaTracker } from '../sa/tracker.js';
import type { Anomaly, FrameRef, IkeDatagram } from '../types.js';
import { formatEndpoint, toSeconds } from '../util/format.js';
import { RecentCopies } from '../util/recent-copies.js';
import type { IkeDatagramRow, IkeSaSummary } from './result.js';

export interface IkeStageOptions {
  keepMessages: boolean;
  /** Also keep the parsed messages (payload trees), which costs far more memory than the summaries. */
  keepParsed: boolean;
  onMessage: ((msg: IkeMessage) => void) | undefined;
  onAnomaly: (anomaly: Anomaly) => void;
}

export interface IkeStageResult {
  ikeSas: IkeSaSummary[];
  rows: IkeDatagramRow[];
  messages: IkeMessageSummary[];
  parsed: IkeMessage[];
  decrypted: number;
  undecryptable: number;
}

/** Decryption results of one IKE SA, for the ike-undecryptable and ike-integrity-failed findings. */
interface DecryptTally {
  encrypted: number;
  decrypted: number;
  errors: Map<string, number>;
  frames: [number, number][];
  integrityFrames: [number, number][];
  version: 1 | 2;
  initiatorSpi: string;
  responderSpi: string;
  src: string;
  dst: string;
  /** The tracker has this IKE SA's key hint already. */
  hinted: boolean;
}

const MAX_TALLY_FRAMES = 1000;

/** IKE messages remembered to recognise a copy captured in another input. */
const RECENT_MESSAGES = 32;

export class IkeStage {
  private readonly decrypter: IkeDecrypter;
  private readonly exchanges = new ExchangeTracker();
  private readonly fragments = new V1FragmentReassembler();
  private readonly translator = new IkeEventTranslator();
  private readonly messages: IkeMessageSummary[] = [];
  private readonly parsed: IkeMessage[] = [];
  private readonly rows = new Map<string, IkeDatagramRow>();
  private readonly tallies = new Map<string, DecryptTally>();
  private decryptedCount = 0;
  private undecryptableCount = 0;
  /** Recent IKE messages by CRC-32 and length: a NAT between two capture points changes addresses and ports, never the message. */
  private readonly recent = new RecentCopies(RECENT_MESSAGES);

  constructor(
    keys: KeySet | null,
    private readonly tracker: SaTracker,
    private readonly options: IkeStageOptions,
  ) {
    this.decrypter = new IkeDecrypter(keys);
  }

  datagram(d: IkeDatagram): void {
    // A copy from another capture point is the same message, not a retransmission.
    if (this.tracker.multipleInputs && this.recent.seenElsewhere(`${crc32(d.data)}/${d.data.length}`, d.ref.input, toSeconds(d.ref.time))) return;
    const msg = parseIkeMessage(d);
    for (const a of msg.anomalies) this.options.onAnomaly(a);
    this.countRow(msg, d.data.length);
    if (msg.headerError !== null) {
      this.keep(msg);
      return;
    }

    // An IKEv1 fragment is listed as it is; the message it completes is analysed whole.
    let whole = msg;
    let bytes = d.data;
    if (msg.version === 1 && msg.payloads.some((p) => p.kind === 'v1-fragment')) {
      const outcome = this.fragments.add(msg);
      this.exchanges.observe(msg);
      this.keep(msg);
      if (outcome?.kind === 'invalid') this.options.onAnomaly({ input: msg.ref.input, frame: msg.ref.frame, layer: 'ikev1', reason: `fragment: ${outcome.reason}`, cause: 'malformed' });
      if (outcome?.kind !== 'complete') return;
      const datagram = reassembledDatagram(d, outcome.data);
      whole = parseIkeMessage(datagram);
      bytes = outcome.data;
      for (const a of whole.anomalies) this.options.onAnomaly(a);
    }

    const before = whole.anomalies.length;
    this.decrypter.process(whole, bytes);
    for (const a of whole.anomalies.slice(before)) this.options.onAnomaly(a);
    this.tally(whole);

    const tracked = this.exchanges.observe(whole);
    if (whole !== msg) this.keep(whole);
    else this.keep(msg);
    if (!tracked || tracked.duplicate) return;
    if (whole.encrypted && !whole.decrypted && whole.decryptError !== null) {
      this.tracker.markBlind(whole.src.address, whole.dst.address, whole.header.initiatorSpi);
    }
    for (const event of this.translator.translate(whole, tracked)) this.tracker.apply(event);
  }

  private keep(msg: IkeMessage): void {
    if (this.options.keepMessages) this.messages.push(summarizeIkeMessage(msg));
    if (this.options.keepParsed) this.parsed.push(msg);
    this.options.onMessage?.(msg);
  }

  private countRow(msg: IkeMessage, bytes: number): void {
    const src = formatEndpoint(msg.src.address, msg.src.port);
    const dst = formatEndpoint(msg.dst.address, msg.dst.port);
    const key = `${msg.header.initiatorSpi}|${src}|${dst}`;
    let row = this.rows.get(key);
    if (!row) {
      row = { initiatorSpi: msg.header.initiatorSpi, responderSpi: msg.header.responderSpi, src, dst, version: msg.version, datagrams: 0, bytes: 0, first: msg.ref, last: msg.ref, exchanges: {} };
      this.rows.set(key, row);
    }
    if (!isZeroSpi(msg.header.responderSpi)) row.responderSpi = msg.header.responderSpi;
    row.datagrams += 1;
    row.bytes += bytes;
    row.last = msg.ref;
    const name = exchangeName(msg.version, msg.header.exchangeType);
    row.exchanges[name] = (row.exchanges[name] ?? 0) + 1;
  }

  private tally(msg: IkeMessage): void {
    if (!msg.encrypted) return;
    const key = msg.header.initiatorSpi;
    let t = this.tallies.get(key);
    if (!t) {
      t = {
        encrypted: 0,
        decrypted: 0,
        errors: new Map(),
        frames: [],
        integrityFrames: [],
        version: msg.version,
        initiatorSpi: msg.header.initiatorSpi,
        responderSpi: msg.header.responderSpi,
        src: msg.src.address,
        dst: msg.dst.address,
        hinted: false,
      };
      this.tallies.set(key, t);
    }
    if (!/^0+$/.test(msg.header.responderSpi)) t.responderSpi = msg.header.responderSpi;
    t.encrypted += 1;
    if (msg.decrypted) {
      t.decrypted += 1;
      this.decryptedCount += 1;
      return;
    }
    // Without a decryptError the message was not read for another reason (no SK payload at all).
    if (msg.decryptError === null) return;
    this.undecryptableCount += 1;
    // Live capture reports outages before finish(), so their findings need the hint from the first failure on.
    if (!t.hinted) {
      t.hinted = true;
      this.tracker.setKeyHint(t.initiatorSpi, keyHintOf(t, this.decrypter.ikeSa(t.version, t.initiatorSpi, t.responderSpi)));
    }
    t.errors.set(msg.decryptError, (t.errors.get(msg.decryptError) ?? 0) + 1);
    if (t.frames.length < MAX_TALLY_FRAMES) t.frames.push([msg.ref.input, msg.ref.frame]);
    if (msg.decryptError === 'integrity-failed' && t.integrityFrames.length < MAX_TALLY_FRAMES) t.integrityFrames.push([msg.ref.input, msg.ref.frame]);
  }

  finish(): IkeStageResult {
    const decryption = new Map(this.decrypter.ikeSas().map((sa) => [sa.initiatorSpi as string, sa]));
    const hints = new Map<string, string | null>();
    for (const t of this.tallies.values()) {
      const summary = decryption.get(t.initiatorSpi);
      const hint = t.decrypted < t.encrypted ? keyHintOf(t, summary ?? null) : null;
      hints.set(t.initiatorSpi, hint);
      if (hint) this.tracker.setKeyHint(t.initiatorSpi, hint);
      this.addDecryptFindings(t, hint);
    }
    const finished = this.exchanges.finish();
    this.addUnansweredFindings(finished.unanswered);
    const ikeSas = finished.ikeSas.map((s): IkeSaSummary => {
      const t = this.tallies.get(s.initiatorSpi);
      let decrypted: boolean | 'partial' = true;
      if (t && t.decrypted < t.encrypted) decrypted = t.decrypted === 0 ? false : 'partial';
      return {
        version: s.version,
        initiatorSpi: s.initiatorSpi,
        responderSpi: s.responderSpi,
        initiator: s.initiator ? formatEndpoint(s.initiator.address, s.initiator.port) : '',
        responder: s.responder ? formatEndpoint(s.responder.address, s.responder.port) : '',
        established: s.established,
        deleted: s.deleted,
        decrypted,
        messages: s.messages,
        encryptedMessages: t?.encrypted ?? 0,
        decryptedMessages: t?.decrypted ?? 0,
        rekeyOf: s.rekeyOf ? `${s.rekeyOf.initiatorSpi}/${s.rekeyOf.responderSpi}` : null,
        keyHint: hints.get(s.initiatorSpi) ?? null,
        unanswered: s.unanswered,
        retransmissions: s.retransmissions,
      };
    });
    return { ikeSas, rows: this.finishRows(), messages: this.messages, parsed: this.parsed, decrypted: this.decryptedCount, undecryptable: this.undecryptableCount };
  }

  /**
   * Returns the datagram rows. A row of only first IKE_SA_INIT requests or
   * Main Mode messages carries a zero responder SPI (RFC 7296 §3.1, RFC 2408
   * §3.1), so it takes the responder SPI from another row of its IKE SA.
   */
  private finishRows(): IkeDatagramRow[] {
    const rows = [...this.rows.values()];
    const responderOf = new Map<string, string>();
    for (const row of rows) if (!isZeroSpi(row.responderSpi)) responderOf.set(row.initiatorSpi, row.responderSpi);
    for (const row of rows) if (isZeroSpi(row.responderSpi)) row.responderSpi = responderOf.get(row.initiatorSpi) ?? row.responderSpi;
    return rows;
  }

  /** Adds one info finding per IKE SA and requester whose requests got no response. */
  private addUnansweredFindings(unanswered: UnansweredRequest[]): void {
    const groups = new Map<string, UnansweredRequest[]>();
    for (const u of unanswered) {
      const key = `${u.ikeSa.initiatorSpi}|${u.exchange.requestFromInitiator}`;
      const list = groups.get(key);
      if (list) list.push(u);
      else groups.set(key, [u]);
    }
    for (const list of groups.values()) {
      const first = list[0]!;
      const sa = first.ikeSa;
      const from = first.exchange.requestFromInitiator ? sa.initiator : sa.responder;
      const to = first.exchange.requestFromInitiator ? sa.responder : sa.initiator;
      const refs = list.map((u) => u.exchange.request).filter((r): r is FrameRef => r !== null);
      this.tracker.addFinding('ike-unanswered', (f) => {
        f.src = from?.address ?? null;
        f.dst = to?.address ?? null;
        f.ikeSa = `${sa.initiatorSpi}/${sa.responderSpi}`;
        f.packets = list.length;
        f.first = refs[0] ?? null;
        f.last = refs[refs.length - 1] ?? null;
        f.frames = refs.map((r) => [r.input, r.frame]);
        f.details = { exchanges: [...new Set(list.map((u) => exchangeName(u.exchange.version, u.exchange.exchangeType)))].join(',') };
      });
    }
  }

  private addDecryptFindings(t: DecryptTally, hint: string | null): void {
    const spis = `${t.initiatorSpi}/${t.responderSpi}`;
    const integrity = t.errors.get('integrity-failed') ?? 0;
    if (integrity > 0) {
      this.tracker.addFinding('ike-integrity-failed', (f) => {
        f.src = t.src;
        f.dst = t.dst;
        f.ikeSa = spis;
        f.packets = integrity;
        f.frames = t.integrityFrames;
        f.details = { ikeSpis: spis, reason: 'integrity-failed' };
      });
    }
    const other = [...t.errors].filter(([reason]) => reason !== 'integrity-failed');
    const count = other.reduce((n, [, c]) => n + c, 0);
    if (count > 0) {
      this.tracker.addFinding('ike-undecryptable', (f) => {
        f.src = t.src;
        f.dst = t.dst;
        f.ikeSa = spis;
        f.packets = count;
        f.frames = t.frames.filter(([i, n]) => !t.integrityFrames.some(([j, m]) => i === j && n === m));
        f.keyHint = hint;
        f.certainty = 'certain';
        f.details = { ikeSpis: spis, reason: other.map(([r]) => r).join(', ') };
      });
    }
  }
}

function defaultKeyHint(t: DecryptTally): string {
  return t.version === 2
    ? `ikev2_decryption_table: ${t.initiatorSpi},${t.responderSpi},<SK_ei>,<SK_er>,"<encryption algorithm>",<SK_ai>,<SK_ar>,"<integrity algorithm>"`
    : `ikev1_decryption_table: ${t.initiatorSpi},<encryption key>`;
}

function isZeroSpi(spi: string): boolean {
  return /^0+$/.test(spi);
}

/** Returns the key hint of an IKE SA not (fully) decrypted: its key table line, or a charon log that has its keys. */
function keyHintOf(t: DecryptTally, summary: IkeSaDecryption | null): string {
  return `${summary?.keyHint ?? defaultKeyHint(t)}, or ${keyLogHint(t.version)}`;
}
