// What a capture source gives the rest of the pipeline.

import type { CapturedFrame, Timestamp } from '../types.js';
import type { TimeResolution } from './pcapng-time.js';

export type CaptureFormat = 'pcap' | 'pcapng';

/** Facts about one input, filled in as it is read. */
export interface CaptureInfo {
  /** The path as given on the command line ("-" for standard input). */
  path: string;
  format: CaptureFormat;
  /** True when the file was gzip-compressed. */
  compressed: boolean;
  /** Link types seen: one per pcap file, one per pcapng interface (deduplicated). */
  linkTypes: { number: number; name: string }[];
  /** Frames read so far. */
  frames: number;
  first: Timestamp | null;
  last: Timestamp | null;
}

/** A problem in the capture file itself (a cut record, a bad block), reported as an anomaly. */
export interface CaptureProblem {
  /** The frame number the problem sits at (the next frame when it precedes any frame). */
  frame: number;
  layer: 'pcap' | 'pcapng' | 'gzip';
  reason: string;
  cause: 'truncated' | 'malformed';
  /** Byte offset in the (decompressed) file where the record or block starts, when known. */
  offset?: number;
}

/**
 * Receives the records of a capture one at a time, in file order, as plain
 * numbers: no object is built per record. The captured bytes are
 * buf[start, start + caplen) and stay valid only until the call returns.
 */
export interface RecordVisitor {
  /**
   * One record. `sec` and `nsec` are the capture time, `digits` its
   * sub-second precision (as in Timestamp), `frame` the 1-based frame number
   * and `linkType` the LINKTYPE_ number.
   */
  record(buf: Uint8Array, start: number, caplen: number, origLength: number, sec: number, nsec: number, digits: number, frame: number, linkType: number): void;
}

/** An open capture: frames come in batches so the per-frame cost stays low. */
export interface CaptureSource {
  readonly info: CaptureInfo;
  /**
   * Returns the next batch of frames in file order, or null at the end. The
   * frames' data views stay valid until the following call.
   */
  next(): Promise<CapturedFrame[] | null>;
  /**
   * Hands the next batch of records to `visitor`, synchronously and in file
   * order, and resolves to false once the input has ended. It reads the same
   * records as next() without building a CapturedFrame for each; a caller
   * uses one of the two for the whole input. The file readers provide it.
   */
  scan?(visitor: RecordVisitor): Promise<boolean>;
  /** Problems found so far; the reader moves past them and keeps going. */
  readonly problems: CaptureProblem[];
  /**
   * Between two scan() calls, stops the reader and returns its position, so
   * that a reader of the same file in another thread can go on from there
   * (see ChunkedReader.resume). Returns null, and leaves the reader as it
   * was, when the input cannot be read from an offset or has been read to
   * the end, or the reader has stopped. The file readers provide it.
   */
  suspend?(): ReaderPosition | null;
  close(): Promise<void>;
}

/**
 * The position of a reader between two batches: the file offset of the first
 * record it has not handed over, and everything it has counted so far. It is
 * plain data, so that it can cross threads.
 */
export interface ReaderPosition {
  offset: number;
  /** The last frame number given out. */
  lastNumber: number;
  /** Frames handed over. */
  frames: number;
  info: CaptureInfo;
  problems: CaptureProblem[];
  /** Problems past the listing limit, counted only. */
  droppedProblems: number;
  /** What the format reader has learnt from the records so far. */
  format: PcapReaderState | PcapngReaderState;
}

/** The state of a pcap reader beyond its file header. */
export interface PcapReaderState {
  kind: 'pcap';
  /** The record header length in use, or 0 before the first records decided it. */
  recordHeaderLength: number;
  reportedOverSnaplen: boolean;
  reportedFraction: boolean;
}

/** The state of a pcapng reader: its current section and interfaces, and the time of the last frame. */
export interface PcapngReaderState {
  kind: 'pcapng';
  littleEndian: boolean;
  section: number;
  interfaces: { linkType: number; snaplen: number; resolution: TimeResolution }[];
  lastSec: number;
  lastNsec: number;
  lastDigits: number;
}

/** Several captures read as one timeline. */
export interface MergedCapture {
  /** One source per path, in the order given; a frame's `input` indexes this array. */
  readonly inputs: CaptureSource[];
  /**
   * Returns the next frames of all inputs merged by timestamp, or null when
   * every input has ended. Ties keep input order, and each input keeps its
   * file order. The data views stay valid until the following call.
   */
  next(): Promise<CapturedFrame[] | null>;
  close(): Promise<void>;
}

/** The input is not a capture we can read (exit status 2). */
export class CaptureFormatError extends Error {
  constructor(
    readonly path: string,
    readonly found: string,
  ) {
    super(`${path}: not a pcap or pcapng capture (${found})`);
    this.name = 'CaptureFormatError';
  }
}
