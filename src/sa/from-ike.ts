// Turns IKE messages, in capture order, into SA tracker events.
//
// IKEv2 (RFC 7296): IKE_AUTH and CREATE_CHILD_SA create CHILD_SAs when their
// response arrives; REKEY_SA names the SA a CREATE_CHILD_SA replaces (§1.3.3);
// an SA payload of protocol IKE in CREATE_CHILD_SA rekeys the IKE SA (§1.3.2);
// INFORMATIONAL carries Delete payloads of the sender's inbound SPIs, and the
// response lists the paired inbound SPIs of the other side (§1.4.1).
// IKEv1 (RFC 2409): a Quick Mode completes with its third message; Delete
// payloads in Informational exchanges are one-way notifications; DPD uses
// R-U-THERE and R-U-THERE-ACK notifies (RFC 3706).
//
// IKEv2 responses are paired with their requests by the exchange tracker;
// this file keeps only what spans exchanges (IKE_AUTH rounds, IKEv1 Quick
// Mode's three messages, DPD), so state grows with SAs, not messages.

import type { FrameRef, Spi } from '../types.js';
import type { DeletePayload, IkeMessage, IkePayload, NotifyPayload, Proposal, SaPayload } from '../ike/types.js';
import { exchangeName as ikeExchangeName } from '../ike/registry.js';
import type { IkeSaId, InboundSpi, IpsecProtocol, SaEvent } from './events.js';

const V2 = { SA: 33, IDi: 35, IDr: 36, AUTH: 39, N: 41, D: 42, TSi: 44, TSr: 45 } as const;
const V2_EXCHANGE = { IKE_SA_INIT: 34, IKE_AUTH: 35, CREATE_CHILD_SA: 36, INFORMATIONAL: 37 } as const;
const V2_NOTIFY = {
  INVALID_SYNTAX: 7,
  INVALID_SPI: 11,
  AUTHENTICATION_FAILED: 24,
  CHILD_SA_NOT_FOUND: 44,
  INITIAL_CONTACT: 16384,
  REKEY_SA: 16393,
} as const;
const V1_EXCHANGE = { MAIN: 2, AGGRESSIVE: 4, INFORMATIONAL: 5, QUICK: 32 } as const;
const V1_NOTIFY = { INVALID_SPI: 11, INITIAL_CONTACT: 24578, R_U_THERE: 36136, R_U_THERE_ACK: 36137 } as const;
const V1_ID = 5;
const PROTO = { IKE: 1, AH: 2, ESP: 3 } as const;

/** At most this many exchanges wait for a response per IKE SA; older ones are dropped. */
const MAX_OPEN_EXCHANGES = 64;

function ipsecProtocol(id: number): IpsecProtocol | null {
  return id === PROTO.ESP ? 'esp' : id === PROTO.AH ? 'ah' : null;
}

function spiOf(hex: string): Spi | null {
  if (hex.length === 0 || hex.length > 8) return null;
  const n = parseInt(hex, 16);
  return Number.isNaN(n) ? null : ((n >>> 0) as Spi);
}

/** Inbound SPIs offered in an SA payload by `receiver`, one per protocol and SPI. */
function offeredSpis(payloads: IkePayload[], receiver: string): InboundSpi[] {
  const out: InboundSpi[] = [];
  for (const p of payloads) {
    if (p.kind !== 'sa') continue;
    for (const proposal of p.proposals) {
      const protocol = ipsecProtocol(proposal.protocolId);
      const spi = spiOf(proposal.spi);
      if (!protocol || spi === null) continue;
      if (!out.some((o) => o.protocol === protocol && o.spi === spi)) out.push({ receiver, protocol, spi });
    }
  }
  return out;
}

function ikeProposal(payloads: IkePayload[]): Proposal | null {
  for (const p of payloads) if (p.kind === 'sa') for (const proposal of (p as SaPayload).proposals) if (proposal.protocolId === PROTO.IKE && proposal.spi.length === 16) return proposal;
  return null;
}

function notifies(payloads: IkePayload[], type: number): NotifyPayload[] {
  return payloads.filter((p): p is NotifyPayload => p.kind === 'notify' && p.notifyType === type);
}

function deletes(payloads: IkePayload[]): DeletePayload[] {
  return payloads.filter((p): p is DeletePayload => p.kind === 'delete');
}

