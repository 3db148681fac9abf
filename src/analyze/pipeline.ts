// The analysis pipeline: frames → decoder → (IKE parse, decrypt, exchange
// pairing, tracker events) and (ESP/AH, ICMP errors → SA tracker) → result.
// Files and live capture feed the same Analysis; only the source differs.

import { stat } from 'node:fs/promises';
import { openCaptures, STDIN_PATH } from '../capture/index.js';
import type { CaptureInfo, CaptureSource } from '../capture/types.js';
import { adoptEarly, type DecodedRecordVisitor, WORKER_THRESHOLD, WorkerCapture } from '../capture/worker-capture.js';
import { Decoder } from '../decode/decoder.js';
import type { EspRecord } from '../decode/fast-path.js';
import type { PacketSink } from '../decode/types.js';
import type { KeySet } from '../keys/index.js';
import type { Finding } from '../sa/findings.js';
import { SaTracker, type TrackerOptions } from '../sa/tracker.js';
import type { AhPacket, Anomaly, CapturedFrame, EspPacket, FrameNumber, IcmpError, IkeDatagram, NatKeepalive } from '../types.js';
import { IkeStage } from './ike-stage.js';
import type { AnalysisCounts, AnalysisResult } from './result.js';
import type { IkeMessage } from '../ike/types.js';

export interface AnalyzeOptions {
  keys: KeySet | null;
  transientWindowSeconds: number;
  /** Keep a summary of every IKE message for the report (off for long live captures). */
  keepIkeMessages: boolean;
  /** Also keep every parsed IKE message, for the --ike payload trees. */
  keepParsedIkeMessages: boolean;
  /**
   * Anomalies kept in full; later ones are only counted. The problems of the
   * capture files themselves are always kept: the readers bound them per file.
   */
  maxAnomalies: number;
  onFinding?: TrackerOptions['onFinding'];
  /** Live capture: findings carry only the frames added since they were last reported (see TrackerOptions.streaming). */
  streaming?: boolean;
  onIkeMessage?: (msg: IkeMessage) => void;
  onAnomaly?: (anomaly: Anomaly) => void;
}

export const DEFAULT_ANALYZE_OPTIONS: AnalyzeOptions = {
  keys: null,
  transientWindowSeconds: 2,
  keepIkeMessages: true,
  keepParsedIkeMessages: false,
  maxAnomalies: 10_000,
};

/** A capture source that can hand its records over without building frames. */
type ScannableSource = CaptureSource & Required<Pick<CaptureSource, 'scan'>>;

/** Options for the way analyzeFiles reads its input. */
export interface FileReadOptions {
  /**
   * A single capture file of at least this many bytes, uncompressed, is read
   * in a worker thread (src/capture/worker-capture.ts); 0 reads every file
   * that way, Infinity none.
   */
  workerThreshold: number;
  /**
   * Batches this thread reads at most before it waits for the worker thread
   * to take over, which it does as soon as the thread is ready. By default
   * (0), the thread reads the whole file. On two cores, reading here while
   * the thread starts slowed its start by more than it saved.
   */
  handOverAfter: number;
  /**
   * Called once the worker thread runs. Starting a thread resets the V8
   * flags set with v8.setFlagsFromString (seen on Node 20.20.2 with
   * --semi-space-growth-factor), so a caller that set one sets it again here.
   */
  onThreadStart: () => void;
}


function isScannable(source: CaptureSource): source is ScannableSource {
  return source.scan !== undefined;
}

/**
 * One analysis over a stream of frames in capture order, fed either frame by
 * frame (frame()) or record by record from a capture file (scan()).
 */
export class Analysis implements PacketSink, DecodedRecordVisitor {
  private readonly options: AnalyzeOptions;
  private readonly decoder: Decoder;
  readonly tracker: SaTracker;
  private readonly ikeStage: IkeStage;
  private readonly anomalies: Anomaly[] = [];
  private anomaliesDropped = 0;
  // The frame being decoded, as numbers, so that anomalies about it get its
  // time; the input is -1 before the first frame.
  private currentInput = -1;
  private currentFrame = 0;
  private currentSec = 0;
  private currentNsec = 0;
  private currentDigits = 0;
  /** The input whose records record() receives during scan(). */
  private scanInput = 0;
  /** False for a subclass with its own esp(), which espFlow() would bypass. */
  private readonly plainEsp: boolean;
  /** The source whose flow ids the decoder and the tracker know (see EspRecord.flow). */
  private flowSource: CaptureSource | null = null;
  readonly counts: AnalysisCounts = {
    frames: 0,
    espPackets: 0,
    ahPackets: 0,
    ikeMessages: 0,
    ikeDecrypted: 0,
    ikeUndecryptable: 0,
    keepalives: 0,
    icmpErrors: 0,
    notDecoded: {},
    anomalies: 0,
  };

