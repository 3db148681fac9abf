// Classic pcap files (draft-ietf-opsawg-pcap): a 24-byte file header, then
// records of a 16-byte header and the captured bytes. The magic gives the
// byte order and the timestamp unit (microseconds or nanoseconds). The
// "modified" variant (magic 0xa1b2cd34) adds interface index, protocol and
// packet type to each record header, 24 bytes in all.

import { ChunkedReader, MAX_RECORD_BYTES } from './chunked.js';
import { PCAP_MAGICS } from './detect.js';
import type { ByteInput } from './input.js';
import { CaptureFormatError, type PcapngReaderState, type PcapReaderState, type RecordVisitor } from './types.js';

const FILE_HEADER_LENGTH = 24;

// The link type field's upper bits carry FCS information (draft-ietf-opsawg-pcap
// §4, "LinkType and additional information"); the type itself is the low 26 bits.
const LINK_TYPE_MASK = 0x03ffffff;

export class PcapReader extends ChunkedReader {
  private readonly littleEndian: boolean;
  private readonly nanosecond: boolean;
  private readonly recordHeaderLength: number;
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
    this.recordHeaderLength = modified ? 24 : 16;
    if (this.end < FILE_HEADER_LENGTH) {
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

  protected formatState(): PcapReaderState {
    return { kind: 'pcap', reportedOverSnaplen: this.reportedOverSnaplen, reportedFraction: this.reportedFraction };
  }

  protected restoreFormatState(state: PcapReaderState | PcapngReaderState): void {
    if (state.kind !== 'pcap') throw new Error(`${this.info.path}: a pcap reader cannot go on from a ${state.kind} reader`);
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