function hasPayload(payloads: IkePayload[], type: number): boolean {
  return payloads.some((p) => p.type === type);
}

function hasErrorNotify(payloads: IkePayload[]): NotifyPayload | null {
  return payloads.find((p): p is NotifyPayload => p.kind === 'notify' && p.notifyType > 0 && p.notifyType < 16384) ?? null;
}

/** The SPI an INVALID_SPI notify reports, and where it was carried (RFC 7296 §3.10.1 puts it in the data). */
export function invalidSpiOf(n: NotifyPayload): { spi: Spi; encoding: 'spi-field' | 'notification-data' } | null {
  if (n.spiSize === 4) {
    const spi = spiOf(n.spi);
    return spi === null ? null : { spi, encoding: 'spi-field' };
  }
  if (n.spiSize === 0 && n.data.length >= 8) {
    const spi = spiOf(n.data.slice(0, 8));
    return spi === null ? null : { spi, encoding: 'notification-data' };
  }
  return null;
}

/** What the exchange tracker found out about a message. */
export interface Pairing {
  retransmission: boolean;
  /** For a response, the request it answers when that was captured. */
  request: IkeMessage | null;
}

/** Payloads a reader can see in a message: the inner ones once decrypted, none while encrypted. */
function readablePayloads(msg: IkeMessage): IkePayload[] | null {
  if (msg.encrypted && !msg.decrypted) return null;
  return msg.inner ?? msg.payloads;
}

/** An IKEv1 Quick Mode in progress. */
interface OpenExchange {
  requester: string;
  /** The first message's payloads; null when it could not be read. */
  payloads: IkePayload[] | null;
  /** The responder's message, once seen. */
  quickResponse: IkePayload[] | null;
  quickResponder: string | null;
}

interface IkeSaTrack {
  id: IkeSaId;
  version: 1 | 2;
  initiator: string;
  responder: string;
  established: boolean;
  /** IKE_AUTH request SA payload: the initiator's inbound SPIs, installed when the final IKE_AUTH response arrives. */
  authOffer: InboundSpi[];
  authInitialContact: boolean;
  /** IKEv1 Quick Modes in progress, by message ID. */
  open: Map<string, OpenExchange>;
  /** IKEv1 DPD: an R-U-THERE from this address is still unanswered. */
  dpdPending: Set<string>;
  /** IKEv1 Quick Mode selectors (ID payloads) → the CHILD_SA they created last, for rekey inference. */
  selectors: Map<string, InboundSpi[]>;
}

/** Converts IKE messages to tracker events. Feed every message in capture order. */
export class IkeEventTranslator {
  private readonly sas = new Map<IkeSaId, IkeSaTrack>();

  /**
   * Events caused by one message. The exchange tracker (src/ike/exchanges.ts) says whether it is a
   * retransmission and, for an IKEv2 response, which request it answers.
   */
  translate(msg: IkeMessage, pairing: Pairing): SaEvent[] {
    return msg.version === 2 ? this.v2(msg, pairing) : this.v1(msg, pairing.retransmission);
  }

  private track(msg: IkeMessage, initiator: string, responder: string): IkeSaTrack {
    const id = msg.header.initiatorSpi as string as IkeSaId;
    let t = this.sas.get(id);
    if (!t) {
      t = { id, version: msg.version, initiator, responder, established: false, authOffer: [], authInitialContact: false, open: new Map(), dpdPending: new Set(), selectors: new Map() };
      this.sas.set(id, t);
    }
    return t;
  }

  private remember(t: IkeSaTrack, key: string, ex: OpenExchange): void {
    if (t.open.size >= MAX_OPEN_EXCHANGES) {
      const oldest = t.open.keys().next().value;
      if (oldest !== undefined) t.open.delete(oldest);
    }
    t.open.set(key, ex);
  }

  // ---- IKEv2 ---------------------------------------------------------------

