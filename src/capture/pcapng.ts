// pcapng files (draft-ietf-opsawg-pcapng): a sequence of blocks, each
// "type, total length, body, total length again". A Section Header Block sets
// the byte order for its section and starts a fresh list of interfaces.
// Interface Description Blocks give each interface a link type, snaplen and
// timestamp resolution. Packets come in Enhanced (type 6), Simple (3) and
// obsolete Packet (2) blocks. Other blocks are skipped, though custom and
// systemd journal blocks still take a frame number as in Wireshark.

import { ChunkedReader, MAX_RECORD_BYTES } from './chunked.js';
import type { ByteInput } from './input.js';
import { decodeTsresol, MICROSECONDS, unitsToTime, type TimeResolution } from './pcapng-time.js';
import { CaptureFormatError, type PcapngReaderState, type PcapReaderState, type RecordVisitor } from './types.js';

const BLOCK_SHB = 0x0a0d0d0a;
const BLOCK_IDB = 1;
const BLOCK_PB = 2;
const BLOCK_SPB = 3;
const BLOCK_EPB = 6;
const BLOCK_SYSTEMD_JOURNAL = 9;
const BLOCK_CUSTOM_COPY = 0x00000bad;
const BLOCK_CUSTOM_NO_COPY = 0x40000bad;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;

const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

/** Smallest block: type, total length and the trailing length. */
const MIN_BLOCK = 12;

interface Interface {
  linkType: number;
  /** 0 means no limit. */
  snaplen: number;
  resolution: TimeResolution;
}

export class PcapngReader extends ChunkedReader {
  private littleEndian = true;
  private interfaces: Interface[] = [];
  private section = 0;
  /** Time of the last frame, which a Simple Packet Block takes as its own. */
  private lastSec = 0;
  private lastNsec = 0;
  private lastDigits = 6;

  constructor(input: ByteInput, head: Uint8Array, inputIndex: number, path: string, compressed: boolean) {
    super(input, head, inputIndex, path, 'pcapng', compressed);
    if (this.end < MIN_BLOCK) {
      this.problem(1, `section header block cut short (${this.end} of at least 28 bytes)`, 'truncated', 0);
      this.stopped = true;
      return;
    }
    const order = this.view.getUint32(8, false);
    if (order !== BYTE_ORDER_MAGIC && order !== BYTE_ORDER_MAGIC_SWAPPED) {
      throw new CaptureFormatError(path, `pcapng file with an invalid byte-order magic 0x${order.toString(16).padStart(8, '0')}`);
    }
    if (this.end >= 16) {
      const major = this.view.getUint16(12, order === BYTE_ORDER_MAGIC_SWAPPED);
      const minor = this.view.getUint16(14, order === BYTE_ORDER_MAGIC_SWAPPED);
      if (major !== 1) throw new CaptureFormatError(path, `pcapng version ${major}.${minor}, where only 1.x is defined`);
    }
  }

