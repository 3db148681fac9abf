// One live analysis: frames in, finding lines out. Findings print as they
// open, change and close, as text or NDJSON. Updates are coalesced to one
// line per finding and second. Encrypted IKE waits briefly for keys that a
// followed log or key table has not written yet. Each finding names the ring
// file and frame of its packets.

import { Analysis } from '../analyze/pipeline.js';
import type { AnalysisResult } from '../analyze/result.js';
import type { RingLocation, RingWriter } from '../capture/ring.js';
import type { CaptureInfo } from '../capture/types.js';
import { IKEV2_PAYLOAD } from '../ike/constants.js';
import { parseIkeHeader } from '../ike/header.js';
import type { KeySet } from '../keys/index.js';
import { findingMessage } from '../report/catalog.js';
import { type Lang, ui } from '../report/i18n.js';
import { summaryJson } from '../report/json.js';
import { liveFindingLine } from '../report/ndjson.js';
import { renderVerdict, severityTag } from '../report/text.js';
import type { Finding } from '../sa/findings.js';
import type { AhPacket, CapturedFrame, EspPacket, IcmpError, IkeDatagram, NatKeepalive } from '../types.js';
import { escapeForTerminal, formatTime } from '../util/format.js';

type Phase = 'open' | 'update' | 'close';

/** Frame ranges listed per text line before the rest is counted. */
const MAX_RANGES = 8;
/**
 * Maximum wait for the keys of an IKE message that arrived before them. charon
 * writes the keys of an IKE SA to its log before it sends the first encrypted
 * message, so a followed log usually has them at the first re-read.
 */
const KEY_WAIT_MS = 1000;
/** Milliseconds between key file re-reads while a message waits for its keys. */
const KEY_POLL_MS = 50;
/** Frames held back while waiting for keys, at most; past it the wait ends early. */
const MAX_HELD_FRAMES = 100_000;
const MAX_HELD_BYTES = 32 * 1024 * 1024;
/** IKE SAs remembered as having no keys after a wait, so that their later messages do not wait again. */
const MAX_KEYLESS_SAS = 4096;

export const WORDS: Record<Lang, Record<Phase | 'suspected' | 'retracted' | 'confirmed' | 'unconfirmed' | 'ring' | 'frames' | 'defaultFilter', string>> = {
  en: {
    open: 'open',
    update: 'update',
    close: 'close',
    suspected: 'suspected',
    retracted: 'retracted: the receiver answered again',
    confirmed: 'confirmed: see the spi-lost finding of these packets',
    unconfirmed: 'neither confirmed nor retracted when the capture stopped',
    ring: 'ring',
    frames: 'frames',
    defaultFilter: 'default: IKE, ESP, AH, NAT-T, TCP 4500, IP fragments, ICMP unreachable',
  },
  ja: {
    open: '開始',
    update: '更新',
    close: '終了',
    suspected: '疑い',
    retracted: '取り消し: 受信側が再び応答しました',
    confirmed: '確定: これらのパケットの spi-lost 所見を参照',
    unconfirmed: 'キャプチャ終了時点で確定も取り消しもされていません',
    ring: 'リング',
    frames: 'フレーム',
    defaultFilter: '既定: IKE、ESP、AH、NAT-T、TCP 4500、IP フラグメント、ICMP 到達不能',
  },
};

export interface LiveSessionOptions {
  lang: Lang;
  ndjson: boolean;
  /** Keys given with --keys; their files are re-read while the capture runs. */
  keys: KeySet | null;
  transientWindowSeconds: number;
  ring: RingWriter | null;
  out: NodeJS.WritableStream;
  /** Reports a problem that does not stop the capture (the ring could not be written). */
  warn: (message: string) => void;
  /** Receives an exception thrown while held packets were analysed from a timer, outside any frame() call. */
  onError: (error: unknown) => void;
}