  private v2(msg: IkeMessage, pairing: Pairing): SaEvent[] {
    const retransmission = pairing.retransmission;
    const src = msg.src.address;
    const dst = msg.dst.address;
    const initiator = msg.initiator ? src : dst;
    const responder = msg.initiator ? dst : src;
    const t = this.track(msg, initiator, responder);
    const at = msg.ref;
    const exchange = msg.header.exchangeType;
    const exchangeName = ikeExchangeName(2, exchange);
    const messageId = msg.header.messageId as number;
    const payloads = msg.inner ?? msg.payloads;
    const readable = !msg.encrypted || msg.decrypted;
    const events: SaEvent[] = [];

    if (!msg.response) {
      const liveness = exchange === V2_EXCHANGE.INFORMATIONAL && readable && payloads.filter((p) => p.kind !== 'sk' && p.kind !== 'skf').length === 0;
      events.push({ type: 'ike-request', at, ikeSa: t.id, from: src, to: dst, exchange: exchangeName, messageId, retransmission, liveness, hidden: !readable });
      if (retransmission) return events;
      if (exchange === V2_EXCHANGE.IKE_SA_INIT) {
        events.push({ type: 'ike-sa-init', at, ikeSa: t.id, initiator: src, responder: dst, version: 2 });
        return events;
      }
      if (msg.fragment && !msg.inner) return events;
      if (!readable) return events;
      if (exchange === V2_EXCHANGE.IKE_AUTH) {
        const offer = offeredSpis(payloads, src);
        if (offer.length > 0) {
          t.authOffer = offer;
          for (const sa of offer) events.push({ type: 'child-proposed', at, ikeSa: t.id, exchange: exchangeName, sa, peer: dst });
        }
        if (notifies(payloads, V2_NOTIFY.INITIAL_CONTACT).length > 0) t.authInitialContact = true;
      } else if (exchange === V2_EXCHANGE.CREATE_CHILD_SA) {
        for (const sa of offeredSpis(payloads, src)) events.push({ type: 'child-proposed', at, ikeSa: t.id, exchange: exchangeName, sa, peer: dst });
      } else if (exchange === V2_EXCHANGE.INFORMATIONAL) {
        events.push(...this.v2InformationalRequest(t, msg, payloads));
      }
      return events;
    }

    // A response.
    const request = pairing.request;
    const requestPayloads = request ? readablePayloads(request) : null;
    const liveness = exchange === V2_EXCHANGE.INFORMATIONAL && requestPayloads !== null && requestPayloads.filter((p) => p.kind !== 'sk' && p.kind !== 'skf').length === 0;
    events.push({ type: 'ike-response', at, ikeSa: t.id, from: src, to: dst, exchange: exchangeName, messageId, liveness });
    if (retransmission || (msg.fragment && !msg.inner)) return events;
    if (exchange === V2_EXCHANGE.IKE_SA_INIT) return events;
    if (!request) return events;
    const requester = request.src.address;

    if (exchange === V2_EXCHANGE.IKE_AUTH) {
      if (!readable) {
        if (hasPayload(msg.payloads, 46) || hasPayload(msg.payloads, 53)) {
          // Without keys the response's content is hidden; a response to IKE_AUTH usually completes it.
          if (!t.established) {
            t.established = true;
            events.push({ type: 'ike-sa-established', at, ikeSa: t.id, initiator: t.initiator, responder: t.responder, initialContact: false, version: 2 });
          }
        }
        return events;
      }
      const authFailed = notifies(payloads, V2_NOTIFY.AUTHENTICATION_FAILED).length > 0;
      if (!authFailed && hasPayload(payloads, V2.AUTH) && !t.established) {
        t.established = true;
        events.push({ type: 'ike-sa-established', at, ikeSa: t.id, initiator: t.initiator, responder: t.responder, initialContact: t.authInitialContact, version: 2 });
      }
      const answer = offeredSpis(payloads, src);
      if (answer.length > 0 && t.authOffer.length > 0) {
        events.push(...installed(at, t.id, 'IKE_AUTH', t.authOffer, answer, []));
        t.authOffer = [];
      } else if (t.authOffer.length > 0 && (authFailed || hasErrorNotify(payloads) || hasPayload(payloads, V2.AUTH))) {
        events.push({ type: 'child-failed', at, sas: t.authOffer, reason: hasErrorNotify(payloads) ? 'error notify' : 'no SA payload' });
        t.authOffer = [];
      }
      return events;
    }

    if (!readable || requestPayloads === null) return events;

    if (exchange === V2_EXCHANGE.CREATE_CHILD_SA) {
      const ikeOffer = ikeProposal(requestPayloads);
      const ikeAnswer = ikeProposal(payloads);
      if (ikeOffer && ikeAnswer) {
        const newId = ikeOffer.spi as IkeSaId;
        const successor: IkeSaTrack = {
          id: newId,
          version: 2,
          initiator: requester,
          responder: src,
          established: true,
          authOffer: [],
          authInitialContact: false,
          open: new Map(),
          dpdPending: new Set(),
          selectors: new Map(),
        };
        this.sas.set(newId, successor);
        events.push({ type: 'ike-sa-rekeyed', at, ikeSa: t.id, newIkeSa: newId });
        return events;
      }
      const offer = offeredSpis(requestPayloads, requester);
      const answer = offeredSpis(payloads, src);
      if (offer.length > 0 && answer.length > 0) {
        events.push(...installed(at, t.id, 'CREATE_CHILD_SA', offer, answer, this.rekeyTargets(requestPayloads, requester, src)));
      } else if (offer.length > 0) {
        events.push({ type: 'child-failed', at, sas: offer, reason: 'no SA payload in the response' });
      }
      for (const n of notifies(payloads, V2_NOTIFY.CHILD_SA_NOT_FOUND)) {
        const protocol = ipsecProtocol(n.protocolId);
        const spi = spiOf(n.spi);
        if (protocol && spi !== null) events.push({ type: 'child-not-found', at, reporter: src, peer: dst, protocol, spi, ikeSa: t.id });
      }
      return events;
    }

    if (exchange === V2_EXCHANGE.INFORMATIONAL) events.push(...this.v2InformationalResponse(t, msg, payloads, request, requestPayloads));
    return events;
  }

