// What a capture source gives the rest of the pipeline.

import type { CapturedFrame, Timestamp } from '../types.js';

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

/** An open capture: frames come in batches so the per-frame cost stays low. */
export interface CaptureSource {
  readonly info: CaptureInfo;
  /**
   * Returns the next batch of frames in file order, or null at the end. The
   * frames' data views stay valid until the following call.
   */
  next(): Promise<CapturedFrame[] | null>;
  /** Problems found so far; the reader moves past them and keeps going. */
  readonly problems: CaptureProblem[];
  close(): Promise<void>;
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