/**
 * The analysis with a gate in front of its packet sink. While an encrypted IKE
 * message waits for its keys, it and every packet after it are held in
 * capture order. They are released once the keys are read or the wait ends.
 */
class GatedAnalysis extends Analysis {
  /** Decides whether an IKE datagram must wait for keys; null lets everything through. */
  gate: ((datagram: IkeDatagram) => boolean) | null = null;
  /** Deferred sink calls and frames, in capture order, while a message waits; null otherwise. */
  held: (() => void)[] | null = null;

  override ike(datagram: IkeDatagram): void {
    if (this.held) this.held.push(() => super.ike(datagram));
    else if (this.gate?.(datagram)) this.held = [() => super.ike(datagram)];
    else super.ike(datagram);
  }

  override esp(packet: EspPacket): void {
    if (this.held) this.held.push(() => super.esp(packet));
    else super.esp(packet);
  }

  override ah(packet: AhPacket): void {
    if (this.held) this.held.push(() => super.ah(packet));
    else super.ah(packet);
  }

  override keepalive(packet: NatKeepalive): void {
    if (this.held) this.held.push(() => super.keepalive(packet));
    else super.keepalive(packet);
  }

  override icmpError(packet: IcmpError): void {
    if (this.held) this.held.push(() => super.icmpError(packet));
    else super.icmpError(packet);
  }
}

/** Returns the IKE SA of an encrypted message as the key tables name it, or null for a message that is not encrypted. */
function encryptedIkeSa(datagram: IkeDatagram): { version: 1 | 2; initiatorSpi: string; responderSpi: string } | null {
  const parsed = parseIkeHeader(datagram.data);
  if (!parsed.ok) return null;
  const h = parsed.header;
  // IKEv2 encrypts with an SK or SKF payload first (RFC 7296 §3.14, RFC 7383); IKEv1 sets the E flag (RFC 2408 §3.1).
  const encrypted = parsed.version === 2 ? h.nextPayload === IKEV2_PAYLOAD.SK || h.nextPayload === IKEV2_PAYLOAD.SKF : (h.flags & 0x01) !== 0;
  return encrypted ? { version: parsed.version, initiatorSpi: h.initiatorSpi, responderSpi: h.responderSpi } : null;
}

/** Frames a finding gathered since it was last printed. */
interface PendingUpdate {
  finding: Finding;
  frames: [number, number][];
}

/**
 * One live analysis: frames in, finding lines out. The capture source (or a
 * test feeding generated frames) calls frame() for every frame and tick()
 * about once a second. finish() closes the analysis and prints the summary.
 * Memory stays bounded because the analysis streams (finding frame lists are
 * emptied after each report), IKE messages are not kept, and updates wait at
 * most one tick.
 */
export class LiveSession {
  private readonly analysis: GatedAnalysis;
  private readonly options: LiveSessionOptions;
  private ring: RingWriter | null;
  private readonly pending = new Map<string, PendingUpdate>();
  private readonly follower: KeyFollower | null;
  /** The IKE SA whose keys the held packets wait for, and since when (host clock, ms). */
  private waiting: { version: 1 | 2; initiatorSpi: string; responderSpi: string; since: number } | null = null;
  private waitTimer: NodeJS.Timeout | null = null;
  private heldFrames = 0;
  private heldBytes = 0;
  private readonly keyless = new Set<string>();
  /** Capture time of the latest frame (seconds), and the host's clock when it arrived (ms); null before the first. */
  private latestFrameTime: number | null = null;
  private latestFrameArrival = 0;

  constructor(options: LiveSessionOptions) {
    this.options = options;
    this.ring = options.ring;
    this.analysis = new GatedAnalysis({
      keys: options.keys,
      transientWindowSeconds: options.transientWindowSeconds,
      keepIkeMessages: false,
      streaming: true,
      onFinding: (f, phase) => this.onFinding(f, phase),
    });
    const keys = options.keys;
    const warnRereadFailed = (reason: string) => options.warn(ui(options.lang, 'keyRereadFailed', { reason }));
    this.follower = keys ? new KeyFollower(keys, () => this.checkWaitSafely(), warnRereadFailed) : null;
    if (keys) this.analysis.gate = (datagram) => this.mustWait(keys, datagram);
  }