  /** REKEY_SA names the SA being replaced; match its SPI to either side's inbound SA. */
  private rekeyTargets(requestPayloads: IkePayload[], requester: string, responder: string): InboundSpi[] {
    const out: InboundSpi[] = [];
    for (const n of notifies(requestPayloads, V2_NOTIFY.REKEY_SA)) {
      const protocol = ipsecProtocol(n.protocolId);
      const spi = spiOf(n.spi);
      if (!protocol || spi === null) continue;
      // RFC 7296 §1.3.3 identifies the rekeyed SA by the SPI the requester expects in inbound packets;
      // the tracker also checks the responder's side in case an implementation sends its outbound SPI.
      out.push({ receiver: requester, protocol, spi }, { receiver: responder, protocol, spi });
    }
    return out;
  }

  private v2InformationalRequest(t: IkeSaTrack, msg: IkeMessage, payloads: IkePayload[]): SaEvent[] {
    const events: SaEvent[] = [];
    const src = msg.src.address;
    const dst = msg.dst.address;
    for (const d of deletes(payloads)) {
      const protocol = ipsecProtocol(d.protocolId);
      if (!protocol) continue;
      const sas = d.spis.map((h) => spiOf(h)).filter((s): s is Spi => s !== null).map((spi) => ({ receiver: src, protocol, spi }));
      if (sas.length > 0) events.push({ type: 'child-delete', at: msg.ref, ikeSa: t.id, sender: src, sas, completed: false, version: 2 });
    }
    events.push(...this.invalidSpiEvents(t, msg, payloads, src, dst, false));
    return events;
  }

  private v2InformationalResponse(t: IkeSaTrack, msg: IkeMessage, payloads: IkePayload[], request: IkeMessage, requestPayloads: IkePayload[]): SaEvent[] {
    const requester = request.src.address;
    const events: SaEvent[] = [];
    const src = msg.src.address;
    const completed: InboundSpi[] = [];
    for (const d of deletes(requestPayloads)) {
      const protocol = ipsecProtocol(d.protocolId);
      if (d.protocolId === PROTO.IKE) {
        events.push({ type: 'ike-sa-deleted', at: msg.ref, ikeSa: t.id, version: 2 });
        continue;
      }
      if (!protocol) continue;
      for (const h of d.spis) {
        const spi = spiOf(h);
        if (spi !== null) completed.push({ receiver: requester, protocol, spi });
      }
    }
    for (const d of deletes(payloads)) {
      const protocol = ipsecProtocol(d.protocolId);
      if (!protocol) continue;
      for (const h of d.spis) {
        const spi = spiOf(h);
        if (spi !== null) completed.push({ receiver: src, protocol, spi });
      }
    }
    if (completed.length > 0) events.push({ type: 'child-delete-completed', at: msg.ref, ikeSa: t.id, sas: completed });

    // An INVALID_SPI notify with SPI size 0 answered by INVALID_SYNTAX: the peer rejected the RFC 7296 encoding.
    if (notifies(payloads, V2_NOTIFY.INVALID_SYNTAX).length > 0) {
      for (const n of notifies(requestPayloads, V2_NOTIFY.INVALID_SPI)) {
        const reported = invalidSpiOf(n);
        if (!reported) continue;
        events.push({ type: 'invalid-spi-rejected', at: msg.ref, notifyAt: request.ref, reporter: requester, peer: src, spi: reported.spi, spiSize: n.spiSize, ikeSa: t.id });
      }
    }
    events.push(...this.invalidSpiEvents(t, msg, payloads, src, msg.dst.address, true));
    return events;
  }

