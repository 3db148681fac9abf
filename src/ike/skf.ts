// Reassembly of IKEv2 messages sent as Encrypted Fragment payloads (RFC
// 7383). Each fragment is decrypted on its own, and this collects the
// decrypted pieces of one message (same IKE SA, direction and message ID)
// until all of 1..Total Fragments are there. Fragments may arrive out of order or twice;
// a set with a higher Total Fragments replaces one with a lower total, because
// a sender that retransmits with a smaller fragment size sends more fragments
// (RFC 7383). Memory is bounded by a set count, a byte budget and a
// timeout in capture time.

/** One decrypted fragment. */
export interface FragmentPiece {
  number: number;
  total: number;
  /** The Next Payload field of the SKF payload: the first inner payload type, set in fragment 1 only. */
  firstInner: number;
  plaintext: Uint8Array;
}

/** Result of adding a fragment. */
export type FragmentOutcome =
  /** The fragment joined its set, which is still incomplete. */
  | { kind: 'added' }
  /** The fragment completed its set: the reassembled plaintext and its first payload type. */
  | { kind: 'complete'; firstInner: number; plaintext: Uint8Array; fragments: number }
  /** The same fragment number was already held, or the message was already reassembled. */
  | { kind: 'duplicate' }
  /** A set with a higher Total Fragments exists for this message; the fragment belongs to an older try. */
  | { kind: 'superseded' }
  /** Fragment Number 0, above Total Fragments, or a total of 0 (RFC 7383 §2.5). */
  | { kind: 'invalid' }
  /** The byte budget cannot hold the fragment even after dropping the oldest sets. */
  | { kind: 'over-limit' };

export interface ReassemblyLimits {
  /** Sets held at once; the oldest is dropped past it. */
  maxSets: number;
  /** Plaintext bytes held across all sets. */
  maxBytes: number;
  /** Capture seconds after its last fragment that an incomplete set is dropped. */
  timeoutSeconds: number;
}

export const DEFAULT_REASSEMBLY_LIMITS: ReassemblyLimits = {
  maxSets: 256,
  maxBytes: 8 * 1024 * 1024,
  timeoutSeconds: 30,
};

interface FragmentSet {
  total: number;
  pieces: Map<number, FragmentPiece>;
  bytes: number;
  lastSeen: number;
}

/** Completed messages remembered so that late duplicates do not start a new set. */
const MAX_COMPLETED = 1024;

export class SkfReassembler {
  private readonly sets = new Map<string, FragmentSet>();
  private readonly completed = new Map<string, number>();
  private bytes = 0;
  /** Incomplete sets dropped for age or limits, for the report. */
  dropped = 0;

  constructor(private readonly limits: ReassemblyLimits = DEFAULT_REASSEMBLY_LIMITS) {}

  /** Bytes of plaintext held now. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Sets being reassembled now. */
  get heldSets(): number {
    return this.sets.size;
  }

  /**
   * Adds a decrypted fragment of the message named by `key` (IKE SA,
   * direction, message ID) seen at capture time `now` (seconds).
   */
  add(key: string, piece: FragmentPiece, now: number): FragmentOutcome {
    this.expire(now);
    if (piece.total === 0 || piece.number === 0 || piece.number > piece.total) return { kind: 'invalid' };
    const completedTotal = this.completed.get(key);
    if (completedTotal !== undefined && piece.total <= completedTotal) return { kind: 'duplicate' };

    let set = this.sets.get(key);
    if (set && piece.total < set.total) return { kind: 'superseded' };
    if (set && piece.total > set.total) {
      this.drop(key);
      set = undefined;
    }
    if (set?.pieces.has(piece.number)) return { kind: 'duplicate' };
    if (piece.plaintext.length > this.limits.maxBytes) return { kind: 'over-limit' };

    if (!set) {
      set = { total: piece.total, pieces: new Map(), bytes: 0, lastSeen: now };
      this.sets.set(key, set);
    } else {
      // Map order is the eviction order: move the set to the newest end.
      this.sets.delete(key);
      this.sets.set(key, set);
    }
    set.pieces.set(piece.number, piece);
    set.bytes += piece.plaintext.length;
    set.lastSeen = now;
    this.bytes += piece.plaintext.length;
    this.enforceLimits(key);
    if (!this.sets.has(key)) return { kind: 'over-limit' };

    if (set.pieces.size < set.total) return { kind: 'added' };
    return this.complete(key, set);
  }

  /** Drops incomplete sets whose last fragment is older than the timeout; returns how many. */
  expire(now: number): number {
    let count = 0;
    for (const [key, set] of this.sets) {
      if (now - set.lastSeen <= this.limits.timeoutSeconds) continue;
      this.drop(key);
      this.dropped++;
      count++;
    }
    return count;
  }

  private complete(key: string, set: FragmentSet): FragmentOutcome {
    const plaintext = new Uint8Array(set.bytes);
    let offset = 0;
    for (let n = 1; n <= set.total; n++) {
      const piece = set.pieces.get(n)!;
      plaintext.set(piece.plaintext, offset);
      offset += piece.plaintext.length;
    }
    const firstInner = set.pieces.get(1)!.firstInner;
    this.drop(key);
    this.completed.set(key, set.total);
    if (this.completed.size > MAX_COMPLETED) this.completed.delete(this.completed.keys().next().value!);
    return { kind: 'complete', firstInner, plaintext, fragments: set.total };
  }

  private drop(key: string): void {
    const set = this.sets.get(key);
    if (!set) return;
    this.bytes -= set.bytes;
    this.sets.delete(key);
  }

  private enforceLimits(current: string): void {
    for (const key of this.sets.keys()) {
      if (this.sets.size <= this.limits.maxSets && this.bytes <= this.limits.maxBytes) return;
      if (key === current && this.sets.size === 1) {
        // The set being added to is the only one left and still too big.
        this.drop(key);
        this.dropped++;
        return;
      }
      if (key === current) continue;
      this.drop(key);
      this.dropped++;
    }
  }
}