  constructor(options: Partial<AnalyzeOptions> = {}) {
    this.options = { ...DEFAULT_ANALYZE_OPTIONS, ...options };
    this.plainEsp = this.esp === Analysis.prototype.esp;
    this.tracker = new SaTracker({
      transientWindowSeconds: this.options.transientWindowSeconds,
      streaming: this.options.streaming ?? false,
      ...(this.options.onFinding ? { onFinding: this.options.onFinding } : {}),
    });
    this.decoder = new Decoder(this);
    this.ikeStage = new IkeStage(this.options.keys, this.tracker, {
      keepMessages: this.options.keepIkeMessages,
      keepParsed: this.options.keepParsedIkeMessages,
      onMessage: this.options.onIkeMessage,
      onAnomaly: (a) => this.anomaly(a),
    });
  }

  /** Feeds one frame. Every packet reaches the sink methods as a fresh object, so a subclass may keep them. */
  frame(frame: CapturedFrame): void {
    this.counts.frames += 1;
    this.setCurrent(frame.input, frame.frame, frame.time.sec, frame.time.nsec, frame.time.digits);
    this.decoder.decode(frame);
  }

  /**
   * Feeds every record of `source`, input number `input`, through its scan
   * API. On this path ESP packets reach esp() as one reused object (see
   * PacketSink), so a subclass that keeps packets must feed frame() instead.
   */
  async scan(source: ScannableSource | WorkerCapture, input: number): Promise<void> {
    await this.scanUntil(source, input, () => false);
  }

  /**
   * Feeds records of `source` as scan() does until `stop`, called before
   * every batch, returns true. Resolves to true when records are left.
   */
  async scanUntil(source: ScannableSource | WorkerCapture, input: number, stop: () => boolean): Promise<boolean> {
    this.scanInput = input;
    if (source !== this.flowSource) {
      // Flow ids belong to the capture that gave them.
      this.flowSource = source;
      this.decoder.forgetFlows();
      this.tracker.forgetFlows();
    }
    for (;;) {
      if (stop()) return true;
      if (!(await source.scan(this))) return false;
    }
  }

  /** Feeds one record during scan(); see RecordVisitor. */
  record(buf: Uint8Array, start: number, caplen: number, origLength: number, sec: number, nsec: number, digits: number, frame: number, linkType: number): void {
    this.counts.frames += 1;
    const input = this.scanInput;
    this.setCurrent(input, frame, sec, nsec, digits);
    this.decoder.decodeRecord(input, buf, start, caplen, origLength, sec, nsec, digits, frame, linkType);
  }

  /** Feeds a later ESP packet of a flow, given as numbers, straight to the SA tracker, or returns false when it needs espRecord(); see DecodedRecordVisitor. */
  espFlow(flow: number, frame: number, sec: number, nsec: number, digits: number, seq: number, length: number): boolean {
    // A subclass with its own esp() must get every packet there, and pending
    // fragments must be expired at every frame. Both need espRecord().
    if (!this.plainEsp || this.decoder.fragmentsPending) return false;
    const input = this.scanInput;
    if (!this.tracker.flowPacket(flow, input, frame, sec, nsec, digits, seq, length)) return false;
    this.counts.frames += 1;
    this.counts.espPackets += 1;
    this.setCurrent(input, frame, sec, nsec, digits);
    return true;
  }

  /** Feeds one ESP packet that the reading thread decoded during scan(); see DecodedRecordVisitor. */
  espRecord(record: EspRecord): void {
    this.counts.frames += 1;
    const input = this.scanInput;
    this.setCurrent(input, record.frame, record.sec, record.nsec, record.digits);
    this.decoder.decodeEspRecord(input, record);
  }

  private setCurrent(input: number, frame: number, sec: number, nsec: number, digits: number): void {
    this.currentInput = input;
    this.currentFrame = frame;
    this.currentSec = sec;
    this.currentNsec = nsec;
    this.currentDigits = digits;
  }

  esp(packet: EspPacket): void {
    this.counts.espPackets += 1;
    this.tracker.packet(packet);
  }

  ah(packet: AhPacket): void {
    this.counts.ahPackets += 1;
    this.tracker.packet(packet);
  }

  ike(datagram: IkeDatagram): void {
    this.counts.ikeMessages += 1;
    try {
      this.ikeStage.datagram(datagram);
    } catch (error) {
      // The backstop: a bug in the IKE stages must not end the analysis; it is recorded with its frame.
      this.anomaly({ input: datagram.ref.input, frame: datagram.ref.frame, layer: 'ike', reason: `internal error: ${(error as Error).message}`, cause: 'internal' });
    }
  }

  keepalive(_packet: NatKeepalive): void {
    this.counts.keepalives += 1;
  }

  icmpError(packet: IcmpError): void {
    this.counts.icmpErrors += 1;
    this.tracker.icmpError(packet);
  }

  anomaly(anomaly: Anomaly, alwaysListed = false): void {
    this.counts.anomalies += 1;
    if (!anomaly.time && this.currentInput === anomaly.input && this.currentFrame === anomaly.frame) {
      anomaly.time = { sec: this.currentSec, nsec: this.currentNsec, digits: this.currentDigits };
    }
    if (alwaysListed || this.anomalies.length < this.options.maxAnomalies) this.anomalies.push(anomaly);
    else this.anomaliesDropped += 1;
    this.options.onAnomaly?.(anomaly);
  }

