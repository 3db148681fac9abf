// Exchange tracking: pairs IKE requests with their responses, spots
// retransmissions, counts requests never answered, and keeps the IKE SA table
// (ikeSas[] of the report).
//
// IKEv2 (RFC 7296 §2.1-2.2): the R flag marks responses and the I flag tells
// whether the IKE SA's original initiator sent the message; each side numbers
// its own requests, so an exchange is keyed by message ID and by which side
// asked. Fragments of one message (RFC 7383) share SPIs, message ID and
// direction and differ in fragment number: they are one message.
// IKEv1 (RFC 2408 §4, RFC 2409 §5): no response flag; all messages of an
// exchange share the message ID (Main Mode 0, Quick Mode its own), the first
// message of a new message ID is the request, and an Informational exchange
// is one message with no answer.
//
// A retransmission is a message sent again in the same direction with the
// same message ID and the same bytes. The same bytes seen in another input
// (a capture on each side) are the same message, not a retransmission.
//
// Memory is bounded per IKE SA: the open requests and a few recent exchanges,
// each holding fingerprints and, until it leaves the window, the request.
// The tracker does not decrypt; it reads `inner` when the decrypter filled it.

import type { FrameRef, IkeSpi } from '../types.js';
import { FIRST_STATUS_NOTIFY, IKEV1_EXCHANGE, IKEV1_PROTOCOL, IKEV2_EXCHANGE, IKEV2_PAYLOAD, IKEV2_PROTOCOL } from './constants.js';
import { IkeSaTable, ZERO_SPI, type IkeSaEntry, type IkeSaRecord } from './ike-sas.js';
import type { IkeMessage, IkePayload } from './types.js';

export type { IkeSaRecord } from './ike-sas.js';

export interface ExchangeTrackerOptions {
  /** Requests awaiting a response per IKE SA; past it the oldest is counted as unanswered and dropped. */
  maxOpenRequests: number;
  /** Exchanges with a response remembered per IKE SA, to recognise late retransmissions. */
  maxRecentExchanges: number;
  /** Message fingerprints and fragment numbers remembered per exchange and direction. */
  maxSeenPerDirection: number;
  /** Unanswered requests listed in the result; later ones are only counted on their SA. */
  maxUnansweredListed: number;
}

export const DEFAULT_EXCHANGE_TRACKER_OPTIONS: ExchangeTrackerOptions = {
  maxOpenRequests: 32,
  maxRecentExchanges: 8,
  maxSeenPerDirection: 64,
  maxUnansweredListed: 1000,
};

/** One request/response exchange (IKEv1: all messages with one message ID). */
export interface IkeExchange {
  ikeSa: IkeSaRecord;
  version: 1 | 2;
  exchangeType: number;
  messageId: number;
  /** True when the IKE SA's initiator sent the request. */
  requestFromInitiator: boolean;
  request: FrameRef | null;
  response: FrameRef | null;
  /** Distinct messages seen, fragments and retransmissions not counted (IKEv1 Main Mode has 6). */
  messages: number;
  retransmissions: number;
}

/** Classification of one message by the tracker. */
export interface TrackedMessage {
  ikeSa: IkeSaRecord;
  exchange: IkeExchange;
  /** "request" when sent by the side that started the exchange, "response" otherwise. */
  role: 'request' | 'response';
  /** Sent again with the same bytes in the same direction (or a fragment number already seen). */
  retransmission: boolean;
  /** The same bytes already seen in another input: one message captured twice. */
  duplicate: boolean;
  /** Another fragment of a message whose first fragment came earlier (IKEv2 SKF, IKEv1 fragmentation). */
  fragment: boolean;
  /** True for the first response of the exchange. */
  completes: boolean;
  /** On responses: the request message, while the exchange is remembered; null when it was not captured. */
  request: IkeMessage | null;
}

export interface UnansweredRequest {
  ikeSa: IkeSaRecord;
  exchange: IkeExchange;
}

export interface ExchangeTrackerResult {
  ikeSas: IkeSaRecord[];
  /** Requests that got no response, in the order they were given up (at most maxUnansweredListed). */
  unanswered: UnansweredRequest[];
}

interface Seen {
  input: number;
  fingerprint: number;
  length: number;
}

interface ExchangeState {
  exchange: IkeExchange;
  requestMessage: IkeMessage | null;
  /** Fingerprints and fragment numbers per direction: [from the requester, from the responder]. */
  seen: [Seen[], Seen[]];
  fragments: [Set<number>, Set<number>];
}

interface SaState {
  entry: IkeSaEntry;
  /** Exchanges by key, oldest first (Map keeps insertion order). */
  exchanges: Map<string, ExchangeState>;
  /** IKEv1 phase 1: distinct Main or Aggressive Mode messages seen. */
  phase1Messages: number;
}

