// The decoded form of IKEv1 (RFC 2408, 2409) and IKEv2 (RFC 7296) messages.
// Parsers in this folder produce these records; the key and crypto code fills
// `inner` once a message is decrypted; the SA tracker reads them.
//
// Numbers stay numbers: payload types, exchange types, notify types and
// transform IDs keep their raw value, and registries give names for display.
// SPIs carried in payloads are lowercase hex strings without "0x" because their
// size varies (4 bytes for ESP/AH, 8 or 16 for IKE, 0 when absent).

import type { Anomaly, FrameRef, IkeSpi, MessageId } from '../types.js';

/** The fixed IKE header (RFC 7296 §3.1, RFC 2408 §3.1). */
export interface IkeHeader {
  initiatorSpi: IkeSpi;
  responderSpi: IkeSpi;
  nextPayload: number;
  majorVersion: number;
  minorVersion: number;
  exchangeType: number;
  flags: number;
  messageId: MessageId;
  /** The Length field: the whole message, header included. */
  length: number;
}

/** Fields every payload record carries. */
export interface PayloadBase {
  /** Payload type number as on the wire (IKEv2 33 = SA, IKEv1 1 = SA, ...). */
  type: number;
  /** IKEv2 critical bit (RFC 7296 §3.2); always false for IKEv1. */
  critical: boolean;
  /** Offset of the generic payload header within the message bytes it was parsed from. */
  offset: number;
  /** Payload Length field, generic header included. */
  length: number;
}

/** A data attribute in TV or TLV form (RFC 2408 §3.3, RFC 7296 §3.3.5). */
export interface Attribute {
  type: number;
  /** The TV value, or a TLV value of up to 4 bytes as a number. */
  value: number | null;
  /** Longer TLV values as hex. */
  hex: string | null;
}

export interface Transform {
  /** IKEv1 transform number; IKEv2 has none. */
  number: number | null;
  /** IKEv2 transform type (1 ENCR, 2 PRF, 3 INTEG, 4 DH, 5 ESN); null for IKEv1. */
  transformType: number | null;
  /** Transform ID: IKEv2 per type, IKEv1 per protocol (KEY_IKE, ESP_AES...). */
  id: number;
  attributes: Attribute[];
}

export interface Proposal {
  number: number;
  /** Protocol ID: IKEv2 1 IKE, 2 AH, 3 ESP; IKEv1 1 ISAKMP, 2 AH, 3 ESP, 4 IPCOMP. */
  protocolId: number;
  spiSize: number;
  /** The proposal's SPI as hex; empty when the SPI size is 0. */
  spi: string;
  transforms: Transform[];
}

export interface SaPayload extends PayloadBase {
  kind: 'sa';
  /** IKEv1 Domain of Interpretation and situation; null for IKEv2. */
  doi: number | null;
  situation: number | null;
  proposals: Proposal[];
}

export interface NotifyPayload extends PayloadBase {
  kind: 'notify';
  /** IKEv1 DOI; null for IKEv2. */
  doi: number | null;
  protocolId: number;
  spiSize: number;
  spi: string;
  notifyType: number;
  /** Notification data as hex. */
  data: string;
}

export interface DeletePayload extends PayloadBase {
  kind: 'delete';
  doi: number | null;
  protocolId: number;
  spiSize: number;
  /** The count field as sent. */
  count: number;
  /** The SPIs that fitted in the payload, as hex. */
  spis: string[];
}

/** An IKEv2 Encrypted and Authenticated payload (RFC 7296 §3.14). */
export interface SkPayload extends PayloadBase {
  kind: 'sk';
  /** Next Payload field: the type of the first payload inside. */
  firstInner: number;
}

/** An IKEv2 Encrypted Fragment payload (RFC 7383 §2.5). */
export interface SkfPayload extends PayloadBase {
  kind: 'skf';
  /** Next Payload field: set in fragment 1 only. */
  firstInner: number;
  fragmentNumber: number;
  totalFragments: number;
}

/** An IKEv1 fragment (Cisco/Microsoft payload 132, or RFC-draft IKEv1 fragmentation). */
export interface Ikev1FragmentPayload extends PayloadBase {
  kind: 'v1-fragment';
  fragmentId: number;
  fragmentNumber: number;
  last: boolean;
  /** The fragment's data as hex. */
  data: string;
}

/** Any other payload: decoded fields by name for the --ike tree and the JSON report. */
export interface OtherPayload extends PayloadBase {
  kind: 'other';
  /** Decoded fields, e.g. { idType: 2, id: "west" } for an ID payload. Strings from the wire are raw: escape before printing. */
  fields: Record<string, string | number | boolean | null | string[] | number[]>;
}

export type IkePayload =
  | SaPayload
  | NotifyPayload
  | DeletePayload
  | SkPayload
  | SkfPayload
  | Ikev1FragmentPayload
  | OtherPayload;

/** Address and port of one side of an IKE message. */
export interface Endpoint {
  address: string;
  port: number;
}

/** One IKE message, decoded as far as the keys allow. */
export interface IkeMessage {
  ref: FrameRef;
  src: Endpoint;
  dst: Endpoint;
  transport: 'udp' | 'tcp';
  nonEspMarker: boolean;
  version: 1 | 2;
  header: IkeHeader;
  /** IKEv2: the I flag. IKEv1: true when sent by the ISAKMP SA's initiator (from the tracker's view of who started it). */
  initiator: boolean;
  /** IKEv2: the R flag. IKEv1: set by exchange pairing. */
  response: boolean;
  /** IKEv2 with an SK or SKF payload, or IKEv1 with the E flag. */
  encrypted: boolean;
  decrypted: boolean;
  /** Payloads outside encryption, in wire order. */
  payloads: IkePayload[];
  /** Payloads inside SK/SKF or the IKEv1 encrypted body once decrypted (after fragment reassembly); null otherwise. */
  inner: IkePayload[] | null;
  /**
   * IKEv2 SKF (RFC 7383) or IKEv1 fragment position. An IKEv1 fragment only
   * carries a last-fragment flag, so `total` is its number when it is the
   * last fragment and 0 (not known yet) otherwise.
   */
  fragment: { number: number; total: number } | null;
  /** Why an encrypted message stayed encrypted: no key, integrity check failed, bad padding... */
  decryptError: string | null;
  anomalies: Anomaly[];
  /**
   * Reason no IKE header could be read (fewer than 28 bytes, a major version
   * other than 1 or 2), or null when the header parsed. When set, `version`
   * is a guess, header fields hold what the bytes had (0 past their end),
   * `payloads` is empty and the message is not IKE for the report: count its
   * anomalies, do not list or track it.
   */
  headerError: string | null;
  /** A 32-bit FNV-1a hash of the message bytes the capture holds; equal bytes give equal fingerprints (retransmission detection). */
  fingerprint: number;
}
