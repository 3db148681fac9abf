// One inbound SA of one receiver, keyed by (receiver, protocol, SPI), with
// the traffic seen on it. Memory per SA is constant: sequence numbers are
// tracked with a sliding window like the receiver's own anti-replay window
// (RFC 4303 §3.4.3), not stored one by one.

import type { Encapsulation, FrameRef, Spi } from '../types.js';
import { RecentCopies } from '../util/recent-copies.js';
import { snapshot } from '../util/ref.js';
import type { IkeSaId, IpsecProtocol } from './events.js';
import type { Outage } from './outages.js';
import type { Direction } from './silence.js';
import type { Tunnel } from './tunnel.js';

export { snapshot } from '../util/ref.js';

/** The tunnel and both directions an SA's packets belong to, for the sender they came from. */
export interface SaLinks {
  src: string;
  tunnel: Tunnel;
  /** Traffic from the sender to this SA's receiver. */
  forward: Direction;
  /** Traffic from the receiver back to the sender. */
  reverse: Direction;
}

export type ChildSaState =
  /** Offered in a request; the exchange has not completed. */
  | 'proposed'
  /** The exchange completed: the receiver has the SA. */
  | 'installed'
  /** Named in a Delete request that has not been answered yet; the receiver still accepts it. */
  | 'deleting'
  /** Removed by a Delete, the deletion of its IKE SA, or a failed negotiation. */
  | 'deleted'
  /** The receiver lost it with nothing on the wire saying so (inferred). */
  | 'lost'
  /** Seen in traffic only: its negotiation is not visible (encrypted without keys, or before the capture). */
  | 'observed'
  /** Seen in traffic while the receiver's negotiations were all visible, and never negotiated. */
  | 'never-installed';

export type DeletedBy = 'delete-notify' | 'ike-sa-deleted' | 'negotiation-failed' | 'initial-contact' | 'new-ike-sa' | 'lost' | 'invalid-spi';

const WINDOW = 1024;

/** Sequence-number bookkeeping for one SA: gaps, replays and reordering. */
export class SequenceWindow {
  first: number | null = null;
  highest = 0;
  /** Packets with a sequence number above the highest so far (the normal case). */
  inOrder = 0;
  /** Sequence numbers skipped so far and not filled by a late packet. */
  missing = 0;
  /** Times the sequence jumped forward by more than one. */
  gaps = 0;
  /** Packets whose sequence number was already seen (within the window). */
  replays = 0;
  /** Packets that arrived late but filled a gap. */
  reordered = 0;
  /** Packets older than the window: cannot say whether they were replays. */
  tooOld = 0;
  /** One bit per sequence number in (highest - WINDOW, highest], at index seq % WINDOW: set when that packet arrived. */
  private bits = new Uint32Array(WINDOW / 32);
  /**
   * Start of the run of consecutive sequence numbers that ends at `highest`.
   * The run's bits are written to `bits` only when it ends, so the usual
   * in-order packet touches no array; `bits` is exact below runStart.
   */
  private runStart = 0;

  /** Records one sequence number; returns true when it was a replay. */
  add(seq: number): boolean {
    if (this.first === null) {
      this.first = seq;
      this.highest = seq;
      this.runStart = seq;
      this.inOrder = 1;
      return false;
    }
    const highest = this.highest;
    if (seq === highest + 1) {
      this.highest = seq;
      this.inOrder += 1;
      return false;
    }
    if (seq > highest) {
      const jump = seq - highest;
      this.gaps += 1;
      this.missing += jump - 1;
      if (jump >= WINDOW) {
        this.bits.fill(0);
      } else {
        this.writeRun();
        for (let s = highest + 1; s < seq; s++) this.clearBit(s);
      }
      this.highest = seq;
      this.runStart = seq;
      this.inOrder += 1;
      return false;
    }
    if (highest - seq >= WINDOW) {
      this.tooOld += 1;
      return false;
    }
    if (seq >= this.runStart || this.getBit(seq)) {
      this.replays += 1;
      return true;
    }
    this.setBit(seq);
    this.reordered += 1;
    if (this.missing > 0) this.missing -= 1;
    return false;
  }

  /** Sets the bits of the current run that are still inside the window. */
  private writeRun(): void {
    for (let s = Math.max(this.runStart, this.highest - WINDOW + 1); s <= this.highest; s++) this.setBit(s);
  }

  // WINDOW is a power of two and sequence numbers are unsigned 32-bit, so
  // masking gives seq % WINDOW without a floating-point remainder.
  private setBit(seq: number): void {
    const i = seq & (WINDOW - 1);
    this.bits[i >>> 5]! |= 1 << (i & 31);
  }

  private clearBit(seq: number): void {
    const i = seq & (WINDOW - 1);
    this.bits[i >>> 5]! &= ~(1 << (i & 31));
  }