  private invalidSpiEvents(t: IkeSaTrack, msg: IkeMessage, payloads: IkePayload[], reporter: string, peer: string, response: boolean): SaEvent[] {
    const events: SaEvent[] = [];
    for (const n of notifies(payloads, msg.version === 2 ? V2_NOTIFY.INVALID_SPI : V1_NOTIFY.INVALID_SPI)) {
      const reported = invalidSpiOf(n);
      if (!reported) continue;
      const protocol = ipsecProtocol(n.protocolId) ?? 'esp';
      events.push({
        type: 'invalid-spi',
        at: msg.ref,
        reporter,
        peer,
        protocol,
        spi: reported.spi,
        encoding: reported.encoding,
        spiSize: n.spiSize,
        ikeSa: t.id,
        messageId: msg.header.messageId as number,
        response,
      });
    }
    return events;
  }

  // ---- IKEv1 ---------------------------------------------------------------

  private v1(msg: IkeMessage, retransmission: boolean): SaEvent[] {
    const src = msg.src.address;
    const dst = msg.dst.address;
    const zeroResponder = /^0+$/.test(msg.header.responderSpi);
    const known = this.sas.get(msg.header.initiatorSpi as string as IkeSaId);
    const t = known ?? this.track(msg, zeroResponder ? src : dst, zeroResponder ? dst : src);
    const at = msg.ref;
    const exchange = msg.header.exchangeType;
    const payloads = msg.inner ?? msg.payloads;
    const readable = !msg.encrypted || msg.decrypted;
    const events: SaEvent[] = [];

    if (exchange === V1_EXCHANGE.MAIN || exchange === V1_EXCHANGE.AGGRESSIVE) {
      if (zeroResponder && src === t.initiator && !retransmission) events.push({ type: 'ike-sa-init', at, ikeSa: t.id, initiator: t.initiator, responder: t.responder, version: 1 });
      if (readable && notifies(payloads, V1_NOTIFY.INITIAL_CONTACT).length > 0) t.authInitialContact = true;
      // Main Mode completes with the responder's encrypted sixth message; Aggressive Mode with the initiator's third.
      const done = exchange === V1_EXCHANGE.MAIN ? msg.encrypted && src === t.responder : !zeroResponder && src === t.initiator && hasPayload(payloads, 8);
      if (done && !t.established) {
        t.established = true;
        events.push({ type: 'ike-sa-established', at, ikeSa: t.id, initiator: t.initiator, responder: t.responder, initialContact: t.authInitialContact, version: 1 });
      }
      return events;
    }

    if (exchange === V1_EXCHANGE.QUICK) return this.v1Quick(t, msg, payloads, readable, retransmission);

    if (exchange === V1_EXCHANGE.INFORMATIONAL) {
      if (!readable) {
        events.push({ type: 'ike-request', at, ikeSa: t.id, from: src, to: dst, exchange: 'INFORMATIONAL', messageId: msg.header.messageId as number, retransmission, liveness: false, hidden: true });
        return events;
      }
      for (const d of deletes(payloads)) {
        if (d.protocolId === PROTO.IKE) {
          events.push({ type: 'ike-sa-deleted', at, ikeSa: t.id, version: 1 });
          continue;
        }
        const protocol = ipsecProtocol(d.protocolId);
        if (!protocol) continue;
        const sas = d.spis.map((h) => spiOf(h)).filter((s): s is Spi => s !== null).map((spi) => ({ receiver: src, protocol, spi }));
        if (sas.length > 0) events.push({ type: 'child-delete', at, ikeSa: t.id, sender: src, sas, completed: true, version: 1 });
      }
      if (notifies(payloads, V1_NOTIFY.R_U_THERE).length > 0) {
        const again = t.dpdPending.has(src);
        t.dpdPending.add(src);
        events.push({ type: 'ike-request', at, ikeSa: t.id, from: src, to: dst, exchange: 'R-U-THERE', messageId: msg.header.messageId as number, retransmission: again, liveness: true, hidden: false });
      }
      if (notifies(payloads, V1_NOTIFY.R_U_THERE_ACK).length > 0) {
        t.dpdPending.delete(dst);
        events.push({ type: 'ike-response', at, ikeSa: t.id, from: src, to: dst, exchange: 'R-U-THERE-ACK', messageId: msg.header.messageId as number, liveness: true });
      }
      events.push(...this.invalidSpiEvents(t, msg, payloads, src, dst, false));
    }
    return events;
  }

