// A tunnel: the two peers' outer addresses, the IKE SAs between them, the
// directions of ESP traffic, and a timeline of SA events used to classify
// outages and tell how they ended.

import type { FrameRef } from '../types.js';
import type { ChildSa } from './child-sa.js';
import type { IkeSaId } from './events.js';
import { Direction } from './silence.js';

export type TunnelEventKind =
  | 'child-installed'
  | 'child-rekeyed'
  | 'child-delete'
  | 'child-deleted'
  | 'ike-sa-init'
  | 'ike-sa-established'
  | 'ike-sa-rekeyed'
  | 'ike-sa-deleted'
  | 'ike-unanswered'
  | 'ike-answered'
  | 'invalid-spi'
  | 'icmp-error';

/** One event on a tunnel's timeline. */
export interface TunnelEvent {
  kind: TunnelEventKind;
  at: FrameRef;
  /** Address of the peer that acted (sent the Delete, started the IKE SA...). */
  actor: string;
  /** Inbound SAs the event concerns. */
  sas: ChildSa[];
  ikeSa: IkeSaId | null;
}

/** IKE SA bookkeeping the tracker needs. */
export interface IkeSaState {
  id: IkeSaId;
  version: 1 | 2;
  initiator: string;
  responder: string;
  initAt: FrameRef | null;
  established: FrameRef | null;
  deleted: FrameRef | null;
  /** Replaced by a rekey (RFC 7296 §2.18) or superseded by a new IKE SA between the same peers. */
  replacedBy: IkeSaId | null;
  children: Set<ChildSa>;
  /** Every message of this IKE SA the tracker saw was decrypted (or needed no decryption). */
  visible: boolean;
}

/** Events kept per tunnel, at most; older ones are dropped first. Bounds memory on long live captures. */
const MAX_EVENTS = 4096;

export class Tunnel {
  readonly key: string;
  readonly a: string;
  readonly b: string;
  readonly events: TunnelEvent[] = [];
  readonly ikeSas = new Map<IkeSaId, IkeSaState>();
  private readonly directions = new Map<string, Direction>();
  /**
   * From this frame on, every negotiation in the tunnel was visible: an IKE SA
   * was seen from its start and all IKE messages since were decrypted. SPIs
   * first used after it and never negotiated were never installed.
   */
  visibleSince: FrameRef | null = null;
  /** An IKE message in this tunnel could not be read: negotiations may be hidden. */
  blind = false;
  /** ESP/AH was seen before any visible IKE SA began. */
  trafficBeforeIke = false;

  constructor(x: string, y: string) {
    [this.a, this.b] = x < y ? [x, y] : [y, x];
    this.key = tunnelKey(x, y);
  }

  direction(sender: string, receiver: string): Direction {
    let d = this.directions.get(sender);
    if (!d) {
      d = new Direction(sender, receiver);
      this.directions.set(sender, d);
    }
    return d;
  }

  allDirections(): Direction[] {
    return [...this.directions.values()];
  }

  peerOf(address: string): string {
    return address === this.a ? this.b : this.a;
  }

  record(event: TunnelEvent): void {
    if (this.events.length >= MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS + 1);
    this.events.push(event);
  }

  /** IKE SAs between the peers that are established and not deleted or replaced. */
  liveIkeSas(): IkeSaState[] {
    return [...this.ikeSas.values()].filter((s) => s.established !== null && s.deleted === null && s.replacedBy === null);
  }
}

export function tunnelKey(x: string, y: string): string {
  return x < y ? `${x}|${y}` : `${y}|${x}`;
}