function payloadsOf(msg: IkeMessage): IkePayload[] {
  return msg.inner ? [...msg.payloads, ...msg.inner] : msg.payloads;
}

function hasErrorNotify(payloads: IkePayload[]): boolean {
  return payloads.some((p) => p.kind === 'notify' && p.notifyType > 0 && p.notifyType < FIRST_STATUS_NOTIFY);
}

/** Returns the SPI of the first proposal of protocol IKE in an SA payload (an IKE SA rekey, RFC 7296 §1.3.2). */
function ikeProposalSpi(payloads: IkePayload[]): IkeSpi | null {
  for (const p of payloads) {
    if (p.kind !== 'sa') continue;
    for (const proposal of p.proposals) {
      if (proposal.protocolId === IKEV2_PROTOCOL.IKE && proposal.spiSize === 8 && proposal.spi.length === 16) return proposal.spi as IkeSpi;
    }
  }
  return null;
}

function isFragment(msg: IkeMessage): boolean {
  return msg.fragment !== null || msg.payloads.some((p) => p.kind === 'v1-fragment');
}

/** Pairs requests and responses, detects retransmissions and keeps the IKE SA table. */
export class ExchangeTracker {
  private readonly options: ExchangeTrackerOptions;
  private readonly table = new IkeSaTable();
  private readonly states = new Map<IkeSaEntry, SaState>();
  private readonly unansweredList: UnansweredRequest[] = [];

  constructor(options: Partial<ExchangeTrackerOptions> = {}) {
    this.options = { ...DEFAULT_EXCHANGE_TRACKER_OPTIONS, ...options };
  }

  /** The IKE SAs seen so far, in order of first message. */
  get ikeSas(): IkeSaRecord[] {
    return this.table.entries.map((e) => e.record);
  }

  /**
   * Classifies one message, in capture order, and updates its IKE SA. For
   * IKEv1 it also sets `msg.initiator` and `msg.response`. Returns null for a
   * message without a readable header or with a zero initiator SPI, which no
   * IKE SA can have (RFC 7296 §3.1, RFC 2408 §3.1).
   */
  observe(msg: IkeMessage): TrackedMessage | null {
    if (msg.headerError !== null || msg.header.initiatorSpi === ZERO_SPI) return null;
    const entry = this.table.lookup(msg);
    const state = this.stateOf(entry);
    const sa = entry.record;

    const fromInitiator = msg.version === 2 ? msg.initiator : this.table.sentByV1Initiator(entry, msg);
    if (msg.version === 1) msg.initiator = fromInitiator;
    this.table.noteEndpoints(entry, msg, fromInitiator);

    const tracked = msg.version === 2 ? this.placeV2(state, msg) : this.placeV1(state, msg, fromInitiator);
    if (msg.version === 1) msg.response = tracked.role === 'response';

    sa.last = msg.ref;
    // A fragmented message counts once: IKEv2 by its first fragment, IKEv1 by the reassembled message.
    if (!tracked.retransmission && !tracked.duplicate && !tracked.fragment) {
      sa.messages += 1;
      if (msg.encrypted) sa.encryptedMessages += 1;
      if (msg.decrypted) sa.decryptedMessages += 1;
    }
    if (tracked.retransmission) sa.retransmissions += 1;
    if (!tracked.retransmission && !tracked.duplicate) this.updateSa(state, msg, tracked);
    return tracked;
  }

  /** Ends the capture: every request still open is unanswered. */
  finish(): ExchangeTrackerResult {
    for (const state of this.states.values()) {
      for (const ex of state.exchanges.values()) {
        if (this.awaitsResponse(ex)) this.giveUp(state, ex);
      }
      state.exchanges.clear();
    }
    return { ikeSas: this.ikeSas, unanswered: this.unansweredList };
  }

  private stateOf(entry: IkeSaEntry): SaState {
    let state = this.states.get(entry);
    if (!state) {
      state = { entry, exchanges: new Map(), phase1Messages: 0 };
      this.states.set(entry, state);
    }
    return state;
  }

  /** Tells whether an exchange still expects a response: IKEv1 Informational exchanges are one-way (RFC 2408 §4.8). */
  private awaitsResponse(ex: ExchangeState): boolean {
    const e = ex.exchange;
    if (e.response !== null) return false;
    return !(e.version === 1 && e.exchangeType === IKEV1_EXCHANGE.INFORMATIONAL);
  }

  private giveUp(state: SaState, ex: ExchangeState): void {
    state.entry.record.unanswered += 1;
    if (this.unansweredList.length < this.options.maxUnansweredListed) this.unansweredList.push({ ikeSa: state.entry.record, exchange: ex.exchange });
  }