  private getBit(seq: number): boolean {
    const i = seq & (WINDOW - 1);
    return (this.bits[i >>> 5]! & (1 << (i & 31))) !== 0;
  }
}

/** Packets of an SA remembered to recognise a copy captured in another input. */
const RECENT_PACKETS = 16;

export class ChildSa {
  readonly key: string;
  state: ChildSaState;
  origin: 'negotiated' | 'observed';
  /** The peer that sends on this SA, once known. */
  sender: string | null = null;
  ikeSa: IkeSaId | null = null;
  proposed: FrameRef | null = null;
  negotiated: { at: FrameRef; exchange: string } | null = null;
  deleteRequested: FrameRef | null = null;
  deleted: { at: FrameRef; by: DeletedBy } | null = null;
  /** The inbound SA of the other direction of the same CHILD_SA. */
  pair: ChildSa | null = null;
  rekeyOf: ChildSa | null = null;
  replacedBy: ChildSa | null = null;
  lostAt: FrameRef | null = null;

  packets = 0;
  bytes = 0;
  /** Packets also seen in another input (counted once). */
  duplicates = 0;
  first: FrameRef | null = null;
  // The last packet, as numbers: this runs for every packet, and a copied object each time would cost more.
  private lastInput = 0;
  private lastFrame = 0;
  private lastSec = 0;
  private lastNsec = 0;
  private lastDigits = 0;
  lastSrc: string | null = null;
  /** Cached tunnel and directions for the last sender (see SaLinks). */
  links: SaLinks | null = null;
  /** The outage of failing packets on this SA that is still open. */
  openOutage: Outage | null = null;
  encapsulation: Encapsulation = 'none';
  /** UDP/TCP ports of the last encapsulated packet. */
  srcPort = 0;
  dstPort = 0;
  readonly seq = new SequenceWindow();
  /** Recent packets by sequence number, to recognise the same packet captured in two inputs. */
  private readonly recent = new RecentCopies(RECENT_PACKETS);
  /** Set once the unknown-origin or 0xFF info finding was raised for this SA. */
  notedOrigin = false;

  constructor(
    readonly receiver: string,
    readonly protocol: IpsecProtocol,
    readonly spi: Spi,
    state: ChildSaState,
  ) {
    this.key = childSaKey(receiver, protocol, spi);
    this.state = state;
    this.origin = state === 'observed' || state === 'never-installed' ? 'observed' : 'negotiated';
  }

  /** The last packet counted on this SA. */
  get last(): FrameRef | null {
    if (this.packets === 0) return null;
    return { input: this.lastInput, frame: this.lastFrame as FrameRef['frame'], time: { sec: this.lastSec, nsec: this.lastNsec, digits: this.lastDigits } };
  }

  /**
   * Counts one packet. Returns false when it is the same packet already
   * counted from another input (captured on both sides); that check runs only
   * when `multipleInputs` is set.
   */
  count(ref: FrameRef, src: string, seq: number, length: number, encapsulation: Encapsulation, srcPort: number, dstPort: number, multipleInputs: boolean): boolean {
    if (multipleInputs && this.recent.seenElsewhere(seq, ref.input, ref.time.sec + ref.time.nsec / 1e9)) {
      this.duplicates += 1;
      return false;
    }
    if (this.first === null) this.first = snapshot(ref);
    this.add(ref.input, ref.frame, ref.time.sec, ref.time.nsec, ref.time.digits, src, seq, length, encapsulation, srcPort, dstPort);
    return true;
  }

  /** Counts a packet given as numbers, once `first` is set. count() sets it first, and SaTracker.flowPacket takes only SAs that have it. */
  add(input: number, frame: number, sec: number, nsec: number, digits: number, src: string, seq: number, length: number, encapsulation: Encapsulation, srcPort: number, dstPort: number): void {
    this.packets += 1;
    this.bytes += length;
    this.lastInput = input;
    this.lastFrame = frame;
    this.lastSec = sec;
    this.lastNsec = nsec;
    this.lastDigits = digits;
    this.lastSrc = src;
    this.encapsulation = encapsulation;
    this.srcPort = srcPort;
    this.dstPort = dstPort;
    if (this.sender === null) this.sender = src;
    this.seq.add(seq);
  }

  /** True while the receiver accepts packets on it. */
  get accepting(): boolean {
    return this.state === 'installed' || this.state === 'deleting' || this.state === 'observed';
  }
}

export function childSaKey(receiver: string, protocol: IpsecProtocol, spi: number): string {
  return `${receiver}|${protocol}|${spi >>> 0}`;
}

/** Marks an SA removed at `at`, unless it is already deleted or lost. */
export function removeSa(sa: ChildSa, at: FrameRef, by: DeletedBy): void {
  if (sa.state === 'deleted' || sa.state === 'lost') return;
  sa.state = 'deleted';
  sa.deleted = { at, by };
}
