// Classic pcap files (draft-ietf-opsawg-pcap): a 24-byte file header, then
// records of a 16-byte header and the captured bytes. The magic gives the
// byte order and the timestamp unit (microseconds or nanoseconds). The
// "modified" variant (magic 0xa1b2cd34) adds interface index, protocol and
// packet type to each record header, 24 bytes in all.
//
// Patched libpcaps of some distributions wrote longer record headers behind
// the same magics. Red Hat 6.1 wrote 24 bytes and Nokia IPSO 20 behind the
// standard magic, and SuSE 6.3 wrote 28 behind the modified one. editcap -F
// rh6_1pcap, nokiapcap and suse6_3pcap write them, and tshark 4.0 reads them.
// The file header does not tell them apart, so the first records decide.

import { ChunkedReader, MAX_RECORD_BYTES } from './chunked.js';
import { PCAP_MAGICS } from './detect.js';
import type { ByteInput } from './input.js';
import { CaptureFormatError, type PcapngReaderState, type PcapReaderState, type RecordVisitor } from './types.js';

const FILE_HEADER_LENGTH = 24;

/** Record header lengths to try behind each magic, the usual one first. */
const STANDARD_HEADER_LENGTHS = [16, 24, 20];
const MODIFIED_HEADER_LENGTHS = [24, 28];
const NANOSECOND_HEADER_LENGTHS = [16];

/**
 * Record headers that must be plausible: two for the usual length, and more
 * for another, so that a corrupt record early in a usual file does not make
 * the reader take a shifted layout.
 */
const USUAL_HEADERS_CHECKED = 2;
const OTHER_HEADERS_CHECKED = 6;

// The link type field's upper bits carry FCS information (draft-ietf-opsawg-pcap
// §4, "LinkType and additional information"); the type itself is the low 26 bits.
const LINK_TYPE_MASK = 0x03ffffff;

export class PcapReader extends ChunkedReader {
  private readonly littleEndian: boolean;
  private readonly nanosecond: boolean;
  /** The record header length in use, or 0 until the first records have decided it. */
  private recordHeaderLength = 0;
  private readonly headerLengths: number[];
  private snaplen = 0;
  private linkType = 0;
  private reportedOverSnaplen = false;
  private reportedFraction = false;

  constructor(input: ByteInput, head: Uint8Array, inputIndex: number, path: string, compressed: boolean) {
    super(input, head, inputIndex, path, 'pcap', compressed);
    const magic = this.view.getUint32(0, false);
    this.littleEndian = magic === PCAP_MAGICS.microLittle || magic === PCAP_MAGICS.nanoLittle || magic === PCAP_MAGICS.modifiedLittle;
    this.nanosecond = magic === PCAP_MAGICS.nanoBig || magic === PCAP_MAGICS.nanoLittle;
    const modified = magic === PCAP_MAGICS.modifiedBig || magic === PCAP_MAGICS.modifiedLittle;
    if (modified) this.headerLengths = MODIFIED_HEADER_LENGTHS;
    else if (this.nanosecond) this.headerLengths = NANOSECOND_HEADER_LENGTHS;
    else this.headerLengths = STANDARD_HEADER_LENGTHS;
    if (this.headerLengths.length === 1) this.recordHeaderLength = this.headerLengths[0]!;
    if (this.end < FILE_HEADER_LENGTH) {
      this.recordHeaderLength = this.headerLengths[0]!;
      this.problem(1, `pcap file header cut short (${this.end} of ${FILE_HEADER_LENGTH} bytes)`, 'truncated', 0);
      this.stopped = true;
      return;
    }
    this.readFileHeader(path);
  }

  private readFileHeader(path: string): void {
    const dv = this.view;
    const le = this.littleEndian;
    const versionMajor = dv.getUint16(4, le);
    const versionMinor = dv.getUint16(6, le);
    // thiszone (offset 8) is always 0 in practice and libpcap ignores it; so do we.
    this.snaplen = dv.getUint32(16, le);
    this.linkType = dv.getUint32(20, le) & LINK_TYPE_MASK;
    if (versionMajor !== 2) {
      throw new CaptureFormatError(path, `pcap version ${versionMajor}.${versionMinor}, where only 2.x is defined`);
    }
    this.addLinkType(this.linkType);
    this.pos = FILE_HEADER_LENGTH;
  }