  notDecoded(_frame: CapturedFrame, reason: string): void {
    this.counts.notDecoded[reason] = (this.counts.notDecoded[reason] ?? 0) + 1;
  }

  /**
   * Records the problems of capture file `input` itself (a cut last record, a
   * bad block, data after the gzip stream). They are listed past maxAnomalies,
   * because one of them can mean that the rest of the file was not read.
   */
  captureProblems(source: CaptureSource, input: number): void {
    for (const p of source.problems) {
      this.anomaly({ input, frame: p.frame as FrameNumber, layer: p.layer, reason: p.reason, cause: p.cause, ...(p.offset !== undefined ? { offset: p.offset } : {}) }, true);
    }
  }

  /**
   * Live capture: reports the outages that are over by `now` (seconds on the
   * capture clock) or by the latest frame's time if that is later (SaTracker.settle).
   */
  settle(now: number): void {
    if (this.currentInput >= 0) this.tracker.settle(Math.max(now, this.currentSec + this.currentNsec / 1e9));
  }

  /** Ends the input: flushes reassembly, closes outages, builds the result. */
  finish(inputs: CaptureInfo[], sources: CaptureSource[] = []): AnalysisResult {
    sources.forEach((s, i) => this.captureProblems(s, i));
    this.decoder.flush();
    const ike = this.ikeStage.finish();
    this.counts.ikeDecrypted = ike.decrypted;
    this.counts.ikeUndecryptable = ike.undecryptable;
    const tracked = this.tracker.finish();
    return {
      inputs,
      counts: this.counts,
      ikeSas: ike.ikeSas,
      ikeDatagrams: ike.rows,
      childSas: tracked.childSas,
      tunnels: tracked.tunnels,
      findings: tracked.findings,
      ikeMessages: ike.messages,
      ikeParsed: ike.parsed,
      anomalies: this.anomalies,
      anomaliesDropped: this.anomaliesDropped,
      keys: this.options.keys ? { loaded: this.options.keys.loaded.map((l) => l.path), skipped: this.options.keys.skipped.map((s) => ({ path: s.path, reason: s.reason })) } : null,
    };
  }
}

/**
 * Reads capture files (merged by timestamp) and analyses them. A single file
 * is scanned record by record, and most of a large one is read in a worker
 * thread (see FileReadOptions). Several files go through the merge as frames.
 */
export async function analyzeFiles(paths: string[], options: Partial<AnalyzeOptions> = {}, read: Partial<FileReadOptions> = {}): Promise<AnalysisResult> {
  const merged = await openCaptures(paths);
  const analysis = new Analysis(options);
  analysis.tracker.multipleInputs = paths.length > 1;
  const only = merged.inputs.length === 1 ? merged.inputs[0]! : null;
  let sources = merged.inputs;
  try {
    if (only !== null && isScannable(only)) {
      const inWorker = await readsInWorker(paths[0]!, only, read.workerThreshold ?? WORKER_THRESHOLD);
      const started = await adoptEarly(paths[0]!);
      if (started !== null && !inWorker) await started.close();
      if (started !== null && inWorker && read.onThreadStart !== undefined) started.whenOnline(read.onThreadStart);
      const worker = inWorker ? (started ?? new WorkerCapture(paths[0]!, read.onThreadStart)) : null;
      try {
        // The thread goes on from where this one stopped.
        const handOverAfter = read.handOverAfter ?? 0;
        let batches = 0;
        const more = await analysis.scanUntil(only, 0, () => worker !== null && (worker.ready || batches++ >= handOverAfter));
        // A thread that fails to start leaves the file to this one, which meets any fault of the file itself.
        const started = worker !== null && more && (await worker.whenReady().then(() => true, () => false));
        const position = started ? (only.suspend?.() ?? null) : null;
        if (worker !== null && position !== null) {
          await merged.close();
          worker.start(position);
          sources = [worker];
          await analysis.scan(worker, 0);
        } else if (more) {
          await analysis.scan(only, 0);
        }
      } finally {
        await worker?.close();
      }
    } else {
      for (;;) {
        const batch = await merged.next();
        if (batch === null) break;
        for (let i = 0; i < batch.length; i++) analysis.frame(batch[i]!);
      }
    }
  } finally {
    await merged.close();
  }
  return analysis.finish(
    sources.map((s) => s.info),
    sources,
  );
}

/** True for an uncompressed regular file of at least `threshold` bytes, which a worker thread reads. */
async function readsInWorker(path: string, source: CaptureSource, threshold: number): Promise<boolean> {
  if (path === STDIN_PATH || source.info.compressed || !isScannable(source) || !Number.isFinite(threshold)) return false;
  // The file is open already, so a path that has gone since is read through that handle, in this thread.
  const info = await stat(path).catch(() => null);
  return info !== null && info.isFile() && info.size >= threshold;
}

export type { Finding };
