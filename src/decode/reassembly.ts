// IPv4 (RFC 791 §3.2) and IPv6 (RFC 8200 §4.5) fragment reassembly with
// bounded state.
//
// Overlap policy: the first bytes received win. A later fragment only fills
// the gaps it covers. Exact duplicates (a frame captured twice) are dropped
// quietly. Other overlaps are reported: for IPv4 when the overlapping bytes
// differ, for IPv6 always, because RFC 5722 forbids overlapping fragments.
// Time runs on capture timestamps, so a set expires fragmentTimeoutSeconds
// after its first fragment was captured.

import type { FrameNumber, Timestamp } from '../types.js';
import type { FrameContext } from './context.js';
import type { DecodeLimits } from './types.js';

/** Largest IP payload a fragment set may describe: the 16-bit length fields cap a datagram at 65535 bytes. */
const MAX_DATAGRAM_PAYLOAD = 65535;

/** One fragment as the IP decoders hand it over. */
export interface Fragment {
  layer: 'ipv4' | 'ipv6';
  /** Identifies the datagram: input, addresses, protocol (IPv4) and identification. */
  key: string;
  /** Fragment offset in bytes. */
  offset: number;
  more: boolean;
  /** The captured fragment data (a view; copied when kept). */
  data: Uint8Array;
  /** Fragment data length on the wire; above data.length when the capture cut the fragment. */
  wireLength: number;
  /** The protocol of the fragmentable part: from the IPv4 header, or the IPv6 Fragment header's Next Header. */
  protocol: number;
  /** Offset of the fragment in the frame, for anomaly records. */
  frameOffset: number;
}

/** Outcome of adding a fragment. */
export type FragmentResult =
  | { kind: 'complete'; data: Uint8Array; protocol: number }
  /** The datagram cannot be reassembled because the capture cut a fragment; this first fragment should be decoded on its own. */
  | { kind: 'decode-alone' }
  | { kind: 'held' };

const HELD: FragmentResult = { kind: 'held' };
const DECODE_ALONE: FragmentResult = { kind: 'decode-alone' };

interface Piece {
  offset: number;
  data: Uint8Array;
}

interface FragmentSet {
  layer: 'ipv4' | 'ipv6';
  first: { input: number; frame: FrameNumber };
  startSeconds: number;
  /** Non-overlapping pieces sorted by offset. */
  pieces: Piece[];
  bytes: number;
  /** Payload length once the last fragment (More Fragments clear) arrived, else -1. */
  totalLength: number;
  /** Protocol of the fragmentable part, taken from the first fragment (offset 0). */
  protocol: number;
  /** Set when the capture cut a fragment: nothing is buffered and later fragments are dropped. */
  abandoned: boolean;
}

function seconds(t: Timestamp): number {
  return t.sec + t.nsec / 1e9;
}

/** Buffers fragments per datagram and returns each datagram's payload once all of it has arrived. */
export class Reassembler {
  private readonly sets = new Map<string, FragmentSet>();
  private bufferedBytes = 0;

  constructor(private readonly limits: DecodeLimits) {}

  /** Number of datagrams being reassembled, abandoned ones included. */
  get size(): number {
    return this.sets.size;
  }

  get bytes(): number {
    return this.bufferedBytes;
  }

  add(ctx: FrameContext, fragment: Fragment): FragmentResult {
    const end = fragment.offset + fragment.wireLength;
    if (end > MAX_DATAGRAM_PAYLOAD) {
      ctx.anomaly(fragment.layer, `fragment ends at byte ${end}, past the 65535-byte maximum datagram`, fragment.frameOffset, 'malformed');
      return HELD;
    }

    const set = this.sets.get(fragment.key) ?? this.createSet(ctx, fragment);
    if (set === null) return HELD;
    if (fragment.offset === 0) set.protocol = fragment.protocol;

    if (set.abandoned) return fragment.offset === 0 ? DECODE_ALONE : HELD;
    if (fragment.data.length < fragment.wireLength) {
      ctx.anomaly(fragment.layer, 'fragment cut by the capture: datagram not reassembled', fragment.frameOffset, 'truncated');
      this.abandon(set);
      return fragment.offset === 0 ? DECODE_ALONE : HELD;
    }

    if (!fragment.more) {
      if (set.totalLength >= 0 && set.totalLength !== end) {
        ctx.anomaly(fragment.layer, `last fragments disagree on the datagram length (${set.totalLength} and ${end})`, fragment.frameOffset, 'malformed');
        return HELD;
      }
      const lastPiece = set.pieces[set.pieces.length - 1];
      if (lastPiece !== undefined && lastPiece.offset + lastPiece.data.length > end) {
        ctx.anomaly(fragment.layer, `last fragment ends at byte ${end}, before data already received`, fragment.frameOffset, 'malformed');
        return HELD;
      }
      set.totalLength = end;
    } else {
      if (set.totalLength >= 0 && end > set.totalLength) {
        ctx.anomaly(fragment.layer, `fragment ends at byte ${end}, past the last fragment's end ${set.totalLength}`, fragment.frameOffset, 'malformed');
        return HELD;
      }
      // RFC 791 §3.2 and RFC 8200 §4.5: every fragment but the last carries a multiple of 8 bytes.
      if (fragment.wireLength % 8 !== 0) {
        ctx.anomaly(fragment.layer, `non-final fragment length ${fragment.wireLength} is not a multiple of 8`, fragment.frameOffset, 'malformed');
      }
    }

    if (!this.insert(ctx, set, fragment)) return HELD;

    if (set.totalLength >= 0 && set.bytes === set.totalLength) {
      this.remove(fragment.key, set);
      return { kind: 'complete', data: assemble(set), protocol: set.protocol };
    }
    return HELD;
  }