  /** Writes the frame to the ring, then analyses it, or keeps it back while an earlier IKE message waits for keys. */
  frame(frame: CapturedFrame): void {
    this.latestFrameTime = frame.time.sec + frame.time.nsec / 1e9;
    this.latestFrameArrival = Date.now();
    if (this.ring) {
      try {
        this.ring.write(frame);
      } catch (error) {
        this.stopRing(error);
      }
    }
    const held = this.analysis.held;
    if (held === null) {
      this.analysis.frame(frame);
      return;
    }
    // The frame's bytes are a view the next packet overwrites: keep a copy.
    const copy: CapturedFrame = { ...frame, data: new Uint8Array(frame.data) };
    held.push(() => this.analysis.frame(copy));
    this.heldFrames += 1;
    this.heldBytes += copy.data.length;
    if (this.heldFrames > MAX_HELD_FRAMES || this.heldBytes > MAX_HELD_BYTES) this.endWait(true);
  }

  /**
   * Prints coalesced updates and reports the outages that are over by `now`
   * (seconds on the capture clock, by default captureClock()). Then writes
   * buffered ring data out and re-reads key files. Call about once a second.
   */
  tick(now: number | null = this.captureClock()): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      this.print(p.finding, 'update', p.frames);
    }
    // While packets wait for keys, the analysis lags behind the capture; it settles once they are fed.
    if (this.analysis.held === null && now !== null) this.analysis.settle(now);
    this.flushRing();
    this.follower?.request();
  }

  /** Releases held packets, ends the analysis, prints what is still pending and the summary; returns the result. */
  finish(info: CaptureInfo): AnalysisResult {
    this.follower?.stop();
    this.analysis.gate = null;
    this.endWait(false);
    const result = this.analysis.finish([info]);
    this.tick();
    this.ring?.close();
    this.printSummary(result);
    return result;
  }

  /**
   * Returns the capture clock now: the latest frame's time plus the host time
   * since it arrived. While the analysis lags behind the capture, frames keep
   * arriving, so the clock stays with the frames rather than running ahead of
   * packets still queued. Null before the first frame.
   */
  private captureClock(): number | null {
    if (this.latestFrameTime === null) return null;
    return this.latestFrameTime + (Date.now() - this.latestFrameArrival) / 1000;
  }

  /** True while packets are held back for the keys of an IKE message. */
  get waitingForKeys(): boolean {
    return this.analysis.held !== null;
  }

  /** Stops key re-reads and waits without finishing the analysis, after an internal error. */
  abandon(): void {
    this.follower?.stop();
    this.analysis.gate = null;
    this.analysis.held = null;
    if (this.waitTimer) clearInterval(this.waitTimer);
    this.waitTimer = null;
    this.ring?.close();
  }

  /** True when `datagram` is encrypted, no key for its IKE SA is loaded yet, and its SA has not already waited in vain. */
  private mustWait(keys: KeySet, datagram: IkeDatagram): boolean {
    const sa = encryptedIkeSa(datagram);
    if (sa === null || hasKeys(keys, sa)) return false;
    if (this.keyless.has(saKey(sa))) return false;
    this.waiting = { ...sa, since: Date.now() };
    this.heldFrames = 0;
    this.heldBytes = 0;
    this.follower?.request();
    this.waitTimer ??= setInterval(() => {
      this.follower?.request();
      this.checkWaitSafely();
    }, KEY_POLL_MS);
    return true;
  }

  private checkWaitSafely(): void {
    try {
      this.checkWait();
    } catch (error) {
      this.options.onError(error);
    }
  }

  /** Ends the wait when the keys arrived or the wait took too long. */
  private checkWait(): void {
    const waiting = this.waiting;
    if (waiting === null || !this.options.keys) return;
    if (hasKeys(this.options.keys, waiting)) this.endWait(false);
    else if (Date.now() - waiting.since >= KEY_WAIT_MS) this.endWait(true);
  }

  /** Feeds the held packets and frames to the analysis in capture order; a later message may start a new wait. */
  private endWait(keyless: boolean): void {
    const waiting = this.waiting;
    if (waiting && keyless) {
      if (this.keyless.size >= MAX_KEYLESS_SAS) this.keyless.delete(this.keyless.values().next().value!);
      this.keyless.add(saKey(waiting));
    }
    this.waiting = null;
    if (this.waitTimer) clearInterval(this.waitTimer);
    this.waitTimer = null;
    let held = this.analysis.held;
    this.analysis.held = null;
    while (held !== null && held.length > 0) {
      let i = 0;
      for (; i < held.length && this.analysis.held === null; i++) held[i]!();
      if (this.analysis.held === null) break;
      // A released message started a new wait: what was held behind it keeps waiting, in order.
      const next: (() => void)[] = this.analysis.held;
      next.push(...held.slice(i));
      held = null;
    }
  }

  private onFinding(f: Finding, phase: Phase): void {
    if (phase === 'update') {
      // The tracker reports every flagged packet; one line per finding and tick is enough to follow an outage.
      let p = this.pending.get(f.id);
      if (!p) {
        p = { finding: f, frames: [] };
        this.pending.set(f.id, p);
      }
      for (const ref of f.frames) p.frames.push(ref);
      return;
    }
    const waiting = this.pending.get(f.id);
    this.pending.delete(f.id);
    const frames = waiting ? [...waiting.frames, ...f.frames] : f.frames;
    // A finding may point into the file being written: write it out first so that it can be opened now.
    this.flushRing();
    this.print(f, phase, frames);
  }

  private print(f: Finding, phase: Phase, frames: [number, number][]): void {
    const locations = this.ring ? frames.map(([, n]) => this.ring!.locate(n)) : [];
    const line = this.options.ndjson ? this.ndjsonLine(f, phase, frames, locations) : this.textLine(f, phase, frames, locations);
    this.options.out.write(line + '\n');
  }

  private ndjsonLine(f: Finding, phase: Phase, frames: [number, number][], locations: (RingLocation | null)[]): string {
    const saved = f.frames;
    f.frames = frames;
    try {
      return liveFindingLine(f, phase, this.options.lang, ringJson(locations));
    } finally {
      f.frames = saved;
    }
  }

  private textLine(f: Finding, phase: Phase, frames: [number, number][], locations: (RingLocation | null)[]): string {
    const words = WORDS[this.options.lang];
    const at = phase === 'open' ? f.first : (f.last ?? f.first);
    const clock = at ? formatTime(at.time).slice(11, 23) : '--:--:--.---';
    const provisional = f.details.provisional === true;
    const tag = provisional ? ` (${words.suspected})` : '';
    let line = `${clock}  ${words[phase].padEnd(6)}  ${severityTag(f.severity, this.options.lang)} ${f.kind} ${f.id}${tag}: ${escapeForTerminal(findingMessage(f, this.options.lang))}`;
    if (provisional) {
      for (const outcome of ['retracted', 'confirmed', 'unconfirmed'] as const) if (f.details[outcome] === true) line += ` (${words[outcome]})`;
    }
    if (frames.length === 0) return line;
    if (!this.ring) return `${line}  [${words.frames} ${ranges(frames.map(([, n]) => n))}]`;
    const byFile = new Map<string, number[]>();
    for (const loc of locations) {
      if (!loc) continue;
      const list = byFile.get(loc.file) ?? [];
      list.push(loc.frame);
      byFile.set(loc.file, list);
    }
    const parts = [...byFile].map(([file, numbers]) => `${file} #${ranges(numbers)}`);
    return parts.length > 0 ? `${line}  [${words.ring} ${parts.join('; ')}]` : line;
  }

  private printSummary(result: AnalysisResult): void {
    if (this.options.ndjson) {
      this.options.out.write(JSON.stringify({ record: 'summary', ...summaryJson(result) }) + '\n');
      return;
    }
    this.options.out.write(renderVerdict(result, { lang: this.options.lang, maxFrames: 20, multipleInputs: false }));
  }

  private flushRing(): void {
    if (!this.ring) return;
    try {
      this.ring.flush();
    } catch (error) {
      this.stopRing(error);
    }
  }

  private stopRing(error: unknown): void {
    const ring = this.ring;
    this.ring = null;
    try {
      ring?.close();
    } catch {
      // The ring already failed; the first error is the one worth reporting.
    }
    this.options.warn(ui(this.options.lang, 'ringStopped', { reason: (error as Error).message }));
  }
}

