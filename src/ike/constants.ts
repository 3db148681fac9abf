// Wire numbers the IKE parsers and the exchange tracker act on. Names for
// display come from the generated IANA tables through registry.ts; these are
// only the values the code branches on.

/** Size of the fixed IKE header (RFC 7296 §3.1, RFC 2408 §3.1). */
export const IKE_HEADER_LENGTH = 28;
/** Size of the generic payload header (RFC 7296 §3.2, RFC 2408 §3.2). */
export const GENERIC_PAYLOAD_HEADER_LENGTH = 4;

/** IKEv2 header flags (RFC 7296 §3.1). */
export const IKEV2_FLAG_INITIATOR = 0x08;
export const IKEV2_FLAG_VERSION = 0x10;
export const IKEV2_FLAG_RESPONSE = 0x20;

/** IKEv1 header flags (RFC 2408 §3.1). */
export const IKEV1_FLAG_ENCRYPTION = 0x01;
export const IKEV1_FLAG_COMMIT = 0x02;
export const IKEV1_FLAG_AUTHENTICATION_ONLY = 0x04;

/** IKEv2 payload types (RFC 7296 §3.2, RFC 7383 §2.5, RFC 6467). */
export const IKEV2_PAYLOAD = {
  NONE: 0,
  SA: 33,
  KE: 34,
  IDi: 35,
  IDr: 36,
  CERT: 37,
  CERTREQ: 38,
  AUTH: 39,
  NONCE: 40,
  N: 41,
  D: 42,
  V: 43,
  TSi: 44,
  TSr: 45,
  SK: 46,
  CP: 47,
  EAP: 48,
  GSPM: 49,
  SKF: 53,
} as const;

/** IKEv1 payload types (RFC 2408 §3.1, RFC 3947, the NAT-T drafts, Mode Config, fragmentation). */
export const IKEV1_PAYLOAD = {
  NONE: 0,
  SA: 1,
  PROPOSAL: 2,
  TRANSFORM: 3,
  KE: 4,
  ID: 5,
  CERT: 6,
  CR: 7,
  HASH: 8,
  SIG: 9,
  NONCE: 10,
  N: 11,
  D: 12,
  VID: 13,
  ATTR: 14,
  NAT_D: 20,
  NAT_OA: 21,
  NAT_D_DRAFT: 130,
  NAT_OA_DRAFT: 131,
  FRAGMENT: 132,
} as const;

/** IKEv2 exchange types (RFC 7296 §3.1, RFC 5723, RFC 9242, RFC 9370). */
export const IKEV2_EXCHANGE = {
  IKE_SA_INIT: 34,
  IKE_AUTH: 35,
  CREATE_CHILD_SA: 36,
  INFORMATIONAL: 37,
  IKE_SESSION_RESUME: 38,
  IKE_INTERMEDIATE: 43,
  IKE_FOLLOWUP_KE: 44,
} as const;

/** IKEv1 exchange types (RFC 2408 §4, RFC 2409 §5, Mode Config draft). */
export const IKEV1_EXCHANGE = {
  BASE: 1,
  IDENTITY_PROTECTION: 2,
  AUTHENTICATION_ONLY: 3,
  AGGRESSIVE: 4,
  INFORMATIONAL: 5,
  TRANSACTION: 6,
  QUICK_MODE: 32,
  NEW_GROUP_MODE: 33,
} as const;

/** IKEv2 Security Protocol Identifiers (RFC 7296 §3.3.1). */
export const IKEV2_PROTOCOL = { IKE: 1, AH: 2, ESP: 3 } as const;
/** IKEv1 IPsec DOI protocol identifiers (RFC 2407 §4.4.1). */
export const IKEV1_PROTOCOL = { ISAKMP: 1, AH: 2, ESP: 3, IPCOMP: 4 } as const;

/** Notify types the tracker and the report act on. */
export const IKEV2_NOTIFY = {
  UNSUPPORTED_CRITICAL_PAYLOAD: 1,
  INVALID_SYNTAX: 7,
  INVALID_SPI: 11,
  CHILD_SA_NOT_FOUND: 44,
  REKEY_SA: 16393,
} as const;
export const IKEV1_NOTIFY = {
  INVALID_SPI: 11,
  RESPONDER_LIFETIME: 24576,
  INITIAL_CONTACT: 24578,
  R_U_THERE: 36136,
  R_U_THERE_ACK: 36137,
} as const;

/** Notify types below this value are errors in both versions (RFC 7296 §3.10.1, RFC 2408 §3.14.1). */
export const FIRST_STATUS_NOTIFY = 16384;