  /** Drops, with an anomaly, every set whose first fragment is older than the timeout at capture time `now`. */
  expire(ctx: FrameContext, now: Timestamp): void {
    if (this.sets.size === 0) return;
    const limit = seconds(now) - this.limits.fragmentTimeoutSeconds;
    for (const [key, set] of this.sets) {
      // Sets sit in creation order, so the first one still young ends the scan.
      if (set.startSeconds >= limit) return;
      this.remove(key, set);
      if (!set.abandoned) {
        ctx.anomalyAt(set.first, set.layer, `incomplete fragment set dropped after ${this.limits.fragmentTimeoutSeconds} s`, 'truncated');
      }
    }
  }

  /** Drops every incomplete set at the end of the input, with an anomaly for each. */
  flush(ctx: FrameContext): void {
    for (const [key, set] of this.sets) {
      this.remove(key, set);
      if (!set.abandoned) ctx.anomalyAt(set.first, set.layer, 'incomplete fragment set at end of capture', 'truncated');
    }
  }

  private createSet(ctx: FrameContext, fragment: Fragment): FragmentSet | null {
    if (this.sets.size >= this.limits.maxFragmentSets) {
      if (this.limits.maxFragmentSets <= 0) {
        ctx.anomaly(fragment.layer, 'fragment dropped: reassembly is disabled', fragment.frameOffset, 'limit');
        return null;
      }
      this.evictOldest(ctx, `more than ${this.limits.maxFragmentSets} datagrams in reassembly: dropped the oldest`);
    }
    const set: FragmentSet = {
      layer: fragment.layer,
      first: { input: ctx.frame.input, frame: ctx.frame.frame },
      startSeconds: seconds(ctx.frame.time),
      pieces: [],
      bytes: 0,
      totalLength: -1,
      protocol: -1,
      abandoned: false,
    };
    this.sets.set(fragment.key, set);
    return set;
  }

  private evictOldest(ctx: FrameContext, reason: string, keep?: FragmentSet): boolean {
    for (const [key, set] of this.sets) {
      if (set === keep) continue;
      this.remove(key, set);
      if (!set.abandoned) ctx.anomalyAt(set.first, set.layer, reason, 'limit');
      return true;
    }
    return false;
  }

  /** Adds the parts of the fragment no earlier piece covers; returns false when nothing was added. */
  private insert(ctx: FrameContext, set: FragmentSet, fragment: Fragment): boolean {
    const start = fragment.offset;
    const end = start + fragment.data.length;
    const gaps: Piece[] = [];
    let cursor = start;
    let overlapDiffers = false;
    let overlaps = false;
    for (const piece of set.pieces) {
      const pieceEnd = piece.offset + piece.data.length;
      if (pieceEnd <= cursor) continue;
      if (piece.offset >= end) break;
      if (piece.offset > cursor) gaps.push({ offset: cursor, data: fragment.data.subarray(cursor - start, piece.offset - start) });
      overlaps = true;
      const from = Math.max(cursor, piece.offset);
      const to = Math.min(end, pieceEnd);
      for (let i = from; i < to && !overlapDiffers; i++) {
        if (piece.data[i - piece.offset] !== fragment.data[i - start]) overlapDiffers = true;
      }
      cursor = Math.max(cursor, pieceEnd);
      if (cursor >= end) break;
    }
    if (cursor < end) gaps.push({ offset: cursor, data: fragment.data.subarray(cursor - start, end - start) });

    const duplicate = overlaps && gaps.length === 0 && !overlapDiffers;
    if (overlaps && !duplicate && (overlapDiffers || fragment.layer === 'ipv6')) {
      ctx.anomaly(fragment.layer, 'fragment overlaps data already received: the earlier bytes were kept', fragment.frameOffset, 'malformed');
    }

    let added = 0;
    for (const gap of gaps) added += gap.data.length;
    if (added === 0) return false;

    while (this.bufferedBytes + added > this.limits.maxFragmentBytes) {
      if (!this.evictOldest(ctx, `more than ${this.limits.maxFragmentBytes} bytes in reassembly: dropped the oldest datagram`, set)) {
        ctx.anomaly(fragment.layer, `fragment dropped: reassembly buffers hold at most ${this.limits.maxFragmentBytes} bytes`, fragment.frameOffset, 'limit');
        return false;
      }
    }

    for (const gap of gaps) {
      const piece: Piece = { offset: gap.offset, data: gap.data.slice() };
      let index = set.pieces.length;
      while (index > 0 && set.pieces[index - 1]!.offset > piece.offset) index--;
      set.pieces.splice(index, 0, piece);
    }
    set.bytes += added;
    this.bufferedBytes += added;
    return true;
  }

  private abandon(set: FragmentSet): void {
    this.bufferedBytes -= set.bytes;
    set.pieces = [];
    set.bytes = 0;
    set.abandoned = true;
  }

  private remove(key: string, set: FragmentSet): void {
    this.bufferedBytes -= set.bytes;
    this.sets.delete(key);
  }
}

function assemble(set: FragmentSet): Uint8Array {
  const out = new Uint8Array(set.totalLength);
  for (const piece of set.pieces) out.set(piece.data, piece.offset);
  return out;
}