/** Returns the ring part of an NDJSON finding line: the first packet's place, and every packet's place grouped by file. */
function ringJson(locations: (RingLocation | null)[]): (RingLocation & { files: { file: string; frames: number[] }[] }) | null {
  const first = locations.find((l) => l !== null);
  if (!first) return null;
  const files: { file: string; frames: number[] }[] = [];
  for (const loc of locations) {
    if (!loc) continue;
    const last = files[files.length - 1];
    if (last && last.file === loc.file) last.frames.push(loc.frame);
    else files.push({ file: loc.file, frames: [loc.frame] });
  }
  return { file: first.file, frame: first.frame, files };
}

/** "3-7, 9, 12-13", shortened after MAX_RANGES ranges. */
function ranges(numbers: number[]): string {
  const sorted = [...numbers].sort((a, b) => a - b);
  const parts: string[] = [];
  let start = sorted[0];
  let end = start;
  for (let i = 1; i <= sorted.length; i++) {
    const n = sorted[i];
    if (n !== undefined && end !== undefined && (n === end || n === end + 1)) {
      end = n;
      continue;
    }
    if (start !== undefined) parts.push(start === end ? String(start) : `${start}-${end}`);
    start = n;
    end = n;
  }
  if (parts.length <= MAX_RANGES) return parts.join(', ');
  return `${parts.slice(0, MAX_RANGES).join(', ')} ... (+${parts.length - MAX_RANGES})`;
}