  protected walk(visitor: RecordVisitor): number {
    const buf = this.buf;
    const dv = this.view;
    const end = this.end;
    let number = this.lastNumber;
    let p = this.pos;
    let count = 0;
    let firstSec = 0;
    let firstNsec = 0;
    let firstDigits = 0;

    try {
      while (end - p >= 8) {
        let le = this.littleEndian;
        const type = dv.getUint32(p, le);
        if (type === BLOCK_SHB) {
          // A new section's length is in its own byte order, given after the length.
          if (end - p < MIN_BLOCK) break;
          const order = dv.getUint32(p + 8, false);
          if (order !== BYTE_ORDER_MAGIC && order !== BYTE_ORDER_MAGIC_SWAPPED) {
            this.stop(number + 1, `section header block with an invalid byte-order magic 0x${order.toString(16).padStart(8, '0')}`, this.offsetOf(p));
            break;
          }
          le = order === BYTE_ORDER_MAGIC_SWAPPED;
        }
        const total = dv.getUint32(p + 4, le);
        const frameNumber = number + 1;
        if (total < MIN_BLOCK || total % 4 !== 0 || total > MAX_RECORD_BYTES) {
          this.stop(frameNumber, `block of type 0x${type.toString(16)} has an invalid total length ${total}`, this.offsetOf(p));
          break;
        }
        if (end - p < total) {
          this.need = total;
          break;
        }
        const trailer = dv.getUint32(p + total - 4, le);
        if (trailer !== total) {
          // The leading length was plausible, so the reader trusts it and goes on.
          this.problem(frameNumber, `block of type 0x${type.toString(16)} ends with total length ${trailer}, not ${total}`, 'malformed', this.offsetOf(p));
        }

        // Packet blocks set these; every other block leaves caplen at -1.
        let caplen = -1;
        let dataStart = 0;
        let origLength = 0;
        let linkType = 0;
        switch (type) {
          case BLOCK_EPB: {
            if (total < 32) {
              this.problem(frameNumber, `enhanced packet block of ${total} bytes is shorter than its 32-byte minimum`, 'malformed', this.offsetOf(p));
              break;
            }
            const iface = this.interfaces[dv.getUint32(p + 8, le)];
            const captured = dv.getUint32(p + 20, le);
            if (iface === undefined) {
              this.problem(frameNumber, `enhanced packet block names interface ${dv.getUint32(p + 8, le)}, which this section does not describe`, 'malformed', this.offsetOf(p));
              break;
            }
            if (captured > total - 32) {
              this.problem(frameNumber, `enhanced packet block claims ${captured} captured bytes in a ${total}-byte block`, 'malformed', this.offsetOf(p));
              break;
            }
            const t = unitsToTime(dv.getUint32(p + 12, le), dv.getUint32(p + 16, le), iface.resolution);
            this.lastSec = t.sec;
            this.lastNsec = t.nsec;
            this.lastDigits = iface.resolution.digits;
            caplen = captured;
            dataStart = p + 28;
            origLength = dv.getUint32(p + 24, le);
            linkType = iface.linkType;
            break;
          }
          case BLOCK_SPB: {
            const iface = this.interfaces[0];
            if (iface === undefined || total < 16) {
              this.problem(frameNumber, iface === undefined ? 'simple packet block before any interface description' : `simple packet block of ${total} bytes is shorter than its 16-byte minimum`, 'malformed', this.offsetOf(p));
              break;
            }
            origLength = dv.getUint32(p + 8, le);
            // The captured length is implied: the original length cut to the
            // interface's snaplen, and never more than the block holds (§4.4).
            caplen = Math.min(origLength, total - 16);
            if (iface.snaplen !== 0) caplen = Math.min(caplen, iface.snaplen);
            // A Simple Packet Block has no timestamp. The frame takes the
            // previous frame's time so that a merged timeline keeps it in place.
            dataStart = p + 12;
            linkType = iface.linkType;
            break;
          }
          case BLOCK_PB: {
            if (total < 32) {
              this.problem(frameNumber, `packet block of ${total} bytes is shorter than its 32-byte minimum`, 'malformed', this.offsetOf(p));
              break;
            }
            const iface = this.interfaces[dv.getUint16(p + 8, le)];
            const captured = dv.getUint32(p + 20, le);
            if (iface === undefined || captured > total - 32) {
              this.problem(frameNumber, iface === undefined ? `packet block names interface ${dv.getUint16(p + 8, le)}, which this section does not describe` : `packet block claims ${captured} captured bytes in a ${total}-byte block`, 'malformed', this.offsetOf(p));
              break;
            }
            const t = unitsToTime(dv.getUint32(p + 12, le), dv.getUint32(p + 16, le), iface.resolution);
            this.lastSec = t.sec;
            this.lastNsec = t.nsec;
            this.lastDigits = iface.resolution.digits;
            caplen = captured;
            dataStart = p + 28;
            origLength = dv.getUint32(p + 24, le);
            linkType = iface.linkType;
            break;
          }
          case BLOCK_IDB:
            this.readInterface(p, total, frameNumber);
            break;
          case BLOCK_SHB:
            this.readSectionHeader(p, total, le, frameNumber);
            break;
          case BLOCK_SYSTEMD_JOURNAL:
          case BLOCK_CUSTOM_COPY:
          case BLOCK_CUSTOM_NO_COPY:
            // Wireshark shows these blocks as frames of their own, so they take
            // a frame number for the numbers to match, but carry no packet.
            number = frameNumber;
            break;
          default:
            // Name Resolution, Interface Statistics, Decryption Secrets and
            // unknown blocks carry nothing this tool uses.
            break;
        }
        p += total;
        if (caplen >= 0) {
          number = frameNumber;
          if (count === 0) {
            firstSec = this.lastSec;
            firstNsec = this.lastNsec;
            firstDigits = this.lastDigits;
          }
          count++;
          visitor.record(buf, dataStart, caplen, origLength, this.lastSec, this.lastNsec, this.lastDigits, frameNumber, linkType);
        }
        if (this.stopped) break;
      }
    } finally {
      this.pos = p;
      this.lastNumber = number;
      if (count > 0) this.delivered(count, firstSec, firstNsec, firstDigits, this.lastSec, this.lastNsec, this.lastDigits);
    }
    return count;
  }