  private v1Quick(t: IkeSaTrack, msg: IkeMessage, payloads: IkePayload[], readable: boolean, retransmission: boolean): SaEvent[] {
    const src = msg.src.address;
    const dst = msg.dst.address;
    const at = msg.ref;
    const messageId = msg.header.messageId as number;
    const key = `qm|${messageId}`;
    const events: SaEvent[] = [];
    const open = t.open.get(key);

    if (!open) {
      events.push({ type: 'ike-request', at, ikeSa: t.id, from: src, to: dst, exchange: 'QUICK_MODE', messageId, retransmission: false, liveness: false, hidden: !readable });
      this.remember(t, key, { requester: src, payloads: readable ? payloads : null, quickResponse: null, quickResponder: null });
      if (readable) for (const sa of offeredSpis(payloads, src)) events.push({ type: 'child-proposed', at, ikeSa: t.id, exchange: 'QUICK_MODE', sa, peer: dst });
      return events;
    }
    if (src === open.requester && open.quickResponse === null) {
      events.push({ type: 'ike-request', at, ikeSa: t.id, from: src, to: dst, exchange: 'QUICK_MODE', messageId, retransmission: true, liveness: false, hidden: !readable });
      return events;
    }
    if (src !== open.requester) {
      if (open.quickResponse !== null || retransmission) return events;
      open.quickResponse = readable ? payloads : [];
      open.quickResponder = src;
      events.push({ type: 'ike-response', at, ikeSa: t.id, from: src, to: dst, exchange: 'QUICK_MODE', messageId, liveness: false });
      return events;
    }

    // The initiator's third message: both sides have installed the SAs (RFC 2409 §5.5).
    t.open.delete(key);
    if (open.payloads === null || open.quickResponse === null || open.quickResponder === null) return events;
    const offer = offeredSpis(open.payloads, open.requester);
    const answer = offeredSpis(open.quickResponse, open.quickResponder);
    if (offer.length === 0 || answer.length === 0) return events;
    const selectors = selectorKey(open.payloads);
    // IKEv1 has no REKEY_SA: a new Quick Mode for the same selectors replaces the previous CHILD_SA.
    const previous = t.selectors.get(selectors) ?? [];
    events.push(...installed(at, t.id, 'QUICK_MODE', offer, answer, previous));
    t.selectors.set(selectors, [...offer, ...answer]);
    return events;
  }
}

/** Events that install a CHILD_SA per protocol: the requester's and responder's inbound SPIs paired. */
function installed(at: FrameRef, ikeSa: IkeSaId, exchange: string, offer: InboundSpi[], answer: InboundSpi[], rekeyOf: InboundSpi[]): SaEvent[] {
  const events: SaEvent[] = [];
  for (const a of answer) {
    const o = offer.find((x) => x.protocol === a.protocol);
    if (!o) continue;
    events.push({ type: 'child-installed', at, ikeSa, exchange, initiatorSide: o, responderSide: a, rekeyOf: rekeyOf.filter((r) => r.protocol === a.protocol) });
  }
  return events;
}

/**
 * IKEv1 Quick Mode client IDs, in a form that stays the same from one Quick
 * Mode to its rekey whichever side starts it (the IDs are sorted because the
 * initiator's IDci is the responder's IDcr).
 */
function selectorKey(payloads: IkePayload[]): string {
  const ids = payloads.filter((p) => p.type === V1_ID && p.kind === 'other').map((p) => JSON.stringify(p.kind === 'other' ? p.fields : {}));
  return ids.length === 0 ? 'default' : ids.sort().join('|');
}