  private newExchange(state: SaState, key: string, msg: IkeMessage, requestFromInitiator: boolean): ExchangeState {
    const ex: ExchangeState = {
      exchange: {
        ikeSa: state.entry.record,
        version: msg.version,
        exchangeType: msg.header.exchangeType,
        messageId: msg.header.messageId,
        requestFromInitiator,
        request: null,
        response: null,
        messages: 0,
        retransmissions: 0,
      },
      requestMessage: null,
      seen: [[], []],
      fragments: [new Set(), new Set()],
    };
    state.exchanges.delete(key);
    state.exchanges.set(key, ex);
    this.trim(state);
    return ex;
  }

  /** Drops the oldest exchanges past the limits; an open one dropped that way counts as unanswered. */
  private trim(state: SaState): void {
    const { maxOpenRequests, maxRecentExchanges } = this.options;
    let open = 0;
    let answered = 0;
    for (const ex of state.exchanges.values()) {
      if (this.awaitsResponse(ex)) open += 1;
      else answered += 1;
    }
    for (const [key, ex] of state.exchanges) {
      if (open <= maxOpenRequests && answered <= maxRecentExchanges) break;
      const waiting = this.awaitsResponse(ex);
      if (waiting && open > maxOpenRequests) {
        this.giveUp(state, ex);
        state.exchanges.delete(key);
        open -= 1;
      } else if (!waiting && answered > maxRecentExchanges) {
        state.exchanges.delete(key);
        answered -= 1;
      }
    }
  }

  /**
   * Records one message of an exchange in one direction (0 from the
   * requester, 1 from the responder) and returns whether it repeats one
   * already seen there, was seen in another input, or is another fragment.
   */
  private see(ex: ExchangeState, direction: 0 | 1, msg: IkeMessage): { retransmission: boolean; duplicate: boolean; fragment: boolean } {
    const seen = ex.seen[direction];
    const length = msg.header.length;
    const earlier = seen.filter((s) => s.fingerprint === msg.fingerprint && s.length === length);
    if (earlier.length > 0) {
      if (earlier.some((s) => s.input === msg.ref.input)) {
        ex.exchange.retransmissions += 1;
        return { retransmission: true, duplicate: false, fragment: false };
      }
      seen.push({ input: msg.ref.input, fingerprint: msg.fingerprint, length });
      return { retransmission: false, duplicate: true, fragment: false };
    }
    if (seen.length >= this.options.maxSeenPerDirection) seen.shift();
    seen.push({ input: msg.ref.input, fingerprint: msg.fingerprint, length });

    const fragments = ex.fragments[direction];
    if (msg.version === 2 && msg.fragment) {
      // The same fragment number with other bytes is a retransmission with a new IV (RFC 7383 §2.6.1).
      if (fragments.has(msg.fragment.number)) {
        ex.exchange.retransmissions += 1;
        return { retransmission: true, duplicate: false, fragment: false };
      }
      const first = fragments.size === 0;
      if (fragments.size < this.options.maxSeenPerDirection) fragments.add(msg.fragment.number);
      if (first) ex.exchange.messages += 1;
      return { retransmission: false, duplicate: false, fragment: !first };
    }
    if (isFragment(msg)) return { retransmission: false, duplicate: false, fragment: true };
    ex.exchange.messages += 1;
    return { retransmission: false, duplicate: false, fragment: false };
  }

  private placeV2(state: SaState, msg: IkeMessage): TrackedMessage {
    const requestFromInitiator = msg.response ? !msg.initiator : msg.initiator;
    const key = `${requestFromInitiator ? 'i' : 'r'}:${msg.header.messageId}`;
    let ex = state.exchanges.get(key);

    if (!msg.response) {
      if (ex && ex.exchange.response !== null && !ex.seen[0].some((s) => s.fingerprint === msg.fingerprint) && !msg.fragment) {
        // A new request with an answered message ID and other bytes is a new try (an IKE_SA_INIT
        // repeated with a COOKIE or another KE group, RFC 7296 §2.6, §1.2): a new exchange.
        ex = undefined;
      }
      if (!ex) ex = this.newExchange(state, key, msg, requestFromInitiator);
      const seen = this.see(ex, 0, msg);
      if (!seen.retransmission && !seen.duplicate) {
        if (ex.exchange.request === null) ex.exchange.request = msg.ref;
        // Of a fragmented request, keep the fragment that carries the decrypted payloads.
        if (ex.requestMessage === null || (msg.inner !== null && ex.requestMessage.inner === null)) ex.requestMessage = msg;
      }
      return { ikeSa: state.entry.record, exchange: ex.exchange, role: 'request', completes: false, request: null, ...seen };
    }

    if (!ex) ex = this.newExchange(state, key, msg, requestFromInitiator);
    const seen = this.see(ex, 1, msg);
    const completes = !seen.retransmission && !seen.duplicate && ex.exchange.response === null;
    if (completes) ex.exchange.response = msg.ref;
    const request = ex.requestMessage;
    // A whole response (not a fragment still waiting for the rest) is the last message that needs the
    // request, so let it go: an IKE SA keeps several answered exchanges, and their requests add up.
    if (!seen.retransmission && !seen.duplicate && (msg.fragment === null || msg.inner !== null)) ex.requestMessage = null;
    return { ikeSa: state.entry.record, exchange: ex.exchange, role: 'response', completes, request, ...seen };
  }