  private readSectionHeader(p: number, total: number, le: boolean, frameNumber: number): void {
    if (total < 28) {
      this.stop(frameNumber, `section header block of ${total} bytes is shorter than its 28-byte minimum`, this.offsetOf(p));
      return;
    }
    const major = this.view.getUint16(p + 12, le);
    if (major !== 1) {
      this.stop(frameNumber, `section ${this.section + 1} has pcapng version ${major}.${this.view.getUint16(p + 14, le)}`, this.offsetOf(p));
      return;
    }
    this.littleEndian = le;
    this.interfaces = [];
    this.section++;
  }

  private readInterface(p: number, total: number, frameNumber: number): void {
    const dv = this.view;
    const le = this.littleEndian;
    if (total < 20) {
      this.problem(frameNumber, `interface description block of ${total} bytes is shorter than its 20-byte minimum`, 'malformed', this.offsetOf(p));
      return;
    }
    const linkType = dv.getUint16(p + 8, le);
    const snaplen = dv.getUint32(p + 12, le);
    let tsresol = 6;
    let offsetSeconds = 0;

    const optionsEnd = p + total - 4;
    let q = p + 16;
    while (optionsEnd - q >= 4) {
      const code = dv.getUint16(q, le);
      const length = dv.getUint16(q + 2, le);
      if (code === OPT_ENDOFOPT) break;
      if (optionsEnd - (q + 4) < length) {
        this.problem(frameNumber, `interface ${this.interfaces.length} option ${code} claims ${length} bytes past the end of its block`, 'malformed', this.offsetOf(q));
        break;
      }
      if (code === OPT_IF_TSRESOL && length >= 1) tsresol = this.buf[q + 4]!;
      if (code === OPT_IF_TSOFFSET && length >= 8) {
        const low = dv.getUint32(q + 4 + (le ? 0 : 4), le);
        const high = dv.getInt32(q + 4 + (le ? 4 : 0), le);
        offsetSeconds = high * 4294967296 + low;
      }
      q += 4 + ((length + 3) & ~3);
    }

    let resolution = decodeTsresol(tsresol, offsetSeconds);
    if (resolution === null) {
      this.problem(frameNumber, `interface ${this.interfaces.length} has an unusable if_tsresol 0x${tsresol.toString(16)}; microseconds assumed`, 'malformed', this.offsetOf(p));
      resolution = { ...MICROSECONDS, offsetSeconds };
    }
    this.interfaces.push({ linkType, snaplen, resolution });
    this.addLinkType(linkType);
  }

  protected formatState(): PcapngReaderState {
    return {
      kind: 'pcapng',
      littleEndian: this.littleEndian,
      section: this.section,
      interfaces: structuredClone(this.interfaces),
      lastSec: this.lastSec,
      lastNsec: this.lastNsec,
      lastDigits: this.lastDigits,
    };
  }

  protected restoreFormatState(state: PcapReaderState | PcapngReaderState): void {
    if (state.kind !== 'pcapng') throw new Error(`${this.info.path}: a pcapng reader cannot go on from a ${state.kind} reader`);
    this.littleEndian = state.littleEndian;
    this.section = state.section;
    this.interfaces = state.interfaces;
    this.lastSec = state.lastSec;
    this.lastNsec = state.lastNsec;
    this.lastDigits = state.lastDigits;
  }

  protected describeCut(): string {
    const left = this.end - this.pos;
    if (left < 8) return `block header cut short (${left} of 8 bytes)`;
    let le = this.littleEndian;
    const type = this.view.getUint32(this.pos, le);
    if (type === BLOCK_SHB && left >= 12) le = this.view.getUint32(this.pos + 8, false) === BYTE_ORDER_MAGIC_SWAPPED;
    const total = this.view.getUint32(this.pos + 4, le);
    return `block of type 0x${type.toString(16)} cut short (${left} of ${total} bytes)`;
  }
}