  protected walk(visitor: RecordVisitor): number {
    if (this.recordHeaderLength === 0) {
      this.recordHeaderLength = this.chooseHeaderLength();
      if (this.recordHeaderLength === 0) return 0;
    }
    const buf = this.buf;
    const dv = this.view;
    const le = this.littleEndian;
    const headerLength = this.recordHeaderLength;
    const end = this.end;
    const linkType = this.linkType;
    const snaplen = this.snaplen;
    const digits = this.nanosecond ? 9 : 6;
    const fractionLimit = this.nanosecond ? 1e9 : 1e6;
    const fractionScale = this.nanosecond ? 1 : 1000;
    let frame = this.lastNumber;
    let p = this.pos;
    let count = 0;
    let firstSec = 0;
    let firstNsec = 0;
    let lastSec = 0;
    let lastNsec = 0;

    try {
      while (end - p >= headerLength) {
        let sec = dv.getUint32(p, le);
        let fraction = dv.getUint32(p + 4, le);
        const caplen = dv.getUint32(p + 8, le);
        const origLength = dv.getUint32(p + 12, le);
        if (caplen > MAX_RECORD_BYTES) {
          this.stop(frame + 1, `record ${frame + 1} claims ${caplen} captured bytes`, this.offsetOf(p));
          break;
        }
        const dataStart = p + headerLength;
        if (end - dataStart < caplen) {
          this.need = headerLength + caplen;
          break;
        }
        if (caplen > snaplen && snaplen !== 0 && !this.reportedOverSnaplen) {
          this.reportedOverSnaplen = true;
          this.problem(frame + 1, `captured length ${caplen} exceeds the file's snaplen ${snaplen} (reported once per file)`, 'malformed', this.offsetOf(p));
        }
        if (fraction >= fractionLimit) {
          if (!this.reportedFraction) {
            this.reportedFraction = true;
            this.problem(frame + 1, `timestamp fraction ${fraction} is not below ${fractionLimit}; carried into the seconds (reported once per file)`, 'malformed', this.offsetOf(p));
          }
          sec += Math.floor(fraction / fractionLimit);
          fraction %= fractionLimit;
        }
        const nsec = fraction * fractionScale;
        frame++;
        if (count === 0) {
          firstSec = sec;
          firstNsec = nsec;
        }
        count++;
        lastSec = sec;
        lastNsec = nsec;
        // The position moves past the record before the visitor is called, so
        // a visitor that throws leaves the reader after that record.
        p = dataStart + caplen;
        visitor.record(buf, dataStart, caplen, origLength, sec, nsec, digits, frame, linkType);
      }
    } finally {
      this.pos = p;
      this.lastNumber = frame;
      if (count > 0) this.delivered(count, firstSec, firstNsec, digits, lastSec, lastNsec, digits);
    }
    return count;
  }

  /**
   * Returns the first record header length, in order of preference, under
   * which the first record headers are plausible (judgeHeaderLength). A
   * length is tried only when those before it are implausible. Falls back to
   * the usual length when none is plausible, or when the input ends before a
   * length can be judged (a cut file). Returns 0 and sets `need` when more
   * bytes are coming.
   */
  private chooseHeaderLength(): number {
    for (const length of this.headerLengths) {
      const verdict = this.judgeHeaderLength(length, length === this.headerLengths[0] ? USUAL_HEADERS_CHECKED : OTHER_HEADERS_CHECKED);
      if (verdict === 'plausible') return length;
      if (verdict === 'implausible') continue;
      if (this.eof) break;
      this.need = verdict;
      return 0;
    }
    return this.headerLengths[0]!;
  }

  /**
   * Judges a record header length by the first `headers` record headers, or
   * as many as there are before a clean end of the input. Returns the bytes
   * from pos it needs when the buffer contains fewer.
   */
  private judgeHeaderLength(length: number, headers: number): 'plausible' | 'implausible' | number {
    const dv = this.view;
    const le = this.littleEndian;
    const fractionLimit = this.nanosecond ? 1e9 : 1e6;
    let p = this.pos;
    for (let record = 1; record <= headers; record++) {
      if (this.end - p < length) {
        if (record > 1 && this.eof && p === this.end) return 'plausible';
        return p - this.pos + length;
      }
      const fraction = dv.getUint32(p + 4, le);
      const caplen = dv.getUint32(p + 8, le);
      const origLength = dv.getUint32(p + 12, le);
      // A plausible header has a sub-second part below one second and a captured length within the original.
      if (fraction >= fractionLimit || caplen > MAX_RECORD_BYTES || caplen > origLength) return 'implausible';
      p += length + caplen;
    }
    return 'plausible';
  }

  protected formatState(): PcapReaderState {
    return { kind: 'pcap', recordHeaderLength: this.recordHeaderLength, reportedOverSnaplen: this.reportedOverSnaplen, reportedFraction: this.reportedFraction };
  }

  protected restoreFormatState(state: PcapReaderState | PcapngReaderState): void {
    if (state.kind !== 'pcap') throw new Error(`${this.info.path}: a pcap reader cannot go on from a ${state.kind} reader`);
    this.recordHeaderLength = state.recordHeaderLength;
    this.reportedOverSnaplen = state.reportedOverSnaplen;
    this.reportedFraction = state.reportedFraction;
  }

  protected describeCut(): string {
    const left = this.end - this.pos;
    const record = this.lastNumber + 1;
    if (left < this.recordHeaderLength) return `record ${record} header cut short (${left} of ${this.recordHeaderLength} bytes)`;
    const caplen = this.view.getUint32(this.pos + 8, this.littleEndian);
    return `record ${record} data cut short (${left - this.recordHeaderLength} of ${caplen} bytes)`;
  }
}
