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
import { secondsBetween } from '../util/format.js';
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

/** Packets sent from `sender` to `receiver` since the receiver last sent any ESP or AH. */
export class SilenceRun {
  readonly start: FrameRef;
  last: FrameRef;
  packets = 0;
  readonly bySa = new Map<ChildSa, FrameList>();
  readonly evidence: Evidence[] = [];
  /** Set when a provisional finding was raised for live output. */
  provisional = false;

  constructor(first: FrameRef) {
    this.start = first;
    this.last = first;
  }

  /** Adds a packet; `ref` must be a copy the run may keep. */
  add(sa: ChildSa, ref: FrameRef): void {
    let list = this.bySa.get(sa);
    if (!list) {
      list = new FrameList();
      this.bySa.set(sa, list);
    }
    list.push(ref);
    this.packets += 1;
    this.last = ref;
  }

  /** Seconds from the first unanswered packet to the last one. */
  get seconds(): number {
    return secondsBetween(this.start.time, this.last.time);
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

  /**
   * True when the run is long enough to be a silence rather than the normal
   * gap between a request and its reply. A receiver that never sent anything
   * since the SA was installed counts only with `allowNeverAnswered`: one-way
   * traffic is normal on its own, so that case needs evidence from elsewhere.
   */
  isSilent(options: SilenceOptions, allowNeverAnswered = false): boolean {
    const run = this.run;
    if (!run) return false;
    if (run.packets < options.minPackets || run.seconds < options.minSeconds) return false;
    if (!this.reverseSeen) return allowNeverAnswered;
    return run.start.time.sec + run.start.time.nsec / 1e9 - this.reverseTime <= options.activeWithinSeconds;
  }

  /** The pending first packet as a frame reference. */
  pendingRef(): FrameRef {
    return { input: this.pendingInput, frame: this.pendingFrame as FrameRef['frame'], time: { sec: this.pendingSec, nsec: this.pendingNsec, digits: this.pendingDigits } };
  }
}
