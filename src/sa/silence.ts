// Inference of SAs a receiver lost without anything on the wire saying so.
//
// When a receiver crashes, restarts or drops an SA silently, the sender keeps
// sending and the receiver stops answering: ESP goes on one way while the
// reverse direction falls silent. Per direction of a tunnel this keeps the
// run of packets sent since the receiver last sent anything (the packets that
// went unanswered) until either the receiver speaks again (the run was
// harmless) or evidence confirms the loss: an ICMP error from the receiver, IKE
// requests it does not answer, IKE answered while ESP is not, a fresh IKE SA,
// or a silence that lasts. The confirmed run's packets are `spi-lost`.

import type { FrameRef } from '../types.js';
import type { ChildSa } from './child-sa.js';
import type { Evidence } from './findings.js';

/** Packets of one SA inside a run, as parallel arrays to keep them compact. */
export class FrameList {
  inputs: number[] = [];
  frames: number[] = [];
  times: FrameRef[] = [];

  push(ref: FrameRef): void {
    this.inputs.push(ref.input);
    this.frames.push(ref.frame);
    this.times.push(ref);
  }

  get length(): number {
    return this.frames.length;
  }
}

/** Packets a run stores without growing its arrays; a run that grew past LARGE_RUN gets arrays of this size again when it ends. */
const RUN_CAPACITY = 16;
const LARGE_RUN = 4096;
/** Numbers kept per packet in SilenceRun.refs: input, frame, sec, nsec, digits. */
const STRIDE = 5;

/**
 * Packets sent from `sender` to `receiver` since the receiver last sent any
 * ESP or AH. The packets are kept as numbers, and each direction reuses one
 * run object from run to run (see Direction.startRun), so extending a run
 * builds no object per packet. Read what you need from a run; do not keep
 * the run itself.
 */
export class SilenceRun {
  packets = 0;
  readonly evidence: Evidence[] = [];
  /** Set when a provisional finding was raised for live output. */
  provisional = false;
  // Capture times of the first and the latest packet, read for every packet.
  private startSec = 0;
  private startNsec = 0;
  private lastSec = 0;
  private lastNsec = 0;
  /** The SA of every packet. Entries past `packets` are left from earlier runs and never read. */
  private sas: ChildSa[] = [];
  /** The frame reference of every packet, STRIDE numbers each. */
  private refs = new Float64Array(RUN_CAPACITY * STRIDE);

  /** Empties the run for reuse; arrays grown by a long run are given back. */
  reset(): void {
    if (this.sas.length > LARGE_RUN) {
      this.sas = [];
      this.refs = new Float64Array(RUN_CAPACITY * STRIDE);
    }
    this.packets = 0;
    if (this.evidence.length > 0) this.evidence.length = 0;
    this.provisional = false;
  }

  /** Adds a packet by its frame reference's numbers. */
  add(sa: ChildSa, input: number, frame: number, sec: number, nsec: number, digits: number): void {
    const i = this.packets;
    let at = i * STRIDE;
    if (at === this.refs.length) {
      const grown = new Float64Array(this.refs.length * 2);
      grown.set(this.refs);
      this.refs = grown;
    }
    const refs = this.refs;
    refs[at++] = input;
    refs[at++] = frame;
    refs[at++] = sec;
    refs[at++] = nsec;
    refs[at] = digits;
    if (i < this.sas.length) this.sas[i] = sa;
    else this.sas.push(sa);
    if (i === 0) {
      this.startSec = sec;
      this.startNsec = nsec;
    }
    this.lastSec = sec;
    this.lastNsec = nsec;
    this.packets = i + 1;
  }

  /** The first unanswered packet: a new object on every read. */
  get start(): FrameRef {
    return this.refAt(0);
  }

  /** The latest packet: a new object on every read. */
  get last(): FrameRef {
    return this.refAt(this.packets - 1);
  }

  /** Capture time of the first packet, in seconds. */
  get startSeconds(): number {
    return this.startSec + this.startNsec / 1e9;
  }

  /**
   * True when capture time sec.nsec is before the latest packet or more
   * than `limit` seconds after it (seconds as secondsBetween computes them).
   * It returns a boolean because V8 allocates a heap number for a
   * fractional result of a method it did not inline, and this runs for most
   * packets.
   */
  pausedBefore(sec: number, nsec: number, limit: number): boolean {
    const gap = sec - this.lastSec + (nsec - this.lastNsec) / 1e9;
    return gap < 0 || gap > limit;
  }

