// Events the SA tracker consumes, derived from decoded IKE exchanges.
//
// The tracker knows nothing about payload layouts: `from-ike.ts` turns IKE
// messages into these events, and tests drive the tracker with them directly.
// Every SPI here is the inbound SPI of `receiver`: the SPI a peer puts in the
// packets it sends to that receiver (RFC 7296 §3.3.1, RFC 2409 §5.5).

import type { FrameRef, Spi } from '../types.js';

export type IpsecProtocol = 'esp' | 'ah';

/** Identifies an IKE SA across its life: "<initiator SPI>/<responder SPI>" (the responder half may be all zeros while unknown). */
export type IkeSaId = string;

/** One inbound SPI named by an exchange. */
export interface InboundSpi {
  receiver: string;
  protocol: IpsecProtocol;
  spi: Spi;
}

export type SaEvent =
  /** A request offered an SPI: the receiver allocated it, and the exchange has not completed yet. */
  | { type: 'child-proposed'; at: FrameRef; ikeSa: IkeSaId; exchange: string; sa: InboundSpi; peer: string }
  /**
   * A CHILD_SA exchange completed: both inbound SAs exist from now on. `rekeyOf` names the inbound SPIs
   * of the SA it replaces (RFC 7296 §1.3.3 REKEY_SA, or an IKEv1 Quick Mode for the same selectors).
   */
  | {
      type: 'child-installed';
      at: FrameRef;
      ikeSa: IkeSaId;
      exchange: string;
      initiatorSide: InboundSpi;
      responderSide: InboundSpi;
      rekeyOf: InboundSpi[];
    }
  /** A CHILD_SA negotiation failed (error notify, no SA payload in the response): its proposed SPIs were never installed. */
  | { type: 'child-failed'; at: FrameRef; sas: InboundSpi[]; reason: string }
  /**
   * A Delete payload named these inbound SPIs of `sender` (RFC 7296 §3.11, RFC 2408 §3.15). `completed` is
   * false for an IKEv2 request whose response has not been seen; the SAs are removed when it completes.
   */
  | { type: 'child-delete'; at: FrameRef; ikeSa: IkeSaId; sender: string; sas: InboundSpi[]; completed: boolean; version: 1 | 2 }
  /** An IKEv2 Delete exchange completed: the SPIs the request named and those the response named are gone. */
  | { type: 'child-delete-completed'; at: FrameRef; ikeSa: IkeSaId; sas: InboundSpi[] }
  /** An IKE SA was started (IKE_SA_INIT request, Main or Aggressive Mode first message). */
  | { type: 'ike-sa-init'; at: FrameRef; ikeSa: IkeSaId; initiator: string; responder: string; version: 1 | 2 }
  /** An IKE SA completed authentication. `initialContact` is true when the INITIAL_CONTACT notify was sent. */
  | { type: 'ike-sa-established'; at: FrameRef; ikeSa: IkeSaId; initiator: string; responder: string; initialContact: boolean; version: 1 | 2 }
  /** An IKE SA was rekeyed (RFC 7296 §2.18): its CHILD_SAs now belong to `newIkeSa`. */
  | { type: 'ike-sa-rekeyed'; at: FrameRef; ikeSa: IkeSaId; newIkeSa: IkeSaId }
  /** An IKE SA was deleted by a Delete payload. IKEv2 takes its CHILD_SAs along (RFC 7296 §1.4.1). */
  | { type: 'ike-sa-deleted'; at: FrameRef; ikeSa: IkeSaId; version: 1 | 2 }
  /**
   * An IKE request: `liveness` marks an empty INFORMATIONAL (IKEv2 DPD) or an IKEv1 R-U-THERE (RFC 3706);
   * `hidden` is true when its content could not be read (encrypted without keys).
   */
  | { type: 'ike-request'; at: FrameRef; ikeSa: IkeSaId; from: string; to: string; exchange: string; messageId: number; retransmission: boolean; liveness: boolean; hidden: boolean }
  /** The response to an earlier request. */
  | { type: 'ike-response'; at: FrameRef; ikeSa: IkeSaId; from: string; to: string; exchange: string; messageId: number; liveness: boolean }
  /**
   * An INVALID_SPI notify (RFC 7296 §3.10.1, RFC 2408 §3.14.1): `reporter` received packets on `spi` it
   * has no SA for. `encoding` says where the SPI was carried.
   */
  | {
      type: 'invalid-spi';
      at: FrameRef;
      reporter: string;
      peer: string;
      protocol: IpsecProtocol;
      spi: Spi;
      encoding: 'spi-field' | 'notification-data';
      spiSize: number;
      ikeSa: IkeSaId;
      messageId: number;
      response: boolean;
    }
  /** The peer answered a request carrying an INVALID_SPI notify with INVALID_SYNTAX (the Cisco CSCvd40554 behaviour). */
  | { type: 'invalid-spi-rejected'; at: FrameRef; notifyAt: FrameRef; reporter: string; peer: string; spi: Spi; spiSize: number; ikeSa: IkeSaId }
  /** CHILD_SA_NOT_FOUND (RFC 7296 §3.10.1): `reporter` says it has no CHILD_SA with this SPI. */
  | { type: 'child-not-found'; at: FrameRef; reporter: string; peer: string; protocol: IpsecProtocol; spi: Spi; ikeSa: IkeSaId };

/** Where an IKE SA's keys stood, for findings that need a key to become certain. */
export interface IkeSaKeyState {
  ikeSa: IkeSaId;
  decrypted: boolean;
  /** A key line that would let the SA be decrypted, when it was not. */
  keyHint: string | null;
}