  private placeV1(state: SaState, msg: IkeMessage, fromInitiator: boolean): TrackedMessage {
    const key = `${msg.header.messageId}`;
    let ex = state.exchanges.get(key);
    if (!ex) {
      ex = this.newExchange(state, key, msg, fromInitiator);
    }
    const role = fromInitiator === ex.exchange.requestFromInitiator ? 'request' : 'response';
    const seen = this.see(ex, role === 'request' ? 0 : 1, msg);
    let completes = false;
    if (!seen.retransmission && !seen.duplicate) {
      if (role === 'request' && ex.exchange.request === null) {
        ex.exchange.request = msg.ref;
        ex.requestMessage = msg;
      }
      if (role === 'response' && ex.exchange.response === null) {
        ex.exchange.response = msg.ref;
        completes = true;
      }
    }
    return { ikeSa: state.entry.record, exchange: ex.exchange, role, completes, request: role === 'response' ? ex.requestMessage : null, ...seen };
  }

  /** Establishment, deletion and rekeys, from a message that is neither a retransmission nor a duplicate. */
  private updateSa(state: SaState, msg: IkeMessage, tracked: TrackedMessage): void {
    const sa = state.entry.record;
    const payloads = payloadsOf(msg);
    if (msg.version === 2) {
      const type = msg.header.exchangeType;
      if (type === IKEV2_EXCHANGE.IKE_AUTH && tracked.role === 'response') {
        // Decrypted, the response must carry AUTH and no error notify. NOTE: an
        // undecrypted IKE_AUTH response may carry AUTHENTICATION_FAILED; without keys it still counts as established.
        if (msg.inner) {
          if (!hasErrorNotify(msg.inner) && msg.inner.some((p) => p.type === IKEV2_PAYLOAD.AUTH)) sa.established = msg.ref;
        } else if (!tracked.fragment) {
          sa.established = msg.ref;
        }
      }
      if (tracked.role === 'request' && sa.deleted === null && payloads.some((p) => p.kind === 'delete' && p.protocolId === IKEV2_PROTOCOL.IKE)) {
        sa.deleted = msg.ref;
      }
      if (type === IKEV2_EXCHANGE.CREATE_CHILD_SA && tracked.role === 'response' && tracked.request) this.rekeyV2(state, tracked.request, msg);
      return;
    }

    const type = msg.header.exchangeType;
    const isPhase1 = (type === IKEV1_EXCHANGE.IDENTITY_PROTECTION || type === IKEV1_EXCHANGE.AGGRESSIVE) && msg.header.messageId === 0;
    if (isPhase1 && !tracked.fragment) {
      state.phase1Messages += 1;
      const last = type === IKEV1_EXCHANGE.IDENTITY_PROTECTION ? 6 : 3;
      if (state.phase1Messages === last) sa.established = msg.ref;
    }
    for (const p of payloads) {
      if (p.kind !== 'delete' || p.protocolId !== IKEV1_PROTOCOL.ISAKMP) continue;
      // An ISAKMP SA is deleted by its two cookies as a 16-byte SPI (RFC 2408 §3.15).
      for (const spi of p.spis) {
        if (spi.length !== 32) continue;
        const target = this.table.find(1, spi.slice(0, 16), spi.slice(16));
        if (target && target.record.deleted === null) target.record.deleted = msg.ref;
      }
    }
  }

  /**
   * Creates the IKE SA that a CREATE_CHILD_SA with an SA payload of protocol
   * IKE rekeys into. Its SPIs are the proposal SPIs of the request (its
   * initiator) and of the response (its responder), RFC 7296 §1.3.2, §2.18.
   * Only decrypted messages show them.
   */
  private rekeyV2(state: SaState, request: IkeMessage, response: IkeMessage): void {
    const initiatorSpi = ikeProposalSpi(payloadsOf(request));
    const responderSpi = ikeProposalSpi(payloadsOf(response));
    if (!initiatorSpi || !responderSpi) return;
    if (this.table.find(2, initiatorSpi, responderSpi)) return;
    const old = state.entry.record;
    const entry = this.table.create(2, initiatorSpi, responderSpi, response.ref);
    const sa = entry.record;
    sa.rekeyOf = { initiatorSpi: old.initiatorSpi, responderSpi: old.responderSpi };
    sa.established = response.ref;
    sa.initiator = request.src;
    sa.responder = response.src;
  }
}