  /** True when the run lasts `limit` seconds or more, as `seconds` counts them. It returns a boolean for the reason given at pausedBefore. */
  lastsAtLeast(limit: number): boolean {
    return this.seconds >= limit;
  }

  /** Seconds from the first unanswered packet to the last one. */
  get seconds(): number {
    return this.lastSec - this.startSec + (this.lastNsec - this.startNsec) / 1e9;
  }

  /** The run's packets per SA, in the order each SA first appears: built on every read. */
  get bySa(): Map<ChildSa, FrameList> {
    return this.bySaFrom(0);
  }

  /** Index of the latest packet on `sa` in the run, or -1. */
  lastIndexOf(sa: ChildSa): number {
    for (let i = this.packets - 1; i >= 0; i--) if (this.sas[i] === sa) return i;
    return -1;
  }

  /** The run's packets from index `first` on, per SA: built on every call. */
  bySaFrom(first: number): Map<ChildSa, FrameList> {
    const bySa = new Map<ChildSa, FrameList>();
    for (let i = Math.max(0, first); i < this.packets; i++) {
      const sa = this.sas[i]!;
      let list = bySa.get(sa);
      if (!list) {
        list = new FrameList();
        bySa.set(sa, list);
      }
      list.push(this.refAt(i));
    }
    return bySa;
  }

  private refAt(i: number): FrameRef {
    const refs = this.refs;
    const at = i * STRIDE;
    return { input: refs[at]!, frame: refs[at + 1]! as FrameRef['frame'], time: { sec: refs[at + 2]!, nsec: refs[at + 3]!, digits: refs[at + 4]! } };
  }
}

/** A run longer than this is given up (one-way traffic that nobody answers); memory stays bounded. */
export const MAX_RUN_PACKETS = 50_000;

/** Thresholds for silence inference. */
export interface SilenceOptions {
  /** Unanswered packets before a silence counts as one. */
  minPackets: number;
  /** Seconds of silence before it counts. */
  minSeconds: number;
  /** A silence this long, with the sender still sending, confirms a loss on its own. */
  persistSeconds: number;
  /** The receiver must have sent ESP/AH within this many seconds before the run began for the silence to mean anything. */
  activeWithinSeconds: number;
}

export const DEFAULT_SILENCE: SilenceOptions = {
  minPackets: 3,
  minSeconds: 1,
  persistSeconds: 10,
  activeWithinSeconds: 10,
};

/** State of one direction of a tunnel: traffic from `sender` to `receiver`. */
export class Direction {
  /** True once the receiver sent any ESP/AH towards the sender; `reverseTime` is when it last did, in seconds. */
  reverseSeen = false;
  reverseTime = 0;
  run: SilenceRun | null = null;
  /**
   * The first packet since the receiver last sent, kept as numbers: most
   * packets are answered before a second one follows, and then no run object
   * is ever built.
   */
  pendingSa: ChildSa | null = null;
  pendingInput = 0;
  pendingFrame = 0;
  pendingSec = 0;
  pendingNsec = 0;
  pendingDigits = 0;
  /** IKE requests from sender to receiver that were retransmitted while the run was open. */
  unansweredRequests = 0;

  constructor(
    readonly sender: string,
    readonly receiver: string,
  ) {}

  /** Set when a run grew past MAX_RUN_PACKETS: stop collecting until the receiver speaks again. */
  overflowed = false;
  /** The run object this direction reuses (see SilenceRun). */
  private spareRun: SilenceRun | null = null;

  /**
   * True when the run is long enough to be a silence rather than the normal
   * gap between a request and its reply. A receiver that never sent anything
   * since the SA was installed counts only with `allowNeverAnswered`: one-way
   * traffic is normal on its own, so that case needs evidence from elsewhere.
   */
  isSilent(options: SilenceOptions, allowNeverAnswered = false): boolean {
    const run = this.run;
    if (!run) return false;
    if (run.packets < options.minPackets || !run.lastsAtLeast(options.minSeconds)) return false;
    if (!this.reverseSeen) return allowNeverAnswered;
    return run.startSeconds - this.reverseTime <= options.activeWithinSeconds;
  }

  /** Makes the pending first packet the start of a run, in the reused run object. */
  startRun(): SilenceRun {
    const run = this.spareRun ?? new SilenceRun();
    this.spareRun = run;
    run.reset();
    run.add(this.pendingSa!, this.pendingInput, this.pendingFrame, this.pendingSec, this.pendingNsec, this.pendingDigits);
    this.pendingSa = null;
    this.run = run;
    return run;
  }
}
