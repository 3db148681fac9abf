// The batches a reading thread (scan-worker.ts) hands to the analysing one
// (worker-capture.ts): shared slots of memory, each containing a run of
// records in file order. An ESP packet that the decoder's fast path takes is
// written as its fields, in full for the first packet of its flow
// (flow-table.ts) and as the flow's id and the packet's own fields after
// that. Every other record is written as its header fields and a copy of its
// bytes. A slot belongs to one thread at a time: the reader
// fills a free slot, marks it full and posts its number, then the analyser
// reads it, marks it free and wakes the reader. A fixed number of slots
// bounds the memory and makes the reader wait when the analyser falls behind.
//
// An entry is a run of 32-bit words, always an even number of them so that
// the capture time can sit in a 64-bit float:
//
//   word 0     kind | digits << 8 | udp << 16   (udp: ESP in UDP)
//   word 1     frame number
//   words 2-3  seconds, as a float64
//   word 4     nanoseconds
//   ESP over IPv4 (12 words):  5 SPI, 6 sequence number, 7 ESP length,
//              8 source port << 16 | destination port, 9 source, 10 destination,
//              11 flow id + 1, or 0 for a packet of no flow (the table is full)
//   ESP over IPv6 (18 words):  5-8 as for IPv4, 9-16 the 32 address bytes,
//              17 flow id + 1 or 0
//   ESP of a flow written before (8 words):  5 flow id, 6 sequence number,
//              7 ESP length
//   other record (8 words and the bytes, padded to 8):  5 captured length,
//              6 original length, 7 link type, bytes from word 8
//   large record (8 words):  as an other record, with the bytes in the
//              message that posts the slot, for a record too large for a slot

import type { CaptureInfo, CaptureProblem, ReaderPosition } from './types.js';

/** Entry kinds, in the low byte of an entry's first word. */
export const ENTRY_ESP4 = 1;
export const ENTRY_ESP6 = 2;
export const ENTRY_RECORD = 3;
export const ENTRY_LARGE = 4;
export const ENTRY_ESP_FLOW = 5;

export const ESP4_WORDS = 12;
export const ESP6_WORDS = 18;
export const ESP_FLOW_WORDS = 8;
export const RECORD_HEADER_WORDS = 8;

/** Words of an other record holding `caplen` bytes. */
export function recordWords(caplen: number): number {
  return RECORD_HEADER_WORDS + ((caplen + 7) >>> 3) * 2;
}

/**
 * Bytes per slot: about 5,500 ESP packets over IPv4 written in full, 8,000
 * of known flows. Four slots of 1 MiB measured as fast on the benchmark
 * capture and took 4 MiB more memory.
 */
export const SLOT_BYTES = 256 << 10;
export const SLOT_WORDS = SLOT_BYTES / 4;
/**
 * Slots in flight. With eight, `analyze` of the benchmark capture took 0.83
 * to 0.88 s, against 0.86 to 1.08 s with four (five runs each), and the
 * reading thread waited less for a free slot.
 */
export const SLOT_COUNT = 8;

/**
 * Words in the first batch at most. Each later batch may have twice as many
 * as the one before, up to SLOT_WORDS, so that the analysing thread starts early.
 */
export const FIRST_BATCH_WORDS = 2048;

/** Slot states. The state array contains one per slot, then the cancel flag, then the ready flag. */
export const SLOT_FREE = 0;
export const SLOT_FULL = 1;
/** Set by the analysing thread to stop the reading thread. */
export const CANCEL_INDEX = SLOT_COUNT;
/** Set by the reading thread once it has opened the file and waits for a start message. */
export const READY_INDEX = SLOT_COUNT + 1;
export const STATE_LENGTH = SLOT_COUNT + 2;

/** The data the analysing thread passes to the reading thread when it starts it. */
export interface ScanWorkerData {
  kind: 'spitrace-scan';
  path: string;
  /** SLOT_COUNT slots of SLOT_BYTES bytes. */
  slots: SharedArrayBuffer;
  /** Int32 elements: see SLOT_FREE. */
  state: SharedArrayBuffer;
}

/**
 * The message that starts the reading thread once it is ready. The
 * analysing thread reads the file until then and passes its reader's position.
 */
export type StartMessage = { type: 'start'; position: ReaderPosition };

/** An error the reading thread met, in a form that crosses threads. */
export interface ScanError {
  name: string;
  message: string;
  stack?: string;
  /** CaptureFormatError's fields. */
  path?: string;
  found?: string;
}

/** Messages from the reading thread, in file order. */
export type ScanMessage =
  | { type: 'ready' }
  | { type: 'batch'; slot: number; bytes: number; large?: ArrayBuffer }
  | { type: 'end'; info: CaptureInfo; problems: CaptureProblem[] }
  | { type: 'error'; error: ScanError };

/** Views of one slot. */
export interface SlotViews {
  words: Uint32Array;
  seconds: Float64Array;
  bytes: Uint8Array;
}

/** Returns the views of every slot in `slots`. */
export function slotViews(slots: SharedArrayBuffer): SlotViews[] {
  return Array.from({ length: SLOT_COUNT }, (_, i) => ({
    words: new Uint32Array(slots, i * SLOT_BYTES, SLOT_WORDS),
    seconds: new Float64Array(slots, i * SLOT_BYTES, SLOT_WORDS / 2),
    bytes: new Uint8Array(slots, i * SLOT_BYTES, SLOT_BYTES),
  }));
}
