// The IKE SA table: one record per IKE SA (IKEv2) or ISAKMP SA (IKEv1),
// keyed by its SPIs and never by addresses or ports. So an SA is followed
// from UDP 500 to 4500 and across NAT port changes (RFC 7296 §2.23, RFC 3947).
// The first message of an SA carries a zero responder SPI; the record takes
// the responder's SPI from the first message that has one.

import type { FrameRef, IkeSpi } from '../types.js';
import type { Endpoint, IkeMessage } from './types.js';

/** One IKE SA as the report lists it (ikeSas[] in the JSON contract), with counters for the summary. */
export interface IkeSaRecord {
  version: 1 | 2;
  initiatorSpi: IkeSpi;
  /** 16 zeros until a message with the responder's SPI is seen. */
  responderSpi: IkeSpi;
  /** Endpoints as last seen, as sender or as destination; null before the first message. */
  initiator: Endpoint | null;
  responder: Endpoint | null;
  first: FrameRef;
  last: FrameRef;
  /**
   * IKEv2: the IKE_AUTH response that completed the SA (the last one seen,
   * since EAP takes several rounds), or the CREATE_CHILD_SA response that
   * created it by a rekey. IKEv1: the last Main Mode (6th) or Aggressive Mode
   * (3rd) message. Null when not seen.
   */
  established: FrameRef | null;
  /** The request carrying a Delete of this SA (protocol IKE, or an ISAKMP delete of its cookies). */
  deleted: FrameRef | null;
  messages: number;
  encryptedMessages: number;
  decryptedMessages: number;
  retransmissions: number;
  /** Requests still unanswered when they were dropped from the open set or the capture ended. */
  unanswered: number;
  /** The SA this one replaced by an IKEv2 rekey (RFC 7296 §1.3.2), by its SPIs. */
  rekeyOf: { initiatorSpi: IkeSpi; responderSpi: IkeSpi } | null;
}

export const ZERO_SPI = '0000000000000000' as IkeSpi;

/** Addresses remembered per side of an IKEv1 SA, to tell who sent a message (captures on both sides of a NAT see different ones). */
const MAX_ADDRESSES_PER_SIDE = 4;

/** A record and the table's own bookkeeping for it. */
export interface IkeSaEntry {
  record: IkeSaRecord;
  /** IKEv1: addresses the ISAKMP SA's initiator and responder were seen with. */
  initiatorAddresses: string[];
  responderAddresses: string[];
}

function remember(list: string[], address: string): void {
  if (list.includes(address)) return;
  if (list.length >= MAX_ADDRESSES_PER_SIDE) list.shift();
  list.push(address);
}

/** IKE SAs by version and initiator SPI; several records may share an initiator SPI (retries with a new responder SPI). */
export class IkeSaTable {
  private readonly byInitiatorSpi = new Map<string, IkeSaEntry[]>();
  readonly entries: IkeSaEntry[] = [];

  private key(version: 1 | 2, initiatorSpi: string): string {
    return `${version}:${initiatorSpi}`;
  }

  /** Creates a record for a new SA. */
  create(version: 1 | 2, initiatorSpi: IkeSpi, responderSpi: IkeSpi, ref: FrameRef): IkeSaEntry {
    const entry: IkeSaEntry = {
      record: {
        version,
        initiatorSpi,
        responderSpi,
        initiator: null,
        responder: null,
        first: ref,
        last: ref,
        established: null,
        deleted: null,
        messages: 0,
        encryptedMessages: 0,
        decryptedMessages: 0,
        retransmissions: 0,
        unanswered: 0,
        rekeyOf: null,
      },
      initiatorAddresses: [],
      responderAddresses: [],
    };
    const key = this.key(version, initiatorSpi);
    const list = this.byInitiatorSpi.get(key);
    if (list) list.push(entry);
    else this.byInitiatorSpi.set(key, [entry]);
    this.entries.push(entry);
    return entry;
  }

  /** Returns the SA with exactly these SPIs, or null. */
  find(version: 1 | 2, initiatorSpi: string, responderSpi: string): IkeSaEntry | null {
    return this.byInitiatorSpi.get(this.key(version, initiatorSpi))?.find((e) => e.record.responderSpi === responderSpi) ?? null;
  }

  /**
   * Returns the SA a message belongs to, creating it when none matches. A zero
   * responder SPI matches the newest SA with that initiator SPI. A non-zero
   * one matches its SA, or takes over an SA whose responder SPI is still zero.
   */
  lookup(msg: IkeMessage): IkeSaEntry {
    const { initiatorSpi, responderSpi } = msg.header;
    const list = this.byInitiatorSpi.get(this.key(msg.version, initiatorSpi)) ?? [];
    if (responderSpi === ZERO_SPI) {
      const newest = list[list.length - 1];
      if (newest) return newest;
      return this.create(msg.version, initiatorSpi, responderSpi, msg.ref);
    }
    const exact = list.find((e) => e.record.responderSpi === responderSpi);
    if (exact) return exact;
    const halfOpen = [...list].reverse().find((e) => e.record.responderSpi === ZERO_SPI);
    if (halfOpen) {
      halfOpen.record.responderSpi = responderSpi;
      return halfOpen;
    }
    return this.create(msg.version, initiatorSpi, responderSpi, msg.ref);
  }

  /**
   * Records the endpoints of a message. In IKEv2 the I flag tells whether the
   * original initiator sent the message (RFC 7296 §3.1). IKEv1 has no such
   * flag: the sender of the first message (zero responder cookie) is the
   * initiator, and later messages are matched by address.
   */
  noteEndpoints(entry: IkeSaEntry, msg: IkeMessage, fromInitiator: boolean): void {
    const sa = entry.record;
    if (fromInitiator) {
      sa.initiator = msg.src;
      sa.responder = msg.dst;
      remember(entry.initiatorAddresses, msg.src.address);
      remember(entry.responderAddresses, msg.dst.address);
    } else {
      sa.responder = msg.src;
      sa.initiator = msg.dst;
      remember(entry.responderAddresses, msg.src.address);
      remember(entry.initiatorAddresses, msg.dst.address);
    }
  }

  /** Tells whether an IKEv1 message comes from the ISAKMP SA's initiator, judged by the addresses seen so far. */
  sentByV1Initiator(entry: IkeSaEntry, msg: IkeMessage): boolean {
    if (entry.initiatorAddresses.length === 0 && entry.responderAddresses.length === 0) {
      // NOTE: the first message seen is taken as the initiator's. That is right for a
      // zero responder cookie, a guess for a capture that starts in the middle of an SA.
      return true;
    }
    const fromI = entry.initiatorAddresses.includes(msg.src.address);
    const fromR = entry.responderAddresses.includes(msg.src.address);
    if (fromI !== fromR) return fromI;
    const toR = entry.responderAddresses.includes(msg.dst.address);
    const toI = entry.initiatorAddresses.includes(msg.dst.address);
    if (toR !== toI) return toR;
    // Both sides share an address (a capture on one host): ports decide.
    if (entry.record.initiator && msg.src.address === entry.record.initiator.address) return msg.src.port === entry.record.initiator.port;
    return true;
  }
}