function saKey(sa: { version: 1 | 2; initiatorSpi: string; responderSpi: string }): string {
  return sa.version === 1 ? `1:${sa.initiatorSpi}` : `2:${sa.initiatorSpi}/${sa.responderSpi}`;
}

function hasKeys(keys: KeySet, sa: { version: 1 | 2; initiatorSpi: string; responderSpi: string }): boolean {
  return sa.version === 1 ? keys.ikev1Keys(sa.initiatorSpi).length > 0 : keys.ikev2Keys(sa.initiatorSpi, sa.responderSpi).length > 0;
}

/**
 * Re-reads key files while the capture runs, so that IKE SAs set up during the
 * capture can be decrypted: every tick, and while an IKE message waits for its
 * keys. The decrypter looks keys up for every message, so a re-read takes
 * effect with the next message. One re-read runs at a time; a request during a
 * re-read runs after it.
 */
class KeyFollower {
  private running = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly keys: KeySet,
    private readonly onChanged: () => void,
    /** Receives the error message of a failed re-read. */
    private readonly warnRereadFailed: (reason: string) => void,
  ) {}

  request(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.run();
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(): Promise<void> {
    do {
      this.again = false;
      try {
        if ((await this.keys.refresh()) && !this.stopped) this.onChanged();
      } catch (error) {
        this.warnRereadFailed((error as Error).message);
      }
    } while (this.again && !this.stopped);
    this.running = false;
  }
}

