// Reassembly of IKEv1 messages sent in fragments (Cisco and Microsoft IKE
// fragmentation, payload 132). The sender cuts a whole ISAKMP message,
// header included, into pieces. It sends each piece in its own ISAKMP message
// with one fragment payload: fragment ID, fragment number from 1, and a
// last-fragment flag. Fragments may arrive out of order or twice. Memory is bounded by a
// set count, a fragment count per set, a byte budget and a timeout in capture
// time.

import type { IkeDatagram } from '../types.js';
import { fromHex } from '../util/bytes.js';
import type { Ikev1FragmentPayload, IkeMessage } from './types.js';

export interface V1FragmentLimits {
  /** Messages being reassembled at once; the oldest set is dropped past it. */
  maxSets: number;
  /** Highest fragment number accepted; the field is one byte, real senders use a handful. */
  maxFragments: number;
  /** Fragment bytes held across all sets. */
  maxBytes: number;
  /** Capture seconds after its last fragment that an incomplete set is dropped. */
  timeoutSeconds: number;
  /** Completed messages remembered so that late duplicates do not start a new set. */
  maxCompleted: number;
}

export const DEFAULT_V1_FRAGMENT_LIMITS: V1FragmentLimits = {
  maxSets: 64,
  maxFragments: 64,
  maxBytes: 4 * 1024 * 1024,
  timeoutSeconds: 30,
  maxCompleted: 256,
};

/** Outcome of adding a fragment. */
export type V1FragmentOutcome =
  /** The fragment joined its set, which is still incomplete. */
  | { kind: 'added' }
  /** The fragment completed its set: the whole original message, from its IKE header on. */
  | { kind: 'complete'; data: Uint8Array; fragments: number }
  /** That fragment number is already held, or its message was already reassembled. */
  | { kind: 'duplicate' }
  /** Fragment number 0 or above the limit, or a second last fragment with another number. */
  | { kind: 'invalid'; reason: string }
  /** The byte budget cannot hold the fragment even after dropping the other sets. */
  | { kind: 'over-limit' };

interface FragmentSet {
  pieces: Map<number, Uint8Array>;
  /** Number of the fragment flagged last, once seen. */
  last: number | null;
  bytes: number;
  lastSeen: number;
}

function fragmentPayload(msg: IkeMessage): Ikev1FragmentPayload | null {
  for (const p of msg.payloads) if (p.kind === 'v1-fragment') return p;
  return null;
}

/** Collects IKEv1 fragments by sender, cookies and fragment ID until a whole message is there. */
export class V1FragmentReassembler {
  private readonly limits: V1FragmentLimits;
  private readonly sets = new Map<string, FragmentSet>();
  private readonly completed = new Map<string, number>();
  private bytes = 0;

  constructor(limits: Partial<V1FragmentLimits> = {}) {
    this.limits = { ...DEFAULT_V1_FRAGMENT_LIMITS, ...limits };
  }

  /** Bytes held in incomplete sets. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Adds the fragment payload of `msg`; null when the message has none. */
  add(msg: IkeMessage): V1FragmentOutcome | null {
    const fragment = fragmentPayload(msg);
    if (!fragment) return null;
    const now = msg.ref.time.sec;
    this.expire(now);

    const key = `${msg.header.initiatorSpi}/${msg.header.responderSpi}/${msg.src.address}/${fragment.fragmentId}`;
    const number = fragment.fragmentNumber;
    if (number === 0 || number > this.limits.maxFragments) {
      return { kind: 'invalid', reason: `fragment number ${number} is outside 1-${this.limits.maxFragments}` };
    }
    if (this.completed.has(key)) return { kind: 'duplicate' };

    let set = this.sets.get(key);
    if (set?.pieces.has(number)) return { kind: 'duplicate' };
    if (set && fragment.last && set.last !== null && set.last !== number) {
      return { kind: 'invalid', reason: `fragment ${number} is flagged last, fragment ${set.last} was already` };
    }
    const data = fromHex(fragment.data) ?? new Uint8Array(0);
    if (!this.makeRoom(data.length, key)) return { kind: 'over-limit' };
    if (!set) {
      set = { pieces: new Map(), last: null, bytes: 0, lastSeen: now };
      this.sets.set(key, set);
      this.trimSets();
    }
    set.pieces.set(number, data);
    set.bytes += data.length;
    this.bytes += data.length;
    set.lastSeen = now;
    if (fragment.last) set.last = number;

    if (set.last === null || set.pieces.size < set.last) return { kind: 'added' };
    for (let n = 1; n <= set.last; n++) if (!set.pieces.has(n)) return { kind: 'added' };
    return this.complete(key, set, now);
  }

  private complete(key: string, set: FragmentSet, now: number): V1FragmentOutcome {
    const last = set.last!;
    const out = new Uint8Array(set.bytes);
    let at = 0;
    for (let n = 1; n <= last; n++) {
      const piece = set.pieces.get(n)!;
      out.set(piece, at);
      at += piece.length;
    }
    this.drop(key, set);
    this.completed.set(key, now);
    if (this.completed.size > this.limits.maxCompleted) this.completed.delete(this.completed.keys().next().value!);
    return { kind: 'complete', data: out.subarray(0, at), fragments: last };
  }

  private drop(key: string, set: FragmentSet): void {
    this.bytes -= set.bytes;
    this.sets.delete(key);
  }

  /** Drops sets and completed keys older than the timeout. */
  private expire(now: number): void {
    for (const [key, set] of this.sets) if (now - set.lastSeen > this.limits.timeoutSeconds) this.drop(key, set);
    for (const [key, when] of this.completed) if (now - when > this.limits.timeoutSeconds) this.completed.delete(key);
  }

  private trimSets(): void {
    while (this.sets.size > this.limits.maxSets) {
      const [key, set] = this.sets.entries().next().value!;
      this.drop(key, set);
    }
  }

  /** Drops the oldest other sets until `length` more bytes fit; false when they cannot. */
  private makeRoom(length: number, keep: string): boolean {
    if (length > this.limits.maxBytes) return false;
    for (const [key, set] of this.sets) {
      if (this.bytes + length <= this.limits.maxBytes) break;
      if (key !== keep) this.drop(key, set);
    }
    return this.bytes + length <= this.limits.maxBytes;
  }
}

/** Builds the datagram of a reassembled message for parseIkeMessage: the last fragment's frame and addresses, the whole message as data. */
export function reassembledDatagram(lastFragment: IkeDatagram, data: Uint8Array): IkeDatagram {
  return { ...lastFragment, data, missing: 0 };
}
